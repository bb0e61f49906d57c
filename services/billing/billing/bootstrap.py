"""Composition root: the billing service's application, routes and published events."""

from billing.adapters.http import (
    bad_debts,
    collections,
    credit,
    expenses,
    invoices,
    invoicing,
    ledger,
    reconciliation,
    service_billing,
)
from billing.adapters.outbound import OUTBOUND
from billing.application import BillingApplication
from runtime.service import ServiceSpec

SPEC = ServiceSpec(
    application=BillingApplication,
    routers=(
        invoices.router,
        invoicing.router,
        invoicing.request_approvals,
        invoicing.invoice_documents,
        invoicing.invoice_signing,
        invoicing.credit_note_approvals,
        credit.router,
        collections.router,
        collections.collection_approvals,
        collections.cash_handover_signatures,
        expenses.router,
        expenses.budget_approvals,
        expenses.pre_approval_approvals,
        expenses.claim_approvals,
        reconciliation.router,
        bad_debts.router,
        bad_debts.bad_debt_approvals,
        service_billing.router,
        ledger.router,
        reconciliation.statement_signing,
    ),
    outbound=OUTBOUND,
)
