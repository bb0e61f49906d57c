"""service-desk opens vouchers when the orders service reports a confirmed delivery."""

from __future__ import annotations

from chassis.inbox import Policy, Subscription
from contracts import IntegrationEvent, events_topic
from contracts.orders import DeliveryConfirmedByCustomer
from service_desk.application.service import ServiceDeskApplication

CONSUMED: tuple[type[IntegrationEvent], ...] = (DeliveryConfirmedByCustomer,)


def subscriptions(app: ServiceDeskApplication) -> tuple[Subscription, ...]:
    policies: dict[str, Policy] = {
        DeliveryConfirmedByCustomer.event_type: app.on_delivery_confirmed
    }
    return (Subscription(events_topic("orders"), policies),)
