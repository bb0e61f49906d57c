"""The June and December reconciliation (RULES §3.5 BI-08, BI-14; §7 rows 8, 22): a timer on the
working calendar issues every customer's statement from the last working day of June and of
December, with the balance the receivables show at the period's end; the customer confirms it by
signing through their own channel, or the difference with their books is recorded; the outcome
is reported to the sales manager and finance. The coverage (confirmed statements of the latest
period) is a figure of the dashboard."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import ColumnElement, Select, and_, case, func, select

from billing.domain.known_customer import KnownCustomer
from billing.domain.reconciliation import Period, ReconciliationStatement, StatementStatus
from billing.reconciliation_projections import (
    RECONCILIATIONS,
    ReconciliationView,
    balances_to_reconcile,
    reconciliations,
)
from kernel.application import PolicyNotInForce
from kernel.calendar import Calendar
from kernel.settings import KernelSettings
from kernel.signing import CustomerSigning
from runtime import clock
from runtime.application import Feature, Timer, command
from runtime.figures import Figure
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest


def last_working_day(calendar: Calendar, day: date) -> date:
    """The last working day on or before ``day``."""
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return day


def period_due(calendar: Calendar, today: date, within_days: int) -> tuple[int, Period] | None:
    """BI-08: the period whose statements are issued today: from the last working day of its
    June or December, for ``within_days`` more days when they could not be issued that day."""
    latest_first = ((today.year, Period.H2), (today.year, Period.H1), (today.year - 1, Period.H2))
    for year, period in latest_first:
        opens = last_working_day(calendar, period.last_day(year))
        if opens <= today:
            return (year, period) if (today - opens).days <= within_days else None
    return None


def _issue_due_statements(app: ReconciliationCommands) -> None:
    """BI-08: the timer's tick: the statements of the period due, one per customer and
    currency, once."""
    try:
        calendar = app.calendar
        within = app.rule_parameters().receivables.reconciliation_issue_within_days
    except PolicyNotInForce:
        return  # XC-07: no period is judged before the general manager signed the calendar
    due = period_due(calendar, clock.now().astimezone(calendar.zone).date(), within)
    if due is None:
        return
    year, period = due
    with app.read_models.read() as db:
        balances = balances_to_reconcile(db, year, period)
    timer = CommandContext(actor=f"{app.service_name}:timer")
    for customer_id, currency, balance in balances:
        app.issue_reconciliation_statement(timer, customer_id, year, period, currency, balance)


RECONCILIATION_STATEMENTS = Timer(
    "reconciliation-statements",
    lambda settings: KernelSettings.of(settings).timer_seconds,
    _issue_due_statements,
)

_statements = RECONCILIATIONS.table.c


def _latest_period() -> ColumnElement[bool]:
    """The statements of the latest period issued."""
    half = _statements.year * 10 + case((_statements.period == Period.H2, 2), else_=1)
    return half == select(func.max(half)).scalar_subquery()


def _by_status(app: Any, now: datetime) -> Select[Any]:
    return (
        select(_statements.status, func.count())
        .where(_latest_period())
        .group_by(_statements.status)
    )


def _coverage(app: Any, now: datetime) -> Select[Any]:
    confirmed = func.sum(case((_statements.status == StatementStatus.CONFIRMED, 1), else_=0))
    return select(confirmed * 1.0 / func.nullif(func.count(), 0)).where(_latest_period())


def _open_discrepancies(app: Any, now: datetime) -> Select[Any]:
    open_ = and_(
        _statements.status == StatementStatus.DISCREPANCY, _statements.explained.is_(False)
    )
    return select(func.count()).select_from(RECONCILIATIONS.table).where(open_)


def _reported(app: Any, now: datetime) -> Select[Any]:
    reported = _statements.reported
    return (
        select(case((reported.is_(True), "true"), else_="false"), func.count())
        .where(_latest_period())
        .group_by(reported)
    )


FIGURES = (
    Figure(
        "countersign_billing_reconciliation_statements",
        "Statements of the latest June or December reconciliation by status: issued (awaiting "
        "the customer), confirmed by the customer's signature, discrepancy (BI-08).",
        _by_status,
        labels=("status",),
        known=tuple((str(status),) for status in StatementStatus),
        rule="BI-08",
    ),
    Figure(
        "countersign_billing_reconciliation_coverage",
        "Share of the latest reconciliation's statements the customer confirmed (BI-08).",
        _coverage,
        rule="BI-08",
    ),
    Figure(
        "countersign_billing_reconciliation_discrepancies_unexplained",
        "Statements whose difference with the customer's books nobody explained (BI-08).",
        _open_discrepancies,
        rule="BI-08",
    ),
    Figure(
        "countersign_billing_reconciliation_reported",
        "Statements of the latest reconciliation by whether their outcome was reported to the "
        "sales manager and finance (BI-08).",
        _reported,
        labels=("reported",),
        known=(("true",), ("false",)),
        rule="BI-08",
    ),
)


class ReconciliationCommands(CustomerSigning):
    feature = Feature(
        "reconciliation",
        projections=(reconciliations,),
        timers=(RECONCILIATION_STATEMENTS,),
        figures=FIGURES,
    )

    def reconciliation_statement(self, statement_id: UUID) -> ReconciliationStatement:
        return self.get(ReconciliationStatement, statement_id, "reconciliation statement")

    def reconciliation_statements(self, request: PageRequest) -> Page[ReconciliationView]:
        return self.read_models.page(RECONCILIATIONS, request)

    @command
    def issue_reconciliation_statement(
        self,
        context: CommandContext,
        customer_id: UUID,
        year: int,
        period: Period,
        currency: str,
        balance: Decimal,
    ) -> bool:
        """BI-08: the timer's command: the customer's statement, for their account owner to
        reconcile, once."""
        statement_id = ReconciliationStatement.id_for(customer_id, year, period, currency)
        if self.find(ReconciliationStatement, statement_id) is not None:
            return False
        customer = self.find(KnownCustomer, customer_id)
        ReconciliationStatement.issue(
            customer_id,
            year,
            period,
            balance,
            currency,
            None if customer is None else customer.owner_id,
        )
        return True

    @command
    def record_reconciliation_discrepancy(
        self,
        context: CommandContext,
        statement_id: UUID,
        customer_balance: Decimal,
        explanation: str | None,
    ) -> ReconciliationStatement:
        """BI-08: the customer's books show another balance."""
        statement = self.reconciliation_statement(statement_id)
        statement.record_discrepancy(context.actor, context.roles, customer_balance, explanation)
        return statement

    @command
    def report_reconciliation(
        self, context: CommandContext, statement_id: UUID
    ) -> ReconciliationStatement:
        """BI-08: the outcome goes to the sales manager and finance."""
        statement = self.reconciliation_statement(statement_id)
        statement.report(context.actor)
        return statement
