"""Billing raises an invoice when the orders service reports a shipment."""

from __future__ import annotations

from billing.domain.invoice import Invoice
from contracts.orders import GoodsIssued
from runtime.application import ServiceApplication, policy


class ShipmentPolicies(ServiceApplication):
    @policy(GoodsIssued)
    def on_goods_issued(self, event: GoodsIssued) -> None:
        """BI-01: one invoice per shipment, for what was shipped."""
        if self.find(Invoice, Invoice.id_for(event.order_id)) is None:
            Invoice.issue(event.order_id, event.customer_id, event.total, event.currency)
