"""The customers' dashboard (RULES.md §8, "Customers"): figures read from the read models when
Prometheus scrapes ``/metrics``. Catalogue: docs/metrics.md. "Customers without a limit trading
on credit" is billing's figure: billing keeps the exposure.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, case, func, select

from customers.application.queries import CustomerQueries
from customers.care_projections import FILE_FRESHNESS, VISIT_PLANS, VISITS, file_stale
from customers.domain.credit_investigation import InvestigationStatus
from customers.domain.customer import Grade, Severity, Standing
from customers.domain.handover import HandoverStatus
from customers.domain.master_data import ChangeStatus
from customers.domain.visits import Period
from customers.projections import (
    ABNORMALITIES,
    CREDIT_INVESTIGATIONS,
    CUSTOMERS,
    GRADE_CHANGES,
    HANDOVERS,
    MASTER_DATA_CHANGES,
    GradeMove,
    grade_changes,
    master_data_changes,
)
from kernel.application import KernelApplication
from runtime.application import Feature
from runtime.figures import Figure

_customers = CUSTOMERS.table.c
_investigations = CREDIT_INVESTIGATIONS.table.c
_handovers = HANDOVERS.table.c
_plans = VISIT_PLANS.table.c


def _by_grade(app: Any, now: datetime) -> Select[Any]:
    graded = _customers.grade.is_not(None)
    return select(_customers.grade, func.count()).where(graded).group_by(_customers.grade)


def _grade_moves(app: Any, now: datetime) -> Select[Any]:
    direction = GRADE_CHANGES.table.c.direction
    moved = direction != GradeMove.ASSIGNED
    return select(direction, func.count()).where(moved).group_by(direction)


def _grade_reviews_due(app: CustomerQueries, now: datetime) -> Select[Any]:
    return select(func.count()).select_from(CUSTOMERS.table).where(app.grade_review_due(now))


def _investigations_open(app: Any, now: datetime) -> Select[Any]:
    in_progress = _investigations.status == InvestigationStatus.OPEN
    return select(func.count()).select_from(CREDIT_INVESTIGATIONS.table).where(in_progress)


def _investigations_blocked(app: Any, now: datetime) -> Select[Any]:
    blocked = (_investigations.status == InvestigationStatus.OPEN) & (
        _investigations.open_doubt_count > 0
    )
    return select(func.count()).select_from(CREDIT_INVESTIGATIONS.table).where(blocked)


def _credit_reviews_past_due(app: Any, now: datetime) -> Select[Any]:
    due = _customers.credit_review_due_since.is_not(None)
    return select(func.count()).select_from(CUSTOMERS.table).where(due)


def _risk_reviews_open(app: Any, now: datetime) -> Select[Any]:
    under_review = _customers.open_review_id.is_not(None)
    return select(func.count()).select_from(CUSTOMERS.table).where(under_review)


def _by_standing(app: Any, now: datetime) -> Select[Any]:
    return select(_customers.standing, func.count()).group_by(_customers.standing)


def _abnormality_reports(app: Any, now: datetime) -> Select[Any]:
    severity = ABNORMALITIES.table.c.severity
    return select(severity, func.count()).group_by(severity)


def _week_start(app: KernelApplication, now: datetime) -> datetime:
    """Monday 00:00 of ``now``'s week in the company's calendar (XC-10)."""
    zone = app.calendar.zone
    today = now.astimezone(zone).date()
    return datetime.combine(today - timedelta(days=today.weekday()), time(), zone)


def _abnormality_reports_this_week(app: KernelApplication, now: datetime) -> Select[Any]:
    this_week = ABNORMALITIES.table.c.reported_at >= _week_start(app, now)
    return select(func.count()).select_from(ABNORMALITIES.table).where(this_week)


def _stale_files(app: Any, now: datetime) -> Select[Any]:
    return select(func.count()).select_from(FILE_FRESHNESS.table).where(file_stale(now))


def _changes_pending(app: Any, now: datetime) -> Select[Any]:
    status = MASTER_DATA_CHANGES.table.c.status
    pending = status != ChangeStatus.ARCHIVED
    return select(status, func.count()).where(pending).group_by(status)


def _week_plans_under_way(app: KernelApplication, now: datetime, column: Any) -> Select[Any]:
    """CU-18: a salesperson's week plans whose seven days include today (XC-10)."""
    today = now.astimezone(app.calendar.zone).date()
    under_way = (
        (_plans.period == Period.WEEK)
        & (_plans.starts_on <= today)
        & (_plans.starts_on > today - timedelta(days=7))
    )
    return (
        select(_plans.salesperson, func.sum(column)).where(under_way).group_by(_plans.salesperson)
    )


def _visits_planned(app: KernelApplication, now: datetime) -> Select[Any]:
    return _week_plans_under_way(app, now, _plans.visits_planned)


def _visits_recorded(app: KernelApplication, now: datetime) -> Select[Any]:
    return _week_plans_under_way(app, now, _plans.visits_recorded)


def _sheets(app: Any, now: datetime) -> Select[Any]:
    recorded_by = VISITS.table.c.recorded_by
    return select(recorded_by, func.count()).group_by(recorded_by)


def _handovers_signed(app: Any, now: datetime) -> Select[Any]:
    on_time = case((_handovers.signed_at <= _handovers.due_at, "true"), else_="false")
    signed = _handovers.status == HandoverStatus.SIGNED
    return select(on_time, func.count()).where(signed).group_by(on_time)


