"""HTTP commands and lists of the customer opinion surveys (SD-30, SD-31): the register of
completed calls and their surveys, and the returned card's answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from contracts.values import LongText, Rating
from kernel.roles import Role
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest, View, identity
from service_desk.adapters.http.vouchers import READERS
from service_desk.application import ServiceDeskApplication
from service_desk.domain.survey import Ratings
from service_desk.survey_projections import SURVEYS, SurveyRow

router = APIRouter(tags=["surveys"])
App = Annotated[ServiceDeskApplication, Depends(application_of(ServiceDeskApplication))]
ServiceDepartment = Annotated[CommandContext, Depends(acting_as(Role.SERVICE_DEPARTMENT))]
"""SD-30: the service department sends the cards and records what comes back."""
Reader = Annotated[Principal, Depends(requires(*READERS, Role.UNIT_LEADER, Role.CS_MANAGER))]


class RatingsModel(BaseModel):
    """SD-31: each item on the four levels, 1 very dissatisfied to 4 very satisfied."""

    attitude: Rating
    technique: Rating
    arrival_time: Rating
    promise_keeping: Rating


class RatingsView(View):
    attitude: int
    technique: int
    arrival_time: int
    promise_keeping: int


class SurveyView(View):
    survey_id: UUID = identity("survey_id")
    call_id: UUID
    customer_id: UUID
    technician_id: str
    completed_at: datetime
    sent_at: datetime
    on_time: bool
    ratings: RatingsView | None
    comments: str | None
    responded_at: datetime | None


class SurveyAnswer(BaseModel):
    ratings: RatingsModel
    comments: LongText | None = Field(
        default=None, description="SD-31: a complaint written here is recorded as one"
    )


@router.post("/surveys/{call_id}/response")
async def record_survey_response(
    context: ServiceDepartment, call_id: UUID, body: SurveyAnswer, app: App
) -> SurveyView:
    """SD-31: the returned card's four ratings, recorded once."""
    r = body.ratings
    ratings = Ratings(r.attitude, r.technique, r.arrival_time, r.promise_keeping)
    survey = await app.perform(app.record_survey_response, context, call_id, ratings, body.comments)
    return SurveyView.model_validate(survey)


@router.get("/surveys")
def list_surveys(
    _: Reader, query: Annotated[PageRequest, Depends(SURVEYS.query)], app: App
) -> Page[SurveyRow]:
    """Completed calls and their surveys, in the order completed (SD-30)."""
    return app.read_models.page(SURVEYS, query)


@router.get("/surveys/{call_id}")
def get_survey(_: Reader, call_id: UUID, app: App) -> SurveyView:
    return SurveyView.model_validate(app.survey(call_id))
