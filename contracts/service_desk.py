"""Events published by the service-desk service on ``service-desk.events``.

Contract-first: customers reacts to the surveys and closed complaints (RULES §7 row 18) before
service-desk raises them (issue #14); until then service-desk publishes none of them."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from contracts.envelope import IntegrationEvent
from contracts.values import Code, Day, Instant, LongText, Rating


class ServiceVoucherCreated(
    IntegrationEvent, producer="service-desk", aggregate_field="voucher_id"
):
    """SD-02: one service voucher per product sold."""

    voucher_id: UUID
    customer_id: UUID
    order_id: UUID
    product_code: Code
    serial_number: Code
    warranty_until: Day


class SurveyRatings(BaseModel):
    """SD-31: the technician rated on four items, each on four satisfaction levels."""

    model_config = ConfigDict(frozen=True, extra="ignore", from_attributes=True)

    attitude: Rating
    technique: Rating
    arrival_time: Rating
    promise_keeping: Rating


class SurveyResponseRecorded(IntegrationEvent, producer="service-desk", aggregate_field="call_id"):
    """SD-30, SD-31: the customer's answer to the survey of a service call. Not raised by
    service-desk yet (#14)."""

    call_id: UUID
    customer_id: UUID
    ratings: SurveyRatings
    comments: LongText | None
    responded_at: Instant


class ComplaintClosed(IntegrationEvent, producer="service-desk", aggregate_field="complaint_id"):
    """SD-39: the complaint closed on the customer's satisfaction with its outcome; ``valid``
    whether the investigation found it justified (SD-35). Not raised by service-desk yet
    (#14)."""

    complaint_id: UUID
    customer_id: UUID
    subject: Literal["service", "product_quality", "sales"]
    valid: bool
    satisfaction: Literal["satisfied", "very_satisfied"]
    closed_at: Instant


PUBLISHED: tuple[type[IntegrationEvent], ...] = (
    ServiceVoucherCreated,
    SurveyResponseRecorded,
    ComplaintClosed,
)
