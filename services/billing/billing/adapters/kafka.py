"""billing raises an invoice when the orders service reports a shipment."""

from __future__ import annotations

from billing.application.service import BillingApplication
from chassis.inbox import Policy, Subscription
from contracts import IntegrationEvent, events_topic
from contracts.orders import GoodsIssued

CONSUMED: tuple[type[IntegrationEvent], ...] = (GoodsIssued,)


def subscriptions(app: BillingApplication) -> tuple[Subscription, ...]:
    policies: dict[str, Policy] = {GoodsIssued.event_type: app.on_goods_issued}
    return (Subscription(events_topic("orders"), policies),)
