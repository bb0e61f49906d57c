"""The billing application: invoices raised by the orders service's shipments."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import Tracking

from billing.domain.invoice import CustomerAccount, Invoice
from chassis.domain import CommandContext
from chassis.governance.application import GovernanceCommands
from contracts.orders import GoodsIssued


class BillingApplication(GovernanceCommands):
    service_name = "billing"

    def on_goods_issued(
        self, event: GoodsIssued, context: CommandContext, tracking: Tracking
    ) -> None:
        with self.acting(context):
            invoice = Invoice(event.order_id, event.customer_id, event.total, event.currency)
            account = self._account(event.customer_id) or CustomerAccount(event.customer_id)
            account.book(invoice.id, invoice.amount)
        self.record_processed(tracking, invoice, account)

    def invoice(self, invoice_id: UUID) -> Invoice:
        return self.get(Invoice, invoice_id, "invoice")

    def invoices_of(self, customer_id: UUID) -> list[Invoice]:
        account = self._account(customer_id)
        return [self.invoice(i) for i in account.invoice_ids] if account else []

    def _account(self, customer_id: UUID) -> CustomerAccount | None:
        return self.find(CustomerAccount, customer_id)
