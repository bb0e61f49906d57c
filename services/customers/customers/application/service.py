"""The customers application: commands and queries over customer files."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from chassis.domain import CommandContext
from chassis.governance.application import GovernanceCommands
from customers.domain.customer import APPROVAL_KIND, Customer


class CustomersApplication(GovernanceCommands):
    service_name = "customers"

    def register_customer(self, context: CommandContext, legal_name: str, owner_id: str) -> UUID:
        with self.acting(context):
            customer = Customer(legal_name, owner_id, registered_by=context.actor)
        self.save(customer)
        return customer.id

    def submit_for_approval(
        self, context: CommandContext, customer_id: UUID, credit_limit: Decimal, currency: str
    ) -> Customer:
        """CU-02: the credit rating and requested limit go to the approval chain of the matrix."""
        customer = self.customer(customer_id)
        with self.acting(context):
            customer.submit_for_approval(credit_limit, currency, context.actor)
            self.approvals.request(
                customer,
                APPROVAL_KIND,
                context.actor,
                credit_limit,
                customer.approval_conditions(),
            )
        self.save(customer)
        return customer

    def customer(self, customer_id: UUID) -> Customer:
        return self.get(Customer, customer_id, "customer")
