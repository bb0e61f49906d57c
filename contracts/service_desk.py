"""Events published by the service-desk service on ``service-desk.events``.

Service calls (RULES §4.9): their registration, the diagnosis (orders' exchange, §7 row 16), the
customer-signed service report, and for type-A work the invoice request (billing, §7 row 12) and
the fee collected on site (billing's same-day cash handover, §7 row 13). Spare and warranty
parts (RULES §4.11): the warranty parts written off, the freight of mailed ones and the secondary
claims on suppliers, which billing books as warranty cost and supplier receivables (§7 row 15,
BI-26); their fields are RULES §6.3's.

Complaints (RULES §4.10): their classification (orders' sales claims, §7 row 17) and closure
(customers' satisfaction profile, §7 row 18).

Surveys (SD-30, SD-31): the customer's answers (customers' satisfaction profile, §7 row 18).

Maintenance contracts (SD-29): the expiry notice due one month before the end, and sent, so
that sales can follow the renewal; signed and renewed, which billing bills on a type-B schedule
(§7 row 14)."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from contracts.envelope import IntegrationEvent
from contracts.values import (
    Amount,
    Code,
    Day,
    Instant,
    LongText,
    Name,
    Quantity,
    Rating,
    ShortText,
    UserId,
)


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
    order_id: UUID | None = None
    """C10: the order the unit was sold on (from its voucher), which an exchange is opened on."""
    product_code: Code | None = None
    serial_number: Code | None = None


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


class ServiceFeeCollectedOnSite(ServiceCallEvent):
    """SD-13, C4: a small type-A fee collected on site against a numbered receipt, with the
    unit leader's prior approval; billing expects it handed to the accountant the same day
    (RULES §7 row 13, BI-16, BI-17)."""

    amount: Amount = Field(gt=0)
    receipt_no: Code
    prior_approval_id: UUID


class ServiceInvoiceRequested(ServiceCallEvent):
    """SD-18, BI-16: a type-A job to invoice per job on ``date`` (the signed service voucher's
    day, or the take-back repair's return day); billing's accountant issues it (RULES §7 row 12)."""

    amount: Amount = Field(gt=0)
    service_type: Literal["A", "B", "C", "D"]
    basis: Literal["voucher", "contract"]
    date: Day


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


class SparePartWrittenOff(
    IntegrationEvent, producer="service-desk", aggregate_field="requisition_id"
):
    """SD-25: a fitted warranty (C) part written off with the customer-signed service report,
    the leader's consent (``approver``) and the old part returned (``old_part_ref``); billing
    books it as warranty cost (BI-26)."""

    requisition_id: UUID
    part_no: Code
    qty: Quantity
    call_id: UUID
    approver: UserId
    old_part_ref: UUID
    amount: Amount | None = Field(default=None, gt=0)
    """BI-26: the part's cost (in the company's currency) entered at write-off, which billing
    books as warranty cost; none when it was written off without one."""


class FreightWrittenOff(IntegrationEvent, producer="service-desk", aggregate_field="shipment_ref"):
    """SD-26: the postage or freight of a mailed warranty part (in the company's currency),
    written off once the handler and the leader both signed; billing books it as warranty cost
    (BI-26)."""

    shipment_ref: UUID
    amount: Amount
    handler_signature_id: UUID
    leader_signature_id: UUID


class ClaimedPart(BaseModel):
    """SD-27: an old part that came back (SD-22), the claim's evidence."""

    model_config = ConfigDict(frozen=True, extra="ignore", from_attributes=True)

    part_no: Code
    qty: Quantity
    call_id: UUID
    old_part_ref: UUID


class SupplierClaimEvent(IntegrationEvent, producer="service-desk", aggregate_field="claim_id"):
    claim_id: UUID
    supplier: Name
    parts: list[ClaimedPart]
    evidence_refs: list[ShortText]
    amount: Amount


class SupplierClaimFiled(SupplierClaimEvent):
    """SD-27: a secondary claim on the supplier for ``amount`` (in the company's currency);
    billing recognises the receivable from the supplier (BI-26)."""


class SupplierClaimSettled(SupplierClaimEvent):
    """SD-27: the supplier settled the claim; ``amount`` is what it paid."""


class MaintenanceContractEvent(
    IntegrationEvent, producer="service-desk", aggregate_field="contract_id"
):
    contract_id: UUID
    customer_id: UUID
    ends_on: Day
    """The contract's last day (RULES §6.3's ``expires_at``)."""


class MaintenanceContractExpiryNoticeDue(MaintenanceContractEvent):
    """SD-29: one month before the maintenance contract ends, its expiry notice falls due; sales
    follows the renewal."""

    notice_due_at: Instant


class MaintenanceContractExpiryNoticeSent(MaintenanceContractEvent):
    """SD-29: the expiry notice (保养到期通知书) sent to the customer."""

    notice_ref: Code
    sent_by: UserId
    sent_at: Instant


class MaintenanceContractSigned(MaintenanceContractEvent):
    """SD-01, BI-16 (RULES §7 row 14): the customer signed the approved maintenance contract, now
    Active; billing draws its type-B billing schedule from the price and payment terms."""

    starts_on: Day
    signed_at: Instant
    price: Amount | None = Field(default=None, gt=0)
    payment_terms: ShortText | None = None
    renews_id: UUID | None = None
    """SD-29: the contract this one renews, if any."""


class MaintenanceContractRenewed(MaintenanceContractEvent):
    """SD-29, BI-16 (RULES §7 row 14): the contract was renewed by ``renewal_id``, itself signed
    and Active (and billed on its own schedule from its ``MaintenanceContractSigned``)."""

    renewal_id: UUID


PUBLISHED: tuple[type[IntegrationEvent], ...] = (
    ServiceVoucherCreated,
    ServiceCallRegistered,
    DiagnosisRecorded,
    CustomerSignedServiceReport,
    ServiceFeeCollectedOnSite,
    ServiceInvoiceRequested,
    SurveyResponseRecorded,
    ComplaintClassified,
    ComplaintClosed,
    SparePartWrittenOff,
    FreightWrittenOff,
    SupplierClaimFiled,
    SupplierClaimSettled,
    MaintenanceContractExpiryNoticeDue,
    MaintenanceContractExpiryNoticeSent,
    MaintenanceContractSigned,
    MaintenanceContractRenewed,
)
