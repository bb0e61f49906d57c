"""The billing application: invoices, receivables and expenses (RULES §3.5)."""

from __future__ import annotations

from billing.application.credit import CreditPolicies
from billing.application.customer_policies import CustomerPolicies
from billing.application.expenses import ExpenseCommands
from billing.application.queries import InvoiceQueries
from kernel.approvals import Approvals
from kernel.audit import AuditTrail
from kernel.governance import Governance


class BillingApplication(
    CreditPolicies,
    CustomerPolicies,
    InvoiceQueries,
    ExpenseCommands,
    Approvals,
    Governance,
    AuditTrail,
):
    service_name = "billing"
