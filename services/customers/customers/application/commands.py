"""Commands on customer files."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from uuid import UUID

from customers.domain.allocation import check_balanced
from customers.domain.customer import APPROVAL_KIND, Contact, Customer, Grade
from customers.projections import accounts_per_owner
from kernel.approvals import Approvals
from kernel.audit import AuditTrail
from kernel.governance import Governance
from runtime.application import Feature, command
from runtime.unit_of_work import CommandContext


class CustomerCommands(Approvals, Governance, AuditTrail):
    feature = Feature("customer-files", value_objects=(Contact,))

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

    @command
    def record_customer_file(
        self,
        context: CommandContext,
        customer_id: UUID,
        *,
        org_structure: str | None = None,
        contacts: Sequence[Contact] | None = None,
        premises: Sequence[str] | None = None,
        industry_standing: str | None = None,
        business_notes: str | None = None,
        important: bool | None = None,
    ) -> Customer:
        """CU-01: whoever learns something of the customer records it at once."""
        customer = self.get(Customer, customer_id, "customer")
        if (org_structure, contacts, premises, industry_standing, business_notes) != (None,) * 5:
            customer.record_file(
                context.actor,
                org_structure=org_structure,
                contacts=contacts,
                premises=premises,
                industry_standing=industry_standing,
                business_notes=business_notes,
            )
        if important is not None:
            customer.flag_importance(important, context.actor)
        return customer

    @command
    def propose_grade(
        self, context: CommandContext, customer_id: UUID, grade: Grade, reason: str
    ) -> Customer:
        """CU-03, CU-05: sales propose a grade, with reasons, for the sales manager to decide."""
        customer = self.get(Customer, customer_id, "customer")
        customer.propose_grade(grade, reason, context.actor)
        return customer

    @command
    def decide_grade(
        self, context: CommandContext, customer_id: UUID, grade: Grade, reason: str
    ) -> Customer:
        """CU-03: the sales manager assigns the grade; CU-05: and reviews it, changing it or not."""
        customer = self.get(Customer, customer_id, "customer")
        customer.decide_grade(grade, reason, context.actor, context.roles)
        return customer

    @command
    def assign_owners(
        self,
        context: CommandContext,
        customer_id: UUID,
        owner_id: str,
        deputy_id: str | None,
        reason: str,
    ) -> Customer:
        """CU-15: the sales manager names the account's primary owner and deputy."""
        customer = self.get(Customer, customer_id, "customer")
        previous_owner = customer.owner_id
        customer.assign_owners(owner_id, deputy_id, reason, context.actor, context.roles)
        if owner_id != previous_owner:
            # CU-15: the accounts stay roughly evenly spread across the sales staff.
            with self.read_models.read() as db:
                accounts = accounts_per_owner(db)
            margin = self.rule_parameters().customers.allocation_margin_accounts
            check_balanced(owner_id, previous_owner, accounts, margin)
        return customer
