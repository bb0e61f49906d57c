"""The customer opinion survey of a completed service call (SD-30, SD-31): one for every call, no
sampling, sent the day after the work was completed (the next working day: the service department
sends the day's cards from the register), and answered on four items, each on four levels."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Self
from uuid import NAMESPACE_OID, UUID, uuid5

from kernel.calendar import Calendar
from runtime.aggregate import Aggregate, RuleViolation

LEVELS = range(1, 5)
"""SD-31: four satisfaction levels, 1 very dissatisfied to 4 very satisfied."""
SATISFIED_AT_LEAST = 3
"""SD-31: 3 and 4 are satisfied; a response is satisfied when every item is (SD-44)."""


@dataclass(frozen=True)
class Ratings:
    """SD-31: the technician rated on attitude, technique, arrival time and promise keeping."""

    attitude: int
    technique: int
    arrival_time: int
    promise_keeping: int

    @property
    def satisfied(self) -> bool:
        return min(self.attitude, self.technique, self.arrival_time, self.promise_keeping) >= (
            SATISFIED_AT_LEAST
        )


def next_working_day(day: date, calendar: Calendar) -> date:
    following = day + timedelta(days=1)
    while not calendar.is_working_day(following):
        following += timedelta(days=1)
    return following


class Survey(Aggregate):
    def __init__(self) -> None:
        self.call_id: UUID
        self.customer_id: UUID
        self.technician_id: str
        self.completed_at: datetime
        self.sent_at: datetime
        self.on_time: bool
        self.ratings: Ratings | None = None
        self.comments: str | None = None
        self.responded_at: datetime | None = None

    class Sent(Aggregate.Created):
        """``SatisfactionSurveySent`` (SD-30)."""

        call_id: UUID
        customer_id: UUID
        technician_id: str
        completed_at: datetime
        sent_at: datetime
        on_time: bool
        """Sent by the working day after the work was completed."""

    class ResponseRecorded(Aggregate.Event):
        """``SurveyResponseRecorded`` (SD-31): the customer's card, as returned."""

        call_id: UUID
        customer_id: UUID
        technician_id: str
        ratings: Ratings
        comments: str | None
        responded_at: datetime
        recorded_by: str

        def apply(self, survey: Survey) -> None:
            survey.ratings, survey.comments = self.ratings, self.comments
            survey.responded_at = self.responded_at

    @classmethod
    def send(
        cls,
        call_id: UUID,
        customer_id: UUID,
        technician_id: str,
        completed_at: datetime,
        now: datetime,
        calendar: Calendar,
    ) -> Self:
        completed_on = completed_at.astimezone(calendar.zone).date()
        today = now.astimezone(calendar.zone).date()
        # SD-30: the cards go out from the day's register the next day, not the same day.
        if today <= completed_on:
            raise RuleViolation(
                "SD-30",
                "the survey goes out the day after the work was completed",
                completed_on=str(completed_on),
            )
        return cls._create(
            cls.Sent,
            id=cls.id_for(call_id),
            call_id=call_id,
            customer_id=customer_id,
            technician_id=technician_id,
            completed_at=completed_at,
            sent_at=now,
            on_time=today <= next_working_day(completed_on, calendar),
        )

    @staticmethod
    def id_for(call_id: UUID) -> UUID:
        # One survey per call: the timer running again cannot send a second one.
        return uuid5(NAMESPACE_OID, f"survey:{call_id}")

    def record_response(
        self, ratings: Ratings, comments: str | None, recorded_by: str, now: datetime
    ) -> None:
        if self.responded_at is not None:
            raise RuleViolation("SD-31", "the survey's answer is recorded once, as returned")
        # SD-31: four items, each on one of the four levels.
        off_scale = {k: v for k, v in vars(ratings).items() if v not in LEVELS}
        if off_scale:
            raise RuleViolation(
                "SD-31", "each of the four items is rated on the four levels 1 to 4", **off_scale
            )
        self.trigger_event(
            self.ResponseRecorded,
            call_id=self.call_id,
            customer_id=self.customer_id,
            technician_id=self.technician_id,
            ratings=ratings,
            comments=comments or None,
            responded_at=now,
            recorded_by=recorded_by,
        )
