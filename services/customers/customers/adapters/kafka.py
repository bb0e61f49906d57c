"""customers consumes no other service's events yet."""

from __future__ import annotations

from chassis.inbox import Subscription
from contracts import IntegrationEvent
from customers.application.service import CustomersApplication

CONSUMED: tuple[type[IntegrationEvent], ...] = ()


def subscriptions(app: CustomersApplication) -> tuple[Subscription, ...]:
    return ()
