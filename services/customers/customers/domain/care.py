"""The key-customer care plan (CU-25): follow-up visits on a regular cycle, each recorded with
what was found and the feedback the customer raised."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Self
from uuid import NAMESPACE_OID, UUID, uuid5

from customers.domain.customer import Customer, Grade
from runtime.aggregate import Aggregate, RuleViolation

MAX_FOLLOW_UP_CYCLE_DAYS = 366
"""CU-25: a regular cycle is at least yearly."""


class CarePlan(Aggregate):
    def __init__(self) -> None:
        self.customer_id: UUID
        self.follow_up_every_days: int
        self.measures: str
        self.drawn_up_by: str
        self.starts_on: date
        self.next_follow_up_on: date
        self.follow_ups = 0
        self.last_findings: str | None = None
        self.last_feedback: str | None = None

    class DrawnUp(Aggregate.Created):
        customer_id: UUID
        follow_up_every_days: int
        measures: str
        drawn_up_by: str
        starts_on: date
        next_follow_up_on: date

    class FollowUpRecorded(Aggregate.Event):
        visited_on: date
        findings: str
        feedback: str
        recorded_by: str
        next_follow_up_on: date

        def apply(self, plan: CarePlan) -> None:
            plan.follow_ups += 1
            plan.last_findings, plan.last_feedback = self.findings, self.feedback
            plan.next_follow_up_on = self.next_follow_up_on

    @staticmethod
    def id_for(customer_id: UUID) -> UUID:
        # One care plan per customer.
        return uuid5(NAMESPACE_OID, f"care-plan:{customer_id}")

    @classmethod
    def draw_up(
        cls,
        customer: Customer,
        follow_up_every_days: int,
        measures: str,
        drawn_up_by: str,
        starts_on: date,
    ) -> Self:
        # CU-25: care plans are for key customers: grade A or flagged important (CU-01, CU-03).
        if customer.grade is not Grade.A and not customer.important:
            raise RuleViolation(
                "CU-25",
                "a care plan is for a key customer: grade A or important",
                grade=customer.grade,
            )
        if not 1 <= follow_up_every_days <= MAX_FOLLOW_UP_CYCLE_DAYS:
            raise RuleViolation(
                "CU-25",
                "follow-ups come on a regular cycle of up to a year",
                most_days=MAX_FOLLOW_UP_CYCLE_DAYS,
            )
        if not measures.strip():
            raise RuleViolation("CU-25", "a care plan says how the customer is cared for")
        return cls._create(
            cls.DrawnUp,
            id=cls.id_for(customer.id),
            customer_id=customer.id,
            follow_up_every_days=follow_up_every_days,
            measures=measures,
            drawn_up_by=drawn_up_by,
            starts_on=starts_on,
            next_follow_up_on=starts_on + timedelta(days=follow_up_every_days),
        )

    def record_follow_up(
        self, visited_on: date, findings: str, feedback: str, recorded_by: str, today: date
    ) -> None:
        # CU-25: each follow-up visit is recorded, once it happened, with what was found.
        if not self.starts_on <= visited_on <= today:
            raise RuleViolation(
                "CU-25",
                "a follow-up is recorded once it happened, within the plan",
                starts_on=self.starts_on,
            )
        if not findings.strip():
            raise RuleViolation("CU-25", "a follow-up is recorded with its findings")
        self.trigger_event(
            self.FollowUpRecorded,
            visited_on=visited_on,
            findings=findings,
            feedback=feedback,
            recorded_by=recorded_by,
            next_follow_up_on=visited_on + timedelta(days=self.follow_up_every_days),
        )
