"""Commands on a customer's credit: investigations (CU-08, CU-09, CU-10), credit terms (CU-07),
changes of limit (CU-12) and periodic reviews (CU-11)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from sqlalchemy import ColumnElement, select

from customers.domain.credit_investigation import CreditInvestigation, InvestigationMethod
from customers.domain.customer import CREDIT_LIMIT_KIND, Customer, Grade
from customers.projections import (
    CREDIT_INVESTIGATIONS,
    CUSTOMERS,
    CreditInvestigationRow,
    CustomerView,
)
from kernel.application import PolicyNotInForce
from kernel.approvals import Approvals
from kernel.settings import KernelSettings
from runtime import clock
from runtime.application import Feature, Timer, command
from runtime.ids import new_id
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest


def _record_credit_reviews_due(app: CreditCommands) -> None:
    """CU-11: the timer's tick: ``CreditReviewDue`` for every customer whose cycle ended."""
    try:
        falling_due = app.credit_reviews_to_record(clock.now())
    except PolicyNotInForce:
        return  # XC-07: no cycle runs before the general manager signed the rule parameters
    timer = CommandContext(actor=f"{app.service_name}:timer")
    for customer_id in falling_due:
        app.note_credit_review_due(timer, customer_id)


CREDIT_REVIEWS = Timer(
    "credit-reviews",
    lambda settings: KernelSettings.of(settings).timer_seconds,
    _record_credit_reviews_due,
)


class CreditCommands(Approvals):
    feature = Feature("credit-reviews", timers=(CREDIT_REVIEWS,))
    """CU-11: the periodic credit reviews fall due on their own, once per cycle."""

    @command
    def open_credit_investigation(
        self,
        context: CommandContext,
        customer_id: UUID,
        method: InvestigationMethod,
        investigator_id: str,
        agency: str | None = None,
        agency_chosen_because: str | None = None,
    ) -> CreditInvestigation:
        """CU-08, CU-09: the sales manager opens it and names the investigator of record."""
        customer = self.get(Customer, customer_id, "customer")
        return CreditInvestigation.open(
            customer.id,
            customer.grade is Grade.A or customer.important,
            method,
            investigator_id,
            context.actor,
            context.roles,
            agency,
            agency_chosen_because,
        )

    def credit_investigation(self, investigation_id: UUID) -> CreditInvestigation:
        return self.get(CreditInvestigation, investigation_id, "credit investigation")

    def credit_investigation_list(self, request: PageRequest) -> Page[CreditInvestigationRow]:
        return self.read_models.page(CREDIT_INVESTIGATIONS, request)

    @command
    def answer_investigation_form(
        self, context: CommandContext, investigation_id: UUID, answers: dict[str, str]
    ) -> CreditInvestigation:
        investigation = self.credit_investigation(investigation_id)
        investigation.answer_form(answers, context.actor)
        return investigation

    @command
    def file_agency_report(
        self, context: CommandContext, investigation_id: UUID, report: str
    ) -> CreditInvestigation:
        investigation = self.credit_investigation(investigation_id)
        investigation.receive_agency_report(report, context.actor)
        return investigation

    @command
    def assess_agency_report(
        self, context: CommandContext, investigation_id: UUID, assessment: str
    ) -> CreditInvestigation:
        investigation = self.credit_investigation(investigation_id)
        investigation.assess_agency_report(assessment, context.actor, context.roles)
        return investigation

    @command
    def raise_investigation_doubt(
        self, context: CommandContext, investigation_id: UUID, question: str
    ) -> CreditInvestigation:
        investigation = self.credit_investigation(investigation_id)
        investigation.raise_doubt(new_id(), question, context.actor)
        return investigation

    @command
    def resolve_investigation_doubt(
        self, context: CommandContext, investigation_id: UUID, doubt_id: UUID, resolution: str
    ) -> CreditInvestigation:
        investigation = self.credit_investigation(investigation_id)
        investigation.resolve_doubt(doubt_id, resolution, context.actor)
        return investigation

    @command
    def complete_credit_investigation(
        self, context: CommandContext, investigation_id: UUID, conclusion: str
    ) -> CreditInvestigation:
        """CU-07: the customer's file records the completed investigation, in the same commit."""
        investigation = self.credit_investigation(investigation_id)
        investigation.complete(conclusion, context.actor)
        customer = self.get(Customer, investigation.customer_id, "customer")
        customer.record_credit_investigation(investigation.id, context.actor)
        return investigation

    @command
    def request_credit_limit_change(
        self, context: CommandContext, customer_id: UUID, credit_limit: Decimal, reason: str
    ) -> Customer:
        """CU-12: the new limit goes to the matrix's credit-limit chain."""
        customer = self.get(Customer, customer_id, "customer")
        customer.request_credit_limit_change(credit_limit, reason, context.actor)
        self.request_approval(
            customer, CREDIT_LIMIT_KIND, context.actor, credit_limit, customer.credit_conditions()
        )
        return customer

    def credit_review_interval(self, grade: Grade | None) -> timedelta:
        """CU-11: the review cycle of the rule parameters in force (XC-07), shorter for grade A."""
        parameters = self.rule_parameters().customers
        days = (
            parameters.a_grade_credit_review_interval_days
            if grade is Grade.A
            else parameters.credit_review_interval_days
        )
        return timedelta(days=days)

    def _credit_review_due(self, as_of: datetime) -> ColumnElement[bool]:
        """CU-11: the last investigation or change of limit is older than the review cycle."""
        columns = CUSTOMERS.table.c
        a_grade = columns.grade == Grade.A.value
        return (
            a_grade & (columns.credit_reviewed_at <= as_of - self.credit_review_interval(Grade.A))
        ) | (
            (columns.grade.is_(None) | ~a_grade)
            & (columns.credit_reviewed_at <= as_of - self.credit_review_interval(None))
        )

    def due_for_credit_review(self, request: PageRequest, as_of: datetime) -> Page[CustomerView]:
        """CU-11: customers trading on an investigated credit whose review is due or overdue,
        and those recorded as due (by the cycle, or with the reconciliation, BI-08)."""
        due = CUSTOMERS.table.c.credit_review_due_since.is_not(None)
        return self.read_models.page(CUSTOMERS, request, self._credit_review_due(as_of) | due)

    def credit_reviews_to_record(self, as_of: datetime) -> list[UUID]:
        """CU-11: customers whose review fell due and is not recorded as due yet."""
        columns = CUSTOMERS.table.c
        query = select(columns.customer_id).where(
            self._credit_review_due(as_of), columns.credit_review_due_since.is_(None)
        )
        with self.read_models.read() as db:
            return list(db.scalars(query))

    @command
    def note_credit_review_due(self, context: CommandContext, customer_id: UUID) -> bool:
        """CU-11: record ``CreditReviewDue`` once per cycle; returns whether it did."""
        customer = self.get(Customer, customer_id, "customer")
        interval = self.credit_review_interval(customer.grade)
        return customer.note_credit_review_due(interval, clock.now())
