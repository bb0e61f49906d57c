"""Commands on customer files."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from customers.domain.customer import APPROVAL_KIND, Customer
from kernel.approvals import Approvals
from kernel.audit import AuditTrail
from kernel.governance import Governance
from runtime.application import command
from runtime.unit_of_work import CommandContext


class CustomerCommands(Approvals, Governance, AuditTrail):
    @command
    def register_customer(
        self, context: CommandContext, legal_name: str, owner_id: str
    ) -> Customer:
        return Customer.register(legal_name, owner_id, registered_by=context.actor)

    @command
    def submit_for_approval(
        self, context: CommandContext, customer_id: UUID, credit_limit: Decimal, currency: str
    ) -> Customer:
        """CU-02: the credit rating and requested limit go to the approval chain of the matrix."""
        customer = self.get(Customer, customer_id, "customer")
        customer.submit_for_approval(credit_limit, currency, context.actor)
        self.request_approval(
            customer, APPROVAL_KIND, context.actor, credit_limit, customer.approval_conditions()
        )
        return customer
