"""orders listens to customers' events to keep its own read model of customer files."""

from __future__ import annotations

from chassis.inbox import Policy, Subscription
from contracts import IntegrationEvent, events_topic
from contracts.customers import CustomerApproved, CustomerRegistered
from orders.application.service import OrdersApplication

CONSUMED: tuple[type[IntegrationEvent], ...] = (CustomerRegistered, CustomerApproved)


def subscriptions(app: OrdersApplication) -> tuple[Subscription, ...]:
    policies: dict[str, Policy] = {
        CustomerRegistered.event_type: app.on_customer_registered,
        CustomerApproved.event_type: app.on_customer_approved,
    }
    return (Subscription(events_topic("customers"), policies),)
