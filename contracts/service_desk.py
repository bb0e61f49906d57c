"""Events published by the service-desk service on ``service-desk.events``.

Service calls (RULES §4.9): their registration, the diagnosis (orders' exchange, §7 row 16) and
the customer-signed service report (billing's invoice of type A, §7 row 12).

Complaints (RULES §4.10): their classification (orders' sales claims, §7 row 17) and closure
(customers' satisfaction profile, §7 row 18).

Surveys (SD-30, SD-31): the customer's answers (customers' satisfaction profile, §7 row 18)."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from contracts.envelope import IntegrationEvent
from contracts.values import Code, Day, Instant, LongText, Name, Quantity, Rating, ShortText, UserId


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


class ServiceCallEvent(IntegrationEvent, producer="service-desk", aggregate_field="call_id"):
    call_id: UUID
    customer_id: UUID


class ServiceCallRegistered(ServiceCallEvent):
    """SD-03, SD-43: a call entered in the call-in register, by phone, letter or the sales
    channel; its SLA clock started (SD-04, SD-05, SD-06, C3). Keeps sales informed (C5)."""

    voucher_id: UUID | None
    channel: Literal["phone", "letter", "sales"]
    zone: Literal["urban", "suburban", "within_radius", "beyond_radius"]
    sla_kind: Literal["arrival", "reply"]
    sla_due_at: Instant
    emergency: bool
    registered_by: UserId


class DiagnosisRecorded(ServiceCallEvent):
    """SD-09, SD-01: the technician's diagnosis on site and the service type it decided;
    ``unit_to_be_replaced`` is what orders reacts to with an exchange (RULES §7 row 16)."""

    voucher_id: UUID | None
    in_warranty: bool
    tampered: bool
    service_type: Literal["A", "B", "C", "D"]
    unit_to_be_replaced: bool
    cause: LongText
    diagnosed_by: UserId


class ServicePart(BaseModel):
    """SD-10: a part replaced on site, with the reason."""

    model_config = ConfigDict(frozen=True, extra="ignore", from_attributes=True)

    name: Name
    quantity: Quantity
    reason: ShortText


class CustomerSignedServiceReport(ServiceCallEvent):
    """SD-11: the customer signed the service report through their own channel, after the work
    was completed; comments verbatim. Billing invoices a type-A one (RULES §7 row 12, BI-16)."""

    voucher_id: UUID | None
    service_type: Literal["A", "B", "C", "D"]
    signature_id: UUID
    signed_at: Instant
    customer_comments: LongText | Literal[""]
    work_done: LongText
    parts: list[ServicePart]


class SurveyRatings(BaseModel):
    """SD-31: the technician rated on four items, each on four satisfaction levels."""

    model_config = ConfigDict(frozen=True, extra="ignore", from_attributes=True)

    attitude: Rating
    technique: Rating
    arrival_time: Rating
    promise_keeping: Rating


class SurveyResponseRecorded(IntegrationEvent, producer="service-desk", aggregate_field="call_id"):
    """SD-30, SD-31: the customer's answer to the survey of a service call."""

    call_id: UUID
    customer_id: UUID
    ratings: SurveyRatings
    comments: LongText | None
    responded_at: Instant


class ComplaintEvent(IntegrationEvent, producer="service-desk", aggregate_field="complaint_id"):
    complaint_id: UUID
    customer_id: UUID
    subject: Literal["service", "product_quality", "sales"]


class ComplaintClassified(ComplaintEvent):
    """SD-32, SD-33: a valid complaint classified major or general. A major one goes to the
    deputy GM (the GM too when critical: C1, ``escalated_to``) and is reported to the GM and
    the customer-service manager (SD-41, ``reported_to``); ``visitor_role`` visits the customer
    (C2). Orders' sales manager takes up a sales one as a claim (RULES §7 row 17, OR-31)."""

    severity: Literal["major", "general"]
    critical: bool
    escalated_to: list[Literal["leadership_dgm", "leadership_gm"]]
    reported_to: list[Literal["leadership_gm", "cs_manager"]]
    visitor_role: Literal["service_supervisor", "business_supervisor"]


class ComplaintClosed(ComplaintEvent):
    """SD-39: the complaint closed on the customer's satisfaction with its outcome; ``valid``
    whether the investigation found it justified (SD-35)."""

    valid: bool
    satisfaction: Literal["satisfied", "very_satisfied"]
    closed_at: Instant


PUBLISHED: tuple[type[IntegrationEvent], ...] = (
    ServiceVoucherCreated,
    ServiceCallRegistered,
    DiagnosisRecorded,
    CustomerSignedServiceReport,
    SurveyResponseRecorded,
    ComplaintClassified,
    ComplaintClosed,
)
