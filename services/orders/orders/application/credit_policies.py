"""OR-18: orders learns billing's answer on each order's credit reservation; §7 row 7: and the
invoice cycle of each delivered order, to "sale complete" once paid (BI-09)."""

from __future__ import annotations

from contracts.billing import (
    CreditDeclined,
    CreditReserved,
    InvoicePaidInFull,
    InvoiceReceiptSignedByCustomer,
)
from orders.domain.order import Order
from runtime.application import ServiceApplication, policy


class CreditGatePolicies(ServiceApplication):
    @policy(CreditReserved)
    def on_credit_reserved(self, event: CreditReserved) -> None:
        order = self.find(Order, event.order_id)
        if order is not None:
            order.credit_reserved(event.credit_limit, event.exposure, event.over_credit_approved)

    @policy(CreditDeclined)
    def on_credit_declined(self, event: CreditDeclined) -> None:
        order = self.find(Order, event.order_id)
        if order is not None:
            order.credit_declined(event.credit_limit, event.exposure, event.reason)

    # A service job's invoice names its call as the order: no order of that id, nothing to do.

    @policy(InvoiceReceiptSignedByCustomer)
    def on_invoice_signed_for(self, event: InvoiceReceiptSignedByCustomer) -> None:
        order = self.find(Order, event.order_id)
        if order is not None:
            order.invoice_signed_for(event.invoice_id)

    @policy(InvoicePaidInFull)
    def on_invoice_paid_in_full(self, event: InvoicePaidInFull) -> None:
        order = self.find(Order, event.order_id)
        if order is not None:
            order.paid_in_full(event.invoice_id)
