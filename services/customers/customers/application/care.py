"""Commands and queries of the customer cared for: the file kept fresh (CU-20), visit plans, the
weekly meeting and the work log (CU-18), the key-customer care plan (CU-25), the trading history
(CU-26), tiered access to the sensitive fields (CU-21), needs analysis and segments (CU-24)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime
from uuid import UUID

from customers.care_projections import (
    CARE_PLANS,
    FILE_FRESHNESS,
    SEGMENTS,
    SENSITIVE_READS,
    VISIT_PLANS,
    VISITS,
    CarePlanView,
    CustomerNeedsView,
    FileFreshnessView,
    PaymentRecordView,
    SatisfactionView,
    SensitiveReadView,
    TradeView,
    TradingHistoryView,
    VisitPlanView,
    VisitView,
    care_plans,
    file_freshness,
    file_stale,
    segments,
    sensitive_read_log,
    trading_entries,
    visits,
)
from customers.domain.access import (
    CREDIT_FIGURE_FIELDS,
    SensitiveRead,
    credit_figures_shown,
    review_fields_shown,
    sensitive_fields_shown,
)
from customers.domain.care import CarePlan
from customers.domain.customer import Customer
from customers.domain.needs import Channel, CustomerNeeds
from customers.domain.risk_review import RiskReview
from customers.domain.trading import (
    PaymentRecord,
    SatisfactionProfile,
    TradeRecord,
    TradingHistory,
)
from customers.domain.visits import Period, PlannedVisit, VisitPlan, WorkLog
from kernel.application import KernelApplication
from runtime.aggregate import RuleViolation
from runtime.application import Feature, command
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest


class CareQueries(KernelApplication):
    feature = Feature(
        "customer-care",
        projections=(
            file_freshness,
            visits,
            care_plans,
            trading_entries,
            sensitive_read_log,
            segments,
        ),
    )

    def local_date(self, at: datetime) -> date:
        """The day ``at`` falls on in the company's working calendar (XC-10)."""
        return at.astimezone(self.calendar.zone).date()

    def stale_files(self, request: PageRequest, as_of: datetime) -> Page[FileFreshnessView]:
        """CU-20: files neither recorded nor confirmed for longer than the refresh interval."""
        return self.read_models.page(FILE_FRESHNESS, request, file_stale(as_of))

    def visit_plan(self, plan_id: UUID) -> VisitPlan:
        return self.get(VisitPlan, plan_id, "visit plan")

    def visit_plans(self, request: PageRequest) -> Page[VisitPlanView]:
        return self.read_models.page(VISIT_PLANS, request)

    def customer_visits(self, request: PageRequest) -> Page[VisitView]:
        return self.read_models.page(VISITS, request)

    def work_log(self, salesperson: str, day: date) -> WorkLog:
        return self.get(WorkLog, WorkLog.id_for(salesperson, day), "work log")

    def care_plan(self, care_plan_id: UUID) -> CarePlan:
        return self.get(CarePlan, care_plan_id, "care plan")

    def follow_ups_due(self, request: PageRequest, as_of: datetime) -> Page[CarePlanView]:
        """CU-25: care plans whose next follow-up visit is due by the day of ``as_of``."""
        due = CARE_PLANS.table.c.next_follow_up_on <= self.local_date(as_of)
        return self.read_models.page(CARE_PLANS, request, due)

    def trading_history(self, customer_id: UUID) -> TradingHistoryView:
        """CU-26: nothing traded yet is an empty history, not an unknown one."""
        self.get(Customer, customer_id, "customer")
        history = self.find(TradingHistory, TradingHistory.id_for(customer_id))
        if history is None:
            return TradingHistoryView(
                customer_id=customer_id,
                shipments=0,
                deliveries=0,
                invoices=0,
                shipped={},
                invoiced={},
                last_shipped_at=None,
                last_delivered_at=None,
                trade=TradeView.model_validate(TradeRecord()),
                payment_record=PaymentRecordView.model_validate(PaymentRecord()),
                satisfaction=SatisfactionView.model_validate(SatisfactionProfile()),
            )
        return TradingHistoryView.model_validate(history)


