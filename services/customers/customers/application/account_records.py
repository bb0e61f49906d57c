"""Commands and queries on what is known of an account: the owners' reports of its changes
(CU-16) and the original records the custodian keeps, every access logged (CU-17)."""

from __future__ import annotations

from uuid import UUID

from customers.domain.customer import Customer, ReportChannel, ReportKind
from customers.projections import ACCOUNT_REPORTS, AccountReportView, account_reports
from kernel.approvals import Approvals
from runtime.application import Feature, command
from runtime.ids import new_id
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest


class AccountRecordCommands(Approvals):
    feature = Feature("account-records", projections=(account_reports,))
    """CU-16: the reports list the superior reads."""

    @command
    def report_account_change(
        self,
        context: CommandContext,
        customer_id: UUID,
        kind: ReportKind,
        channel: ReportChannel,
        summary: str,
    ) -> UUID:
        """CU-16: the owner or deputy reports a change in the account to their superior."""
        customer = self.get(Customer, customer_id, "customer")
        report_id = new_id()
        customer.report_change(report_id, kind, channel, summary, context.actor)
        return report_id

    def account_reports(self, request: PageRequest) -> Page[AccountReportView]:
        return self.read_models.page(ACCOUNT_REPORTS, request)

    @command
    def file_original_record(
        self, context: CommandContext, customer_id: UUID, description: str
    ) -> Customer:
        customer = self.get(Customer, customer_id, "customer")
        customer.file_original_record(description, context.actor, context.roles)
        return customer

    @command
    def access_original_records(
        self, context: CommandContext, customer_id: UUID, purpose: str
    ) -> Customer:
        """CU-17: the original records, once the access is logged."""
        customer = self.get(Customer, customer_id, "customer")
        customer.access_original_records(context.actor, context.roles, purpose)
        return customer
