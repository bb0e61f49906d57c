"""The survey register as a read table: a row for every service call whose customer signed the
completed work, on site or at the return of a take-back repair (SD-30: every one gets a survey),
its survey sent and the answer; the survey timer and the satisfaction and coverage figures
(SD-30, SD-31, SD-44) read it."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import Field
from sqlalchemy import Connection, select, update

from runtime.projections import Projection
from runtime.views import ReadTable, View, identity
from service_desk.domain.repair import Repair
from service_desk.domain.service_call import ServiceCall
from service_desk.domain.survey import Survey


class SurveyRow(View):
    """One completed call and its customer opinion survey card (客户意见调查卡)."""

    call_id: UUID = identity("call_id")
    customer_id: UUID
    completed_at: datetime = Field(description="The customer signed the completed work")
    technician_id: str | None = Field(max_length=64, description="The lead technician rated")
    sent_at: datetime | None
    on_time: bool | None = Field(description="SD-30: sent by the next working day")
    responded_at: datetime | None
    attitude: int | None
    technique: int | None
    arrival_time: int | None
    promise_keeping: int | None
    satisfied: bool | None = Field(description="SD-31, SD-44: every item rated 3 or 4")


SURVEYS = ReadTable(
    SurveyRow,
    "surveys",
    sortable=("completed_at",),
    filters=("customer_id", "technician_id"),
)
surveys = Projection("surveys", SURVEYS.table)
_rows = SURVEYS.table.c


def _update(db: Connection, call_id: UUID, **values: Any) -> None:
    db.execute(update(SURVEYS.table).where(_rows.call_id == call_id).values(**values))


def _completed_once(db: Connection, event: Any, call_id: UUID, completed_at: datetime) -> None:
    # A call completes once, on site or through the take-back repair; the first one counts.
    if SURVEYS.get(db, call_id) is not None:
        return
    SURVEYS.insert(
        db,
        event,
        call_id=call_id,
        completed_at=completed_at,
        technician_id=None,
        sent_at=None,
        on_time=None,
        responded_at=None,
        attitude=None,
        technique=None,
        arrival_time=None,
        promise_keeping=None,
        satisfied=None,
    )


@surveys.on(ServiceCall.ReportSigned)
def _completed(event: ServiceCall.ReportSigned, db: Connection) -> None:
    _completed_once(db, event, event.originator_id, event.signed_at)


@surveys.on(Repair.ProductReturnedToCustomer)
def _returned(event: Repair.ProductReturnedToCustomer, db: Connection) -> None:
    """A call finished through a take-back repair: completed when the product came back."""
    _completed_once(db, event, event.call_id, event.returned_at)


@surveys.on(Survey.Sent)
def _sent(event: Survey.Sent, db: Connection) -> None:
    _update(
        db,
        event.call_id,
        technician_id=event.technician_id,
        sent_at=event.sent_at,
        on_time=event.on_time,
    )


@surveys.on(Survey.ResponseRecorded)
def _answered(event: Survey.ResponseRecorded, db: Connection) -> None:
    ratings = event.ratings
    _update(
        db,
        event.call_id,
        responded_at=event.responded_at,
        attitude=ratings.attitude,
        technique=ratings.technique,
        arrival_time=ratings.arrival_time,
        promise_keeping=ratings.promise_keeping,
        satisfied=ratings.satisfied,
    )


def surveys_to_send(db: Connection, day_start: datetime) -> list[UUID]:
    """SD-30: calls completed before ``day_start`` whose survey has not gone out."""
    waiting = _rows.sent_at.is_(None) & (_rows.completed_at < day_start)
    return list(db.execute(select(_rows.call_id).where(waiting)).scalars())