class CareCommands(CareQueries):
    feature = Feature("visit-planning", value_objects=(PlannedVisit,))

    @command
    def refresh_customer_file(
        self, context: CommandContext, customer_id: UUID, how_checked: str
    ) -> Customer:
        """CU-20: sales checked the file against the customer and confirm it is current."""
        customer = self.get(Customer, customer_id, "customer")
        customer.confirm_file(how_checked, context.actor)
        return customer

    @command
    def plan_visits(
        self,
        context: CommandContext,
        period: Period,
        starts_on: date,
        planned: Sequence[PlannedVisit],
    ) -> VisitPlan:
        """CU-18: the caller's own plan of customer visits for a month, a week or a day."""
        if self.find(VisitPlan, VisitPlan.id_for(context.actor, period, starts_on)) is not None:
            raise RuleViolation(
                "CU-18", "this period is already planned", period=period, starts_on=starts_on
            )
        for customer_id in {visit.customer_id for visit in planned}:
            self.get(Customer, customer_id, "customer")
        return VisitPlan.plan(context.actor, period, starts_on, planned)

    @command
    def confirm_key_visits(
        self,
        context: CommandContext,
        plan_id: UUID,
        customer_ids: Collection[UUID],
        at: datetime,
    ) -> VisitPlan:
        """CU-18: at the Saturday-morning meeting the sales manager confirms next week's key
        visits."""
        plan = self.get(VisitPlan, plan_id, "visit plan")
        plan.confirm_key_visits(customer_ids, context.actor, context.roles, at)
        return plan

    @command
    def record_visit(
        self,
        context: CommandContext,
        plan_id: UUID,
        customer_id: UUID,
        visited_on: date,
        facts: str,
        at: datetime,
    ) -> VisitPlan:
        """CU-18: after each visit the salesperson records the facts found at the customer."""
        plan = self.get(VisitPlan, plan_id, "visit plan")
        self.get(Customer, customer_id, "customer")
        plan.record_visit(customer_id, visited_on, facts, context.actor, self.local_date(at))
        return plan

    @command
    def write_work_log(
        self, context: CommandContext, day: date, entry: str, at: datetime
    ) -> WorkLog:
        """CU-18: the caller's written log of the day."""
        log = self.find(WorkLog, WorkLog.id_for(context.actor, day))
        log = log or WorkLog.open(context.actor, day)
        log.write(entry, self.local_date(at))
        return log

    @command
    def draw_up_care_plan(
        self,
        context: CommandContext,
        customer_id: UUID,
        follow_up_every_days: int,
        measures: str,
        at: datetime,
    ) -> CarePlan:
        """CU-25: the care plan of a key customer and the cycle of its follow-up visits."""
        customer = self.get(Customer, customer_id, "customer")
        if self.find(CarePlan, CarePlan.id_for(customer_id)) is not None:
            raise RuleViolation("CU-25", "the customer already has a care plan")
        return CarePlan.draw_up(
            customer, follow_up_every_days, measures, context.actor, self.local_date(at)
        )

    @command
    def record_follow_up(
        self,
        context: CommandContext,
        care_plan_id: UUID,
        visited_on: date,
        findings: str,
        feedback: str,
        at: datetime,
    ) -> CarePlan:
        """CU-25: a follow-up visit, its findings and the customer's feedback."""
        plan = self.get(CarePlan, care_plan_id, "care plan")
        plan.record_follow_up(visited_on, findings, feedback, context.actor, self.local_date(at))
        return plan

    @command
    def log_sensitive_read(
        self, context: CommandContext, customer_id: UUID, fields: Sequence[str]
    ) -> SensitiveRead:
        """CU-21: the caller reads the customer's sensitive ``fields``; the read is logged."""
        return SensitiveRead.log(customer_id, context.actor, context.roles, fields)

    def customer_file_for(self, context: CommandContext, customer_id: UUID) -> Customer:
        """CU-21: the customer's file; the read of the sensitive fields the caller's level shows
        is logged first."""
        customer = self.get(Customer, customer_id, "customer")
        self.log_sensitive_read(context, customer_id, sensitive_fields_shown(context.roles))
        return customer

    def trading_history_for(self, context: CommandContext, customer_id: UUID) -> TradingHistoryView:
        """CU-26 as the caller's level shows it: the credit review's figures (CU-11) only at the
        confidential levels, their read logged first (CU-21)."""
        history = self.trading_history(customer_id)
        reported = [f for f in CREDIT_FIGURE_FIELDS if getattr(history, f) is not None]
        shown = [f for f in reported if f in credit_figures_shown(context.roles)]
        if shown:
            self.log_sensitive_read(context, customer_id, shown)
        return history.model_copy(update=dict.fromkeys(set(reported) - set(shown)))

    def risk_review_for(self, context: CommandContext, review_id: UUID) -> RiskReview:
        """CU-21: a dangerous-customer review; the read of what the caller's level shows of it is
        logged first, against the customer reviewed."""
        review = self.get(RiskReview, review_id, "risk review")
        self.log_sensitive_read(context, review.customer_id, review_fields_shown(context.roles))
        return review

    def listed_for(
        self, context: CommandContext, customer_ids: Sequence[UUID], listed: Collection[str]
    ) -> tuple[str, ...]:
        """CU-21: of the sensitive fields a list of customers holds (``listed``), those the
        caller's level shows; their read is logged first for each customer listed, as a file's
        is."""
        shown = tuple(field for field in sensitive_fields_shown(context.roles) if field in listed)
        if customer_ids and shown:
            self.log_sensitive_reads(context, customer_ids, shown)
        return shown

    @command
    def log_sensitive_reads(
        self, context: CommandContext, customer_ids: Sequence[UUID], fields: Sequence[str]
    ) -> list[SensitiveRead]:
        """CU-21: the caller reads these customers' sensitive ``fields`` in a list: one read
        logged per customer, so each customer's log says who saw what of it."""
        return [SensitiveRead.log(c, context.actor, context.roles, fields) for c in customer_ids]

    def sensitive_reads(self, request: PageRequest) -> Page[SensitiveReadView]:
        return self.read_models.page(SENSITIVE_READS, request)

    @command
    def analyse_needs(
        self,
        context: CommandContext,
        customer_id: UUID,
        channel: Channel,
        needs: str,
        changes: str,
        segment: str,
        service_focus: str,
    ) -> CustomerNeeds:
        """CU-24: the customer's needs, analysed into a segment and a service focus."""
        self.get(Customer, customer_id, "customer")
        record = self.find(CustomerNeeds, CustomerNeeds.id_for(customer_id))
        record = record or CustomerNeeds.open(customer_id)
        record.analyse(channel, needs, changes, segment, service_focus, context.actor)
        return record

    def segmented(self, request: PageRequest) -> Page[CustomerNeedsView]:
        return self.read_models.page(SEGMENTS, request)
