"""Billing raises an invoice when the orders service reports a shipment."""

from __future__ import annotations

from billing.domain.invoice import Invoice
from billing.domain.known_customer import KnownCustomer
from contracts.orders import GoodsIssued
from runtime.application import ServiceApplication, policy


class ShipmentPolicies(ServiceApplication):
    @policy(GoodsIssued)
    def on_goods_issued(self, event: GoodsIssued) -> None:
        """BI-01: one invoice per shipment, for what was shipped."""
        if self.find(Invoice, Invoice.id_for(event.order_id)) is None:
            customer = self.find(KnownCustomer, event.customer_id)
            owner_id = None if customer is None else customer.owner_id
            Invoice.issue(event.order_id, event.customer_id, event.total, event.currency, owner_id)
