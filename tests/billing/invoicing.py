"""Invoices recorded for the tests of what follows them (lists, owners), standing in for the
invoice cycle (request, review, issue: BI-01…BI-03) billing does not run from shipments."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID, uuid4

from billing.domain.invoice import Invoice
from billing.domain.known_customer import KnownCustomer
from runtime.application import ServiceApplication
from runtime.unit_of_work import CommandContext, acting


def invoice_issued(app: ServiceApplication, customer_id: UUID, amount: Decimal) -> Invoice:
    """Finance issued an invoice for a shipment of ``customer_id``, to its account owner."""
    with acting(CommandContext("finance")) as unit:
        customer = app.find(KnownCustomer, customer_id)
        owner_id = None if customer is None else customer.owner_id
        invoice = Invoice.issue(uuid4(), customer_id, amount, "CNY", owner_id)
    app.commit(unit)
    return invoice
