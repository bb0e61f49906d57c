"""Customer opinion surveys (SD-30, SD-31): a timer sends one for every service call completed
before today (its report signed on site, or its product back from a take-back repair), on
working days (the service department's cards go out from the day's register the next day, no
sampling); the returned card's four ratings are recorded once. Figures: the share of satisfied
answers overall, per item and per technician for the monthly appraisal, and the survey coverage
(SD-44's 85 % target, SD-30's 100 %)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from uuid import UUID

from sqlalchemy import Select, case, func, literal, select, union_all

from kernel.application import KernelApplication, PolicyNotInForce
from kernel.settings import KernelSettings
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.application import Feature, Timer, command
from runtime.figures import Figure
from runtime.unit_of_work import CommandContext
from service_desk.domain.repair import Repair
from service_desk.domain.service_call import ServiceCall
from service_desk.domain.survey import SATISFIED_AT_LEAST, Ratings, Survey
from service_desk.survey_projections import SURVEYS, surveys, surveys_to_send


def _send_due_surveys(app: SurveyCommands) -> None:
    """SD-30: on a working day, a survey for every call completed before it and not surveyed."""
    try:
        calendar = app.calendar
    except PolicyNotInForce:
        return  # XC-07: no working day is known before the GM signed the calendar
    now = clock.now()
    today = now.astimezone(calendar.zone).date()
    if not calendar.is_working_day(today):
        return
    with app.read_models.read() as db:
        due = surveys_to_send(db, datetime.combine(today, time(), calendar.zone))
    timer = CommandContext(actor=f"{app.service_name}:timer")
    for call_id in due:
        app.send_survey(timer, call_id)


SURVEY_DISPATCH = Timer(
    "satisfaction-surveys",
    lambda settings: KernelSettings.of(settings).timer_seconds,
    _send_due_surveys,
)

_rows = SURVEYS.table.c
ITEMS = ("attitude", "technique", "arrival_time", "promise_keeping")


def _yes(condition: Any) -> Any:
    return case((condition, "yes"), else_="no")


def _responses(app: Any, now: datetime) -> Select[Any]:
    satisfied = _yes(_rows.satisfied)
    answered = _rows.responded_at.is_not(None)
    return select(satisfied, func.count()).where(answered).group_by(satisfied)


def _item_ratings(app: Any, now: datetime) -> Any:
    return union_all(
        *(
            select(literal(item), literal(label), func.count()).where(chosen)
            for item in ITEMS
            for label, chosen in (
                ("yes", _rows[item] >= SATISFIED_AT_LEAST),
                ("no", _rows[item] < SATISFIED_AT_LEAST),
            )
        )
    )


def _by_technician(app: Any, now: datetime) -> Select[Any]:
    satisfied = _yes(_rows.satisfied)
    answered = _rows.responded_at.is_not(None)
    return (
        select(_rows.technician_id, satisfied, func.count())
        .where(answered)
        .group_by(_rows.technician_id, satisfied)
    )


def _coverage(app: Any, now: datetime) -> Select[Any]:
    sent = _yes(_rows.sent_at.is_not(None))
    return select(sent, func.count()).group_by(sent)


def _sent_late(app: Any, now: datetime) -> Select[Any]:
    late = _rows.on_time.is_(False)
    return select(func.count()).select_from(SURVEYS.table).where(late)


YES_NO = (("yes",), ("no",))
FIGURES = (
    Figure(
        "countersign_service_desk_survey_responses",
        "Survey answers, by whether every item was rated satisfied (3 or 4); satisfaction is "
        "yes ÷ all, target 85 % (SD-31, SD-44).",
        _responses,
        labels=("satisfied",),
        counter=True,
        known=YES_NO,
        rule="SD-44",
    ),
    Figure(
        "countersign_service_desk_survey_item_ratings",
        "Survey ratings per item (attitude, technique, arrival time, promise keeping), by "
        "whether satisfied (SD-31).",
        _item_ratings,
        labels=("item", "satisfied"),
        counter=True,
        known=tuple((item, yes) for item in ITEMS for (yes,) in YES_NO),
        rule="SD-31",
    ),
    Figure(
        "countersign_service_desk_technician_survey_responses",
        "Survey answers per technician rated, by whether satisfied: the monthly appraisal's "
        "input (SD-31).",
        _by_technician,
        labels=("technician", "satisfied"),
        counter=True,
        rule="SD-31",
    ),
    Figure(
        "countersign_service_desk_completed_calls_surveyed",
        "Completed service calls by whether their survey went out; coverage is yes ÷ all, "
        "target 100 %, no sampling (SD-30).",
        _coverage,
        labels=("sent",),
        known=YES_NO,
        rule="SD-30",
    ),
    Figure(
        "countersign_service_desk_surveys_sent_late",
        "Surveys that went out after the working day following the completed work (SD-30).",
        _sent_late,
        rule="SD-30",
    ),
)


class SurveyCommands(KernelApplication):
    feature = Feature(
        "surveys",
        projections=(surveys,),
        timers=(SURVEY_DISPATCH,),
        value_objects=(Ratings,),
        figures=FIGURES,
    )

    def survey(self, call_id: UUID) -> Survey:
        return self.get(Survey, Survey.id_for(call_id), "survey")

    @command
    def send_survey(self, context: CommandContext, call_id: UUID) -> Survey:
        """SD-30: the survey of a completed call, rating its lead technician (SD-31)."""
        # Once per call: the timer may see the call again before its read table caught up.
        sent = self.find(Survey, Survey.id_for(call_id))
        if sent is not None:
            return sent
        call = self.get(ServiceCall, call_id, "service call")
        completed_at = call.signed_at or self._returned_at(call_id)
        if completed_at is None or call.lead_technician_id is None:
            raise RuleViolation(
                "SD-30",
                "a survey follows the completed work: the customer's signed report, or the "
                "repaired product returned against the customer's signature",
            )
        return Survey.send(
            call.id,
            call.customer_id,
            call.lead_technician_id,
            completed_at,
            clock.now(),
            self.calendar,
        )

    def _returned_at(self, call_id: UUID) -> datetime | None:
        """When a call finished through a take-back repair came back to the customer."""
        repair = self.find(Repair, Repair.id_for(call_id))
        return None if repair is None else repair.returned_at

    @command
    def record_survey_response(
        self, context: CommandContext, call_id: UUID, ratings: Ratings, comments: str | None
    ) -> Survey:
        survey = self.survey(call_id)
        survey.record_response(ratings, comments, context.actor, clock.now())
        return survey
