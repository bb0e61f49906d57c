"""The billing application: invoices, receivables and expenses (RULES §3.5)."""

from __future__ import annotations

from billing.application.customer_policies import CustomerPolicies
from billing.application.expenses import ExpenseCommands
from billing.application.invoicing import InvoicingCommands
from billing.application.policies import ShipmentPolicies
from billing.application.queries import InvoiceQueries
from kernel.approvals import Approvals
from kernel.audit import AuditTrail
from kernel.governance import Governance


class BillingApplication(
    ShipmentPolicies,
    CustomerPolicies,
    InvoiceQueries,
    ExpenseCommands,
    InvoicingCommands,
    Approvals,
    Governance,
    AuditTrail,
):
    service_name = "billing"
