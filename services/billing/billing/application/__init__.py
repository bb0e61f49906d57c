"""The billing application: credit exposure, invoices, receivables and expenses (RULES §3.5).
Invoicing builds on the credit exposure: an invoice issued or paid moves it."""

from __future__ import annotations

from billing.application.bad_debts import BadDebtCommands
from billing.application.collections import CollectionCommands
from billing.application.customer_policies import CustomerPolicies
from billing.application.expenses import ExpenseCommands
from billing.application.invoicing import InvoicingCommands
from billing.application.ledger import WarrantyLedgerCommands
from billing.application.maintenance_billing import MaintenanceBillingCommands
from billing.application.queries import InvoiceQueries
from billing.application.reconciliation import ReconciliationCommands
from billing.application.service_billing import ServiceBillingCommands
from kernel.approvals import Approvals
from kernel.audit import AuditTrail
from kernel.governance import Governance


class BillingApplication(
    BadDebtCommands,
    InvoicingCommands,
    CustomerPolicies,
    InvoiceQueries,
    ExpenseCommands,
    ServiceBillingCommands,
    MaintenanceBillingCommands,
    WarrantyLedgerCommands,
    CollectionCommands,
    ReconciliationCommands,
    Approvals,
    Governance,
    AuditTrail,
):
    service_name = "billing"
