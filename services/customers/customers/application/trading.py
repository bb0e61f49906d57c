"""The customer file accumulates the trading history the orders and billing services report
(CU-26)."""

from __future__ import annotations

from uuid import UUID

from contracts.billing import InvoiceIssued
from contracts.orders import DeliveryConfirmedByCustomer, GoodsIssued
from customers.domain.trading import TradingHistory
from runtime.application import ServiceApplication, policy


class TradingHistoryPolicies(ServiceApplication):
    def history_of(self, customer_id: UUID) -> TradingHistory:
        found = self.find(TradingHistory, TradingHistory.id_for(customer_id))
        return found or TradingHistory.open(customer_id)

    @policy(GoodsIssued)
    def on_goods_issued(self, event: GoodsIssued) -> None:
        """CU-26: the shipment record."""
        self.history_of(event.customer_id).record_shipment(
            event.order_id, event.total, event.currency
        )

    @policy(DeliveryConfirmedByCustomer)
    def on_delivery_confirmed(self, event: DeliveryConfirmedByCustomer) -> None:
        """CU-26: the shipment record, as the customer confirmed receiving it."""
        self.history_of(event.customer_id).record_delivery(event.order_id, event.received_at)

    @policy(InvoiceIssued)
    def on_invoice_issued(self, event: InvoiceIssued) -> None:
        """CU-26: the payment record starts from what was invoiced."""
        self.history_of(event.customer_id).record_invoice(
            event.invoice_id, event.order_id, event.amount, event.currency
        )
