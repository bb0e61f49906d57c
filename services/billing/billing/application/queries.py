"""Queries over invoices: one by id from its events; lists page through ``INVOICES``."""

from __future__ import annotations

from uuid import UUID

from billing.domain.invoice import Invoice
from billing.projections import invoices
from runtime.application import Feature, ServiceApplication


class InvoiceQueries(ServiceApplication):
    feature = Feature("invoices", projections=(invoices,))

    def invoice(self, invoice_id: UUID) -> Invoice:
        return self.get(Invoice, invoice_id, "invoice")