def _handovers_overdue(app: Any, now: datetime) -> Select[Any]:
    overdue = (_handovers.status == HandoverStatus.OPEN) & (_handovers.due_at < now)
    return select(func.count()).select_from(HANDOVERS.table).where(overdue)


def _without_owner(app: Any, now: datetime) -> Select[Any]:
    unowned = _customers.owner_id.is_(None) | (_customers.owner_id == "")
    return select(func.count()).select_from(CUSTOMERS.table).where(unowned)


def _without_deputy(app: Any, now: datetime) -> Select[Any]:
    return select(func.count()).select_from(CUSTOMERS.table).where(_customers.deputy_id.is_(None))


def _each(values: Any) -> tuple[tuple[str, ...], ...]:
    return tuple((str(value),) for value in values)


FIGURES = (
    Figure(
        "countersign_customers_by_grade",
        "Customers by the grade the sales manager decided (CU-03).",
        _by_grade,
        labels=("grade",),
        known=_each(Grade),
        rule="CU-03",
    ),
    Figure(
        "countersign_customers_grade_changes",
        "Decided changes of a customer's grade, upgrades (toward A) and downgrades (CU-05).",
        _grade_moves,
        labels=("direction",),
        counter=True,
        known=_each((GradeMove.UPGRADE, GradeMove.DOWNGRADE)),
        rule="CU-05",
    ),
    Figure(
        "countersign_customers_grade_reviews_due",
        "Customers whose grade review is due: decided longer ago than the review interval, or "
        "made due by a trigger (CU-05).",
        _grade_reviews_due,
        rule="CU-05",
    ),
    Figure(
        "countersign_customers_credit_investigations_in_progress",
        "Credit investigations opened and not completed (CU-08).",
        _investigations_open,
        rule="CU-08",
    ),
    Figure(
        "countersign_customers_credit_investigations_blocked",
        "Credit investigations in progress with an open doubt, which blocks completion (CU-10).",
        _investigations_blocked,
        rule="CU-10",
    ),
    Figure(
        "countersign_customers_credit_reviews_past_due",
        "Customers whose periodic credit review fell due (CreditReviewDue) and is not done "
        "(CU-11).",
        _credit_reviews_past_due,
        rule="CU-11",
    ),
    Figure(
        "countersign_customers_risk_reviews_open",
        "Dangerous-customer reviews under way (CU-06).",
        _risk_reviews_open,
        rule="CU-06",
    ),
    Figure(
        "countersign_customers_by_standing",
        "Customers by standing: good, watch, on hold (provisional or decided) or blacklisted "
        "(CU-06, CU-13).",
        _by_standing,
        labels=("standing",),
        known=_each(Standing),
        rule="CU-06",
    ),
    Figure(
        "countersign_customers_abnormality_reports",
        "Abnormalities reported, by severity (CU-13).",
        _abnormality_reports,
        labels=("severity",),
        counter=True,
        known=_each(Severity),
        rule="CU-13",
    ),
    Figure(
        "countersign_customers_abnormality_reports_this_week",
        "Abnormalities reported since Monday 00:00 in the company's calendar (CU-13).",
        _abnormality_reports_this_week,
        rule="CU-13",
    ),
    Figure(
        "countersign_customers_stale_files",
        "Customer files neither recorded nor confirmed for more than three months (CU-20).",
        _stale_files,
        rule="CU-20",
    ),
    Figure(
        "countersign_customers_master_data_changes_pending",
        "Master-data change requests not archived yet, by how far they went (CU-14).",
        _changes_pending,
        labels=("status",),
        known=_each((ChangeStatus.SUBMITTED, ChangeStatus.APPROVED, ChangeStatus.APPLIED)),
        rule="CU-14",
    ),
    Figure(
        "countersign_customers_visits_planned",
        "Visits in the week plans under way, per salesperson (CU-18).",
        _visits_planned,
        labels=("salesperson",),
        rule="CU-18",
    ),
    Figure(
        "countersign_customers_visits_recorded",
        "Visits recorded against the week plans under way, per salesperson (CU-18).",
        _visits_recorded,
        labels=("salesperson",),
        rule="CU-18",
    ),
    Figure(
        "countersign_customers_target_customer_sheets",
        "Target-customer sheets submitted (one per visit recorded), per salesperson (CU-18).",
        _sheets,
        labels=("salesperson",),
        counter=True,
        rule="CU-18",
    ),
    Figure(
        "countersign_customers_handovers_signed",
        "Handover lists signed by all three parties, on time (by the due time) or not (CU-22).",
        _handovers_signed,
        labels=("on_time",),
        counter=True,
        known=(("true",), ("false",)),
        rule="CU-22",
    ),
    Figure(
        "countersign_customers_handovers_overdue",
        "Handover lists past their due time and not yet signed by all three (CU-22).",
        _handovers_overdue,
        rule="CU-22",
    ),
    Figure(
        "countersign_customers_accounts_without_owner",
        "Customer files without a primary account owner; should be 0 (CU-15).",
        _without_owner,
        rule="CU-15",
    ),
    Figure(
        "countersign_customers_accounts_without_deputy",
        "Customer files without a deputy account owner (CU-15).",
        _without_deputy,
        rule="CU-15",
    ),
)


class CustomerMetrics(KernelApplication):
    """RULES.md §8 "Customers": the figures and the read models only they need."""

    feature = Feature(
        "customer-metrics", projections=(grade_changes, master_data_changes), figures=FIGURES
    )
