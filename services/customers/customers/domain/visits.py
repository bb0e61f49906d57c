"""A salesperson's visit plans and daily work log (CU-18): monthly, weekly and daily plans against
their targets, next week's key visits confirmed by the sales manager at the Saturday-morning
meeting, and each visit recorded with the facts learned of the customer."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Self
from uuid import NAMESPACE_OID, UUID, uuid5

from kernel.roles import Role
from runtime.aggregate import Aggregate, RuleViolation

MAX_PLANNED_VISITS = 200
"""CU-18: a plan lists at most this many visits (a month of daily visits, several a day)."""


class Period(StrEnum):
    MONTH = "month"
    WEEK = "week"
    DAY = "day"


def period_end(period: Period, starts_on: date) -> date:
    """The first day after the period that starts on ``starts_on``."""
    if period is Period.DAY:
        return starts_on + timedelta(days=1)
    if period is Period.WEEK:
        return starts_on + timedelta(days=7)
    return date(starts_on.year + starts_on.month // 12, starts_on.month % 12 + 1, 1)


@dataclass(frozen=True)
class PlannedVisit:
    """CU-18: a customer to visit on a day, and what for."""

    customer_id: UUID
    on: date
    purpose: str


class VisitPlan(Aggregate):
    """One salesperson's plan for one month, week or day."""

    def __init__(self) -> None:
        self.salesperson: str
        self.period: str
        self.starts_on: date
        self.visits: tuple[PlannedVisit, ...]
        # CU-18: the key visits the sales manager confirmed at the Saturday-morning meeting.
        self.key_customer_ids: tuple[UUID, ...] = ()
        self.key_visits_confirmed_by: str | None = None
        self.visits_recorded = 0

    class Planned(Aggregate.Created):
        salesperson: str
        period: str
        starts_on: date
        visits: tuple[PlannedVisit, ...]

        def apply(self, plan: VisitPlan) -> None:
            super().apply(plan)
            plan.visits = tuple(self.visits)

    class KeyVisitsConfirmed(Aggregate.Event):
        customer_ids: tuple[UUID, ...]
        confirmed_by: str

        def apply(self, plan: VisitPlan) -> None:
            plan.key_customer_ids = tuple(self.customer_ids)
            plan.key_visits_confirmed_by = self.confirmed_by

    class VisitRecorded(Aggregate.Event):
        """CU-18: the target-customer sheet of one visit: what was found, truthfully."""

        customer_id: UUID
        visited_on: date
        facts: str
        recorded_by: str

        def apply(self, plan: VisitPlan) -> None:
            plan.visits_recorded += 1

    @staticmethod
    def id_for(salesperson: str, period: Period, starts_on: date) -> UUID:
        # One plan per salesperson and period.
        return uuid5(NAMESPACE_OID, f"visit-plan:{salesperson}:{period}:{starts_on}")

    @property
    def visits_planned(self) -> int:
        return len(self.visits)

    @property
    def ends_on(self) -> date:
        """The first day after the plan's period."""
        return period_end(Period(self.period), self.starts_on)

    @classmethod
    def plan(
        cls, salesperson: str, period: Period, starts_on: date, visits: Sequence[PlannedVisit]
    ) -> Self:
        # CU-18: plans are by calendar month, Monday-to-Sunday week or day.
        if period is Period.MONTH and starts_on.day != 1:
            raise RuleViolation("CU-18", "a monthly plan starts on the 1st", starts_on=starts_on)
        if period is Period.WEEK and starts_on.weekday() != 0:
            raise RuleViolation("CU-18", "a weekly plan starts on a Monday", starts_on=starts_on)
        if not visits:
            raise RuleViolation("CU-18", "a plan lists the visits planned")
        if len(visits) > MAX_PLANNED_VISITS:
            raise RuleViolation("CU-18", "too many visits", most=MAX_PLANNED_VISITS)
        ends_on = period_end(period, starts_on)
        for visit in visits:
            if not starts_on <= visit.on < ends_on:
                raise RuleViolation(
                    "CU-18", "a planned visit falls outside the plan's period", on=visit.on
                )
            if not visit.purpose.strip():
                raise RuleViolation("CU-18", "a planned visit says what it is for")
        if len({(v.customer_id, v.on) for v in visits}) < len(visits):
            raise RuleViolation("CU-18", "a customer is planned twice on the same day")
        return cls._create(
            cls.Planned,
            id=cls.id_for(salesperson, period, starts_on),
            salesperson=salesperson,
            period=period.value,
            starts_on=starts_on,
            visits=tuple(visits),
        )

    def confirm_key_visits(
        self,
        customer_ids: Collection[UUID],
        confirmed_by: str,
        roles: Collection[str],
        at: datetime,
    ) -> None:
        # CU-18: the sales manager confirms the priorities, nobody else.
        if Role.SALES_MANAGER not in roles:
            raise RuleViolation("CU-18", "only the sales manager confirms the key visits")
        # CU-18: key visits are next week's, confirmed at the Saturday meeting before it.
        if self.period != Period.WEEK:
            raise RuleViolation("CU-18", "key visits are confirmed on a weekly plan")
        if at.date() >= self.starts_on:
            raise RuleViolation(
                "CU-18", "key visits are confirmed before the week starts", starts_on=self.starts_on
            )
        planned = {visit.customer_id for visit in self.visits}
        unplanned = sorted(str(c) for c in set(customer_ids) - planned)
        if not customer_ids or unplanned:
            raise RuleViolation(
                "CU-18", "key visits are chosen among the planned ones", unplanned=unplanned
            )
        self.trigger_event(
            self.KeyVisitsConfirmed,
            customer_ids=tuple(dict.fromkeys(customer_ids)),
            confirmed_by=confirmed_by,
        )

    def record_visit(
        self, customer_id: UUID, visited_on: date, facts: str, recorded_by: str, today: date
    ) -> None:
        # CU-18: the salesperson records their own visits, after they happened, with the facts.
        if recorded_by != self.salesperson:
            raise RuleViolation(
                "CU-18", "only the salesperson records their visits", salesperson=self.salesperson
            )
        if not self.starts_on <= visited_on < self.ends_on:
            raise RuleViolation("CU-18", "the visit falls outside the plan's period")
        if visited_on > today:
            raise RuleViolation("CU-18", "a visit is recorded once it has happened")
        if not facts.strip():
            raise RuleViolation("CU-18", "a visit is recorded with the facts found")
        self.trigger_event(
            self.VisitRecorded,
            customer_id=customer_id,
            visited_on=visited_on,
            facts=facts,
            recorded_by=recorded_by,
        )


class WorkLog(Aggregate):
    """CU-18: a salesperson's written log of one working day."""

    def __init__(self) -> None:
        self.salesperson: str
        self.day: date
        self.entries: tuple[str, ...] = ()

    class Opened(Aggregate.Created):
        salesperson: str
        day: date

    class Written(Aggregate.Event):
        entry: str

        def apply(self, log: WorkLog) -> None:
            log.entries = (*log.entries, self.entry)

    @staticmethod
    def id_for(salesperson: str, day: date) -> UUID:
        # One log per salesperson and day.
        return uuid5(NAMESPACE_OID, f"work-log:{salesperson}:{day}")

    @classmethod
    def open(cls, salesperson: str, day: date) -> Self:
        return cls._create(
            cls.Opened, id=cls.id_for(salesperson, day), salesperson=salesperson, day=day
        )

    def write(self, entry: str, today: date) -> None:
        # CU-18: the log is kept daily: written on the day itself, not made up afterwards.
        if self.day != today:
            raise RuleViolation("CU-18", "the work log is written on the day", day=self.day)
        if not entry.strip():
            raise RuleViolation("CU-18", "a work-log entry says what was done")
        self.trigger_event(self.Written, entry=entry)
