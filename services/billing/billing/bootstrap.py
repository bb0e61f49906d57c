"""Composition root: the billing service's application, routes and published events."""

from billing.adapters.http import credit, expenses, invoices
from billing.adapters.outbound import OUTBOUND
from billing.application import BillingApplication
from runtime.service import ServiceSpec

SPEC = ServiceSpec(
    application=BillingApplication,
    routers=(
        invoices.router,
        credit.router,
        expenses.router,
        expenses.budget_approvals,
        expenses.pre_approval_approvals,
        expenses.claim_approvals,
    ),
    outbound=OUTBOUND,
)
