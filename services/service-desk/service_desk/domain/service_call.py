"""A service call (RULES §4.9): registered in the one call-in register (SD-03, SD-42, SD-43) with
its SLA clock (SD-04, SD-05, SD-06, resolution C3), dispatched (SD-07, SD-08), diagnosed on site
(SD-09, SD-01), reported (SD-10), signed by the customer only after the work (SD-11), closed by the
clerk (SD-12) and approved by the service leader (SD-21, resolutions C11, C12). Paid work has its
fee approved beforehand and taken on site only under the cash limit (SD-13, C4), and is invoiced
once the customer signed (SD-18); a job not finished on site goes to the workshop (SD-14, its
``Repair``); field problems escalate (SD-20); emergencies get the fastest response (SD-45)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import UUID
from zoneinfo import ZoneInfo

from kernel.approvals.domain import ApprovalState, Capacity
from kernel.calendar import Calendar
from kernel.policy.parameters import ServiceSla
from kernel.roles import Role
from kernel.signing.domain import SealedAnswer, Signable, SigningRequestState, SigningSheet
from runtime.aggregate import RuleViolation
from runtime.clock import SKEW

SERVICE_REPORT = "service_report"
"""The authority matrix's approval of the service report (SD-21)."""
SERVICE_CALL_CONFIRMATION = "service_call_confirmation"
"""The authority matrix's confirmation of a sales-channel request by the sales manager (SD-43)."""
PAID_SERVICE = "paid_service"
"""The authority matrix's approval of a type-A job's quoted fee by the unit leader (SD-13, C4)."""


class Channel(StrEnum):
    PHONE = "phone"
    LETTER = "letter"
    SALES = "sales"
    """SD-43, C5: entered by the sales clerk into the same register."""


class Zone(StrEnum):
    """Resolution C3: the zone-based SLA table."""

    URBAN = "urban"
    SUBURBAN = "suburban"
    WITHIN_RADIUS = "within_radius"
    """Any other site within the service radius (100 km)."""
    BEYOND_RADIUS = "beyond_radius"


class SlaKind(StrEnum):
    ARRIVAL = "arrival"
    """A technician on site by the deadline (SD-04, SD-05 within the radius)."""
    REPLY = "reply"
    """A written reply with an agreed visit date by the deadline (SD-05 beyond, SD-06)."""


class ServiceType(StrEnum):
    """SD-01: every piece of service work has exactly one type."""

    PAID = "A"
    CONTRACT = "B"
    WARRANTY = "C"
    INTERNAL = "D"


class CallStatus(StrEnum):
    REGISTERED = "registered"
    DISPATCHED = "dispatched"
    ON_SITE = "on_site"
    DIAGNOSED = "diagnosed"
    AWAITING_SIGNATURE = "awaiting_signature"
    COMPLETED_ON_SITE = "completed_on_site"
    TAKEN_BACK = "taken_back"
    """SD-14: not finished on site; the product went to the workshop (its ``Repair``)."""
    REPORT_PENDING_APPROVAL = "report_pending_approval"
    CLOSED = "closed"
    CANCELLED = "cancelled"
    """SD-43: the sales manager declined to confirm the sales-channel request."""


_FEE_STATUSES = (
    CallStatus.DIAGNOSED,
    CallStatus.AWAITING_SIGNATURE,
    CallStatus.COMPLETED_ON_SITE,
    CallStatus.TAKEN_BACK,
)
"""SD-13: a paid job's fee is quoted once it is diagnosed as such, on site or at the workshop
after a take-back (its repair is then charged that fee)."""


@dataclass(frozen=True)
class ReplacedPart:
    """SD-10: a part replaced (or compensation given) states the reason, the name and quantity."""

    name: str
    quantity: int
    reason: str


@dataclass(frozen=True)
class TripAdvance:
    """BI-24 (RULES §7 row 19): a cash advance billing issued for this call's trip, and what of
    it is still open until netted against the reimbursement or repaid."""

    advance_id: UUID
    employee_id: str
    amount: Decimal
    outstanding: Decimal

    @property
    def settled(self) -> bool:
        return self.outstanding <= 0


def check_parts(parts: tuple[ReplacedPart, ...], rule: str) -> None:
    """SD-10, SD-15: each replaced part states its reason, name and quantity."""
    for part in parts:
        if not (part.name.strip() and part.reason.strip()) or part.quantity < 1:
            raise RuleViolation(
                rule, "a replaced part states its reason, name and quantity", part=part.name
            )


@dataclass(frozen=True)
class Sla:
    kind: SlaKind
    due_at: datetime
    calendar_version: int | None


def _zone_sla(
    zone: Zone,
    supplier_dependent: bool,
    registered_at: datetime,
    parameters: ServiceSla,
    calendar: Calendar,
) -> Sla:
    """Resolution C3: urban 6 working hours and suburban 7 to arrive (SD-04, XC-10: on the working
    calendar); another site within the radius 24 hours; beyond it, or a fault that depends on a
    supplier (SD-06), a written reply with an agreed date within 12 hours (plain hours: XC-10)."""
    if supplier_dependent or zone is Zone.BEYOND_RADIUS:
        due = registered_at + timedelta(hours=parameters.beyond_radius_reply_hours)
        return Sla(SlaKind.REPLY, due, None)
    if zone is Zone.WITHIN_RADIUS:
        due = registered_at + timedelta(hours=parameters.within_radius_arrival_hours)
        return Sla(SlaKind.ARRIVAL, due, None)
    hours = (
        parameters.urban_arrival_working_hours
        if zone is Zone.URBAN
        else parameters.suburban_arrival_working_hours
    )
    return Sla(SlaKind.ARRIVAL, calendar.add_working_hours(registered_at, hours), calendar.version)


def sla_for(
    zone: Zone,
    supplier_dependent: bool,
    emergency: bool,
    registered_at: datetime,
    parameters: ServiceSla,
    calendar: Calendar,
) -> Sla:
    """The zone's SLA (resolution C3); SD-45: an emergency is answered within the emergency
    response time, on the wall clock, wherever that is the stricter."""
    sla = _zone_sla(zone, supplier_dependent, registered_at, parameters, calendar)
    fastest = registered_at + timedelta(hours=parameters.emergency_response_hours)
    if not emergency or sla.due_at <= fastest:
        return sla
    return Sla(sla.kind, fastest, None)


@dataclass(frozen=True)
class Caller:
    """SD-03: who called, where and about what, as the register records it."""

    name: str
    address: str
    phone: str
    model: str


class ServiceCall(Signable):
    document_type = "service_call"

    def __init__(self) -> None:
        self.customer_id: UUID
        self.caller: Caller
        self.voucher_id: UUID | None
        self.channel: Channel
        self.zone: Zone
        self.supplier_dependent: bool
        self.emergency: bool
        self.fault: str
        self.received_at: datetime
        self.registered_by: str
        self.sla_kind: SlaKind
        self.sla_due_at: datetime
        self.calendar_version: int | None
        self.rule_parameters_version: int
        self.green_channel: bool
        self.warranty_until: date | None
        self.awaiting_confirmation: bool
        self.status = CallStatus.REGISTERED
        self.prioritised = False
        self.sla_breached = False
        self.sla_met: bool | None = None
        self.technician_ids: tuple[str, ...] = ()
        self.lead_technician_id: str | None = None
        self.dispatched_at: datetime | None = None
        self.arrived_at: datetime | None = None
        self.agreed_visit_date: date | None = None
        self.service_type: ServiceType | None = None
        self.in_warranty: bool | None = None
        self.tampered: bool | None = None
        self.running_hours: int | None = None
        self.mileage_km: int | None = None
        self.cause: str = ""
        self.findings: str = ""
        self.unit_to_be_replaced = False
        self.contract_id: UUID | None = None
        self.work_done: str = ""
        self.parts: tuple[ReplacedPart, ...] = ()
        self.guidance_given: str = ""
        self.completed_at: datetime | None = None
        self.signed_at: datetime | None = None
        self.signature_id: UUID | None = None
        self.customer_comments: str | None = None
        self.closed_by: str | None = None
        self.fee: Decimal | None = None
        self.fee_approval_id: UUID | None = None
        self.fee_receipt_no: str | None = None
        self.invoice_requested = False
        self.time_zone: str | None = None
        self.cash_advances: tuple[TripAdvance, ...] = ()

    class Registered(Signable.Created):
        customer_id: UUID
        caller: Caller
        voucher_id: UUID | None
        channel: Channel
        zone: Zone
        supplier_dependent: bool
        emergency: bool
        fault: str
        received_at: datetime
        registered_by: str
        sla_kind: SlaKind
        sla_due_at: datetime
        calendar_version: int | None
        rule_parameters_version: int
        green_channel: bool
        """CU-04, RULES §7 row 10: a grade-A customer when the call came in."""
        warranty_until: date | None
        """SD-01, SD-02: from the voucher, when the call names one."""
        awaiting_confirmation: bool
        """SD-43, C5: a sales-channel request of unclear coverage or chargeable (type A) waits
        for the sales manager's confirmation before dispatch; the SLA runs all the same."""

    class ConfirmedBySales(Signable.Event):
        """``ServiceCallConfirmedBySales`` (SD-43)."""

        approval_id: UUID

        def apply(self, call: ServiceCall) -> None:
            call.awaiting_confirmation = False

    class SalesConfirmationRefused(Signable.Event):
        """SD-43: the sales manager declined the request; the call is cancelled."""

        approval_id: UUID
        reason: str

        def apply(self, call: ServiceCall) -> None:
            call.status = CallStatus.CANCELLED

    class DispatchPrioritised(Signable.Event):
        """SD-07: not dispatched on its day; priority dispatch the next (the SLA keeps running)."""

        def apply(self, call: ServiceCall) -> None:
            call.prioritised = True

    class SlaBreached(Signable.Event):
        sla_kind: SlaKind
        sla_due_at: datetime
        zone: Zone

        def apply(self, call: ServiceCall) -> None:
            call.sla_breached = True

    class TechnicianDispatched(Signable.Event):
        technician_ids: tuple[str, ...]
        lead_technician_id: str
        dispatched_by: str

        def apply(self, call: ServiceCall) -> None:
            call.status = CallStatus.DISPATCHED
            call.technician_ids = tuple(self.technician_ids)
            call.lead_technician_id = self.lead_technician_id
            call.dispatched_at = self.timestamp

    class CustomerReplied(Signable.Event):
        """SD-05, SD-06: the written reply with the agreed visit date (reply-kind SLA)."""

        reply: str
        agreed_visit_date: date
        replied_by: str
        sla_met: bool
        zone: Zone

        def apply(self, call: ServiceCall) -> None:
            call.agreed_visit_date, call.sla_met = self.agreed_visit_date, self.sla_met

    class TechnicianArrived(Signable.Event):
        arrived_at: datetime
        sla_met: bool
        """Arrival-kind: by the SLA deadline; reply-kind: by the agreed visit date."""
        zone: Zone
        decides_sla: bool
        """Whether this arrival is the call's SLA outcome (arrival-kind calls)."""

        def apply(self, call: ServiceCall) -> None:
            call.status, call.arrived_at = CallStatus.ON_SITE, self.arrived_at
            if self.decides_sla:
                call.sla_met = self.sla_met

    class DiagnosisRecorded(Signable.Event):
        customer_id: UUID
        voucher_id: UUID | None
        in_warranty: bool
        tampered: bool
        running_hours: int | None
        mileage_km: int | None
        findings: str
        cause: str
        service_type: ServiceType
        unit_to_be_replaced: bool
        diagnosed_by: str
        contract_id: UUID | None = None
        """SD-48: the maintenance contract a type-B call is served under."""
        order_id: UUID | None = None
        """C10 (RULES §7 row 16): the sale of the unit, from its voucher, for orders' exchange."""
        product_code: str | None = None
        serial_number: str | None = None

        def apply(self, call: ServiceCall) -> None:
            call.status, call.contract_id = CallStatus.DIAGNOSED, self.contract_id
            call.in_warranty, call.tampered = self.in_warranty, self.tampered
            call.running_hours, call.mileage_km = self.running_hours, self.mileage_km
            call.findings, call.cause = self.findings, self.cause
            call.service_type = ServiceType(self.service_type)
            call.unit_to_be_replaced = self.unit_to_be_replaced

    class WorkCompleted(Signable.Event):
        """``ServiceWorkCompleted``: the service report's content (SD-10)."""

        work_done: str
        parts: tuple[ReplacedPart, ...]
        guidance_given: str
        completed_by: str

        def apply(self, call: ServiceCall) -> None:
            call.status = CallStatus.AWAITING_SIGNATURE
            call.work_done, call.parts = self.work_done, tuple(self.parts)
            call.guidance_given, call.completed_at = self.guidance_given, self.timestamp

    class ReportSigned(Signable.Event):
        """``CustomerSignedServiceReport``: the customer accepted the finished work (SD-11)."""

        customer_id: UUID
        voucher_id: UUID | None
        service_type: ServiceType
        signature_id: UUID
        signed_at: datetime
        customer_comments: str
        work_done: str
        parts: tuple[ReplacedPart, ...]

        def apply(self, call: ServiceCall) -> None:
            call.status, call.signed_at = CallStatus.COMPLETED_ON_SITE, self.signed_at
            call.signature_id, call.customer_comments = self.signature_id, self.customer_comments

    class FeeQuoted(Signable.Event):
        """SD-13, C4: the fee of a paid (type A) job, for the unit leader to approve."""

        amount: Decimal
        quoted_by: str
        time_zone: str
        """The working calendar's zone: the invoice is requested for the local day (SD-18)."""

        def apply(self, call: ServiceCall) -> None:
            call.fee, call.time_zone = self.amount, self.time_zone

    class FeeApproved(Signable.Event):
        approval_id: UUID
        amount: Decimal

        def apply(self, call: ServiceCall) -> None:
            call.fee_approval_id = self.approval_id

    class FeeRefused(Signable.Event):
        approval_id: UUID
        reason: str

        def apply(self, call: ServiceCall) -> None:
            call.fee = None

    class FeeCollectedOnSite(Signable.Event):
        """``ServiceFeeCollectedOnSite`` (SD-13, C4): the approved small fee taken on site against
        a receipt; billing expects the cash with the accountant the same day (BI-17)."""

        customer_id: UUID
        amount: Decimal
        receipt_no: str
        prior_approval_id: UUID
        collected_by: str
        collected_at: datetime

        def apply(self, call: ServiceCall) -> None:
            call.fee_receipt_no = self.receipt_no

    class InvoiceRequested(Signable.Event):
        """``ServiceInvoiceRequested`` (SD-18, BI-16): a signed type-A job is invoiced per job."""

        customer_id: UUID
        amount: Decimal
        service_type: ServiceType
        basis: str
        date: date

        def apply(self, call: ServiceCall) -> None:
            call.invoice_requested = True

    class CashAdvanceLinked(Signable.Event):
        """BI-24 (RULES §7 row 19): billing issued a cash advance for this call's trip."""

        advance_id: UUID
        employee_id: str
        amount: Decimal

        def apply(self, call: ServiceCall) -> None:
            advance = TripAdvance(self.advance_id, self.employee_id, self.amount, self.amount)
            call.cash_advances = (*call.cash_advances, advance)

    class CashAdvanceSettled(Signable.Event):
        """BI-24 (RULES §7 row 19): the trip's advance netted against the reimbursement or
        repaid; ``outstanding`` is what stays open of it."""

        advance_id: UUID
        outstanding: Decimal

        def apply(self, call: ServiceCall) -> None:
            call.cash_advances = tuple(
                replace(a, outstanding=self.outstanding) if a.advance_id == self.advance_id else a
                for a in call.cash_advances
            )

    class MajorIssueReported(Signable.Event):
        """SD-20: a major or unresolvable field problem, reported at once with the reporter's
        proposal and the customer's demand; the one reported to takes it to leadership (XC-06)."""

        proposal: str
        customer_demand: str
        reported_by: str
        reported_to: str

    class TakeBackStarted(Signable.Event):
        """SD-14: the job goes on at the workshop under ``repair_id``."""

        repair_id: UUID
        pickup_receipt_no: str

        def apply(self, call: ServiceCall) -> None:
            call.status = CallStatus.TAKEN_BACK

    class VoucherClosed(Signable.Event):
        """``ServiceVoucherClosed``: the clerk cancelled the register entry (SD-12)."""

        voucher_id: UUID | None
        closed_by: str

        def apply(self, call: ServiceCall) -> None:
            call.status, call.closed_by = CallStatus.REPORT_PENDING_APPROVAL, self.closed_by

    class ReportApproved(Signable.Event):
        """``ServiceReportApproved``: the leader approved the report; the call is closed."""

        approval_id: UUID

        def apply(self, call: ServiceCall) -> None:
            call.status = CallStatus.CLOSED

    # -- registration (SD-03, SD-42, SD-43)

    @classmethod
    def register(
        cls,
        customer_id: UUID,
        caller: Caller,
        voucher: tuple[UUID, UUID, date] | None,
        channel: Channel,
        zone: Zone,
        supplier_dependent: bool,
        emergency: bool,
        fault: str,
        received_at: datetime,
        registered_by: str,
        sales_clerk: bool,
        coverage_unclear: bool,
        chargeable: bool,
        green_channel: bool,
        sla: Sla,
        rule_parameters_version: int,
        now: datetime,
    ) -> Self:
        """``voucher``: the voucher's id, its customer and warranty end."""
        # SD-43, C5: one register; what comes through sales is entered by the sales clerk.
        if (channel is Channel.SALES) != sales_clerk:
            raise RuleViolation(
                "SD-43",
                "a request through the sales channel is registered by the sales clerk, "
                "and only such a request",
                channel=channel.value,
            )
        # SD-42: the register is in time order: a call is logged once it came in, not ahead.
        if received_at > now + SKEW:
            raise RuleViolation(
                "SD-42",
                "a call or letter is logged after it came in, never ahead of time",
                received_at=received_at.isoformat(),
            )
        # SD-03: the voucher pulled from the customer's file is that customer's.
        if voucher is not None and voucher[1] != customer_id:
            raise RuleViolation(
                "SD-03",
                "the service voucher belongs to another customer",
                voucher_id=str(voucher[0]),
            )
        if not (caller.name.strip() and caller.address.strip() and caller.phone.strip()):
            raise RuleViolation("SD-03", "the register records the caller's name, address, phone")
        return cls._create(
            cls.Registered,
            customer_id=customer_id,
            caller=caller,
            voucher_id=None if voucher is None else voucher[0],
            channel=channel,
            zone=zone,
            supplier_dependent=supplier_dependent,
            emergency=emergency,
            fault=fault,
            received_at=received_at,
            registered_by=registered_by,
            sla_kind=sla.kind,
            sla_due_at=sla.due_at,
            calendar_version=sla.calendar_version,
            rule_parameters_version=rule_parameters_version,
            green_channel=green_channel,
            warranty_until=None if voucher is None else voucher[2],
            # SD-43, C5: the sales manager confirms only where coverage is unclear or the job is
            # chargeable (type A).
            awaiting_confirmation=channel is Channel.SALES and (coverage_unclear or chargeable),
        )

    def prioritise(self, now: datetime, calendar: Calendar) -> bool:
        """SD-07: a call still undispatched after the day it was registered is prioritised, once;
        returns whether it was."""
        day = now.astimezone(calendar.zone).date()
        registered_on = self.created_on.astimezone(calendar.zone).date()
        if self.status is not CallStatus.REGISTERED or self.prioritised or registered_on >= day:
            return False
        self.trigger_event(self.DispatchPrioritised)
        return True

    def flag_breach(self, now: datetime) -> bool:
        """The SLA deadline passed without its arrival or reply: flagged once."""
        if (
            self.sla_breached
            or self.sla_met is not None
            or self.status is CallStatus.CANCELLED
            or now <= self.sla_due_at
        ):
            return False
        self.trigger_event(
            self.SlaBreached, sla_kind=self.sla_kind, sla_due_at=self.sla_due_at, zone=self.zone
        )
        return True

    # -- dispatch (SD-08)

    def dispatch(
        self, technician_ids: tuple[str, ...], lead_technician_id: str | None, dispatched_by: str
    ) -> None:
        if self.status is not CallStatus.REGISTERED:
            raise RuleViolation(
                "SD-08", "only a registered call is dispatched", status=self.status.value
            )
        if self.awaiting_confirmation:
            raise RuleViolation(
                "SD-43",
                "the sales manager confirms this sales-channel request before it is dispatched",
            )
        team = tuple(dict.fromkeys(technician_ids))
        if not team:
            raise RuleViolation("SD-08", "a dispatch names at least one technician")
        # SD-08: two or more go out under a named temporary lead, one of them.
        if lead_technician_id is None and len(team) == 1:
            lead_technician_id = team[0]
        if lead_technician_id is None or lead_technician_id not in team:
            raise RuleViolation(
                "SD-08",
                "a team is dispatched with a temporary lead who is one of its technicians",
                technicians=list(team),
            )
        self.trigger_event(
            self.TechnicianDispatched,
            technician_ids=team,
            lead_technician_id=lead_technician_id,
            dispatched_by=dispatched_by,
        )

    def _on_team(self, technician: str, rule: str) -> None:
        if technician not in self.technician_ids:
            raise RuleViolation(
                rule, "only a technician dispatched on the call records its work", user=technician
            )

    # -- the SLA outcome (SD-04, SD-05, SD-06)

    def reply(
        self, reply: str, agreed_visit_date: date, replied_by: str, now: datetime, today: date
    ) -> None:
        """``today``: the company's day at ``now`` (the working calendar's zone)."""
        if self.sla_kind != SlaKind.REPLY:
            raise RuleViolation(
                "SD-05", "this call's SLA is the technician's arrival, not a written reply"
            )
        if self.agreed_visit_date is not None:
            raise RuleViolation("SD-05", "the customer already has the written reply")
        if not reply.strip():
            raise RuleViolation("SD-06", "the reply is given in writing")
        if agreed_visit_date < today:
            raise RuleViolation("SD-05", "the agreed visit date is not in the past")
        self.trigger_event(
            self.CustomerReplied,
            reply=reply,
            agreed_visit_date=agreed_visit_date,
            replied_by=replied_by,
            sla_met=now <= self.sla_due_at,
            zone=self.zone,
        )

    def arrive(self, technician: str, now: datetime, calendar: Calendar) -> None:
        if self.status is not CallStatus.DISPATCHED:
            raise RuleViolation(
                "SD-04", "a technician arrives on a dispatched call", status=self.status.value
            )
        self._on_team(technician, "SD-08")
        if self.sla_kind == SlaKind.ARRIVAL:
            met, decides = now <= self.sla_due_at, True
        else:
            # SD-05, SD-06: the visit keeps the agreed date; the reply was the SLA.
            if self.agreed_visit_date is None:
                raise RuleViolation(
                    "SD-06", "the customer gets the written reply and an agreed date first"
                )
            met = now.astimezone(calendar.zone).date() <= self.agreed_visit_date
            decides = False
        self.trigger_event(
            self.TechnicianArrived, arrived_at=now, sla_met=met, zone=self.zone, decides_sla=decides
        )

    # -- on site (SD-09, SD-01)

    def diagnose(
        self,
        technician: str,
        in_warranty: bool,
        tampered: bool,
        running_hours: int | None,
        mileage_km: int | None,
        findings: str,
        cause: str,
        service_type: ServiceType,
        unit_to_be_replaced: bool,
        today: date,
        contract_id: UUID | None = None,
        sold: tuple[UUID, str, str] | None = None,
    ) -> None:
        """``contract_id``: the maintenance contract in force covering the call's product, found
        by the application for type-B work (SD-01, SD-48); ``sold``: the unit's order, product
        and serial number from its voucher, which an exchange (C10) is opened on."""
        if self.status is not CallStatus.ON_SITE:
            raise RuleViolation(
                "SD-09", "the diagnosis is made on site, after arrival", status=self.status.value
            )
        self._on_team(technician, "SD-09")
        # SD-09: listen (usage), look (warranty, tampering), check (the real cause).
        if running_hours is None and mileage_km is None:
            raise RuleViolation("SD-09", "the diagnosis records the running hours or mileage")
        if not findings.strip() or not cause.strip():
            raise RuleViolation("SD-09", "the diagnosis records what was found and its cause")
        if service_type is ServiceType.WARRANTY:
            # SD-09: a part taken apart is not covered.
            if tampered:
                raise RuleViolation(
                    "SD-09", "the faulty part was taken apart: not free warranty service"
                )
            # SD-01: C needs the voucher's warranty period or confirmed 三包 coverage.
            voucher_covers = self.warranty_until is not None and today <= self.warranty_until
            if not (in_warranty or voucher_covers):
                raise RuleViolation(
                    "SD-01",
                    "free service (C) needs the voucher's warranty period or confirmed "
                    "three-guarantees coverage",
                    warranty_until=None
                    if self.warranty_until is None
                    else str(self.warranty_until),
                )
        if service_type is ServiceType.CONTRACT and contract_id is None:
            raise RuleViolation(
                "SD-01",
                "contract service (B) needs an active maintenance contract; none is on record",
            )
        if service_type is ServiceType.INTERNAL:
            raise RuleViolation("SD-01", "a customer's call is A, B or C; D is internal work")
        self.trigger_event(
            self.DiagnosisRecorded,
            customer_id=self.customer_id,
            voucher_id=self.voucher_id,
            in_warranty=in_warranty,
            tampered=tampered,
            running_hours=running_hours,
            mileage_km=mileage_km,
            findings=findings,
            cause=cause,
            service_type=service_type,
            unit_to_be_replaced=unit_to_be_replaced,
            diagnosed_by=technician,
            contract_id=contract_id if service_type is ServiceType.CONTRACT else None,
            order_id=None if sold is None else sold[0],
            product_code=None if sold is None else sold[1],
            serial_number=None if sold is None else sold[2],
        )

    def complete(
        self, technician: str, work_done: str, parts: tuple[ReplacedPart, ...], guidance: str
    ) -> None:
        if self.status is not CallStatus.DIAGNOSED:
            raise RuleViolation(
                "SD-10", "the work is completed after the diagnosis", status=self.status.value
            )
        self._on_team(technician, "SD-10")
        # SD-10: what was done, each part's reason, name and quantity, the guidance given.
        if not work_done.strip():
            raise RuleViolation("SD-10", "the report states what was done")
        check_parts(parts, "SD-10")
        if not guidance.strip():
            raise RuleViolation("SD-10", "the report records the use and care guidance given")
        self.trigger_event(
            self.WorkCompleted,
            work_done=work_done,
            parts=parts,
            guidance_given=guidance,
            completed_by=technician,
        )

    # -- the trip's cash advances (BI-24; RULES §7 row 19)

    def link_advance(self, advance_id: UUID, employee_id: str, amount: Decimal) -> None:
        """Billing's advance for this trip; linked once, however often billing reports it."""
        if all(a.advance_id != advance_id for a in self.cash_advances):
            self.trigger_event(
                self.CashAdvanceLinked,
                advance_id=advance_id,
                employee_id=employee_id,
                amount=amount,
            )

    def settle_advance(self, advance_id: UUID, outstanding: Decimal) -> None:
        """BI-24: what stays open of a linked advance once billing settled part or all of it; an
        advance never linked here, or a settlement already recorded, changes nothing."""
        linked = next((a for a in self.cash_advances if a.advance_id == advance_id), None)
        if linked is not None and outstanding < linked.outstanding:
            self.trigger_event(
                self.CashAdvanceSettled, advance_id=advance_id, outstanding=outstanding
            )

    # -- the fee of paid work (SD-13, C4; SD-18)

    def quote_fee(self, technician: str, amount: Decimal, time_zone: str) -> None:
        self._on_team(technician, "SD-13")
        if self.service_type is not ServiceType.PAID or self.status not in _FEE_STATUSES:
            raise RuleViolation(
                "SD-13",
                "a fee is quoted for paid (A) work, once diagnosed on site",
                service_type=None if self.service_type is None else self.service_type.value,
                status=self.status.value,
            )
        if self.fee is not None:
            raise RuleViolation("SD-13", "the fee is already quoted", fee=str(self.fee))
        if amount <= 0:
            raise RuleViolation("SD-13", "a quoted fee is an amount to pay")
        self.trigger_event(self.FeeQuoted, amount=amount, quoted_by=technician, time_zone=time_zone)

    def collect_fee(
        self, technician: str, amount: Decimal, receipt_no: str, cash_limit: Decimal, now: datetime
    ) -> None:
        """C4: on site only for approved type-A work under the cash limit, against a receipt;
        anything else billing invoices and collects."""
        self._on_team(technician, "SD-13")
        if self.status not in (CallStatus.AWAITING_SIGNATURE, CallStatus.COMPLETED_ON_SITE):
            raise RuleViolation(
                "SD-13",
                "a fee is collected on site once the work is done",
                status=self.status.value,
            )
        if self.fee_approval_id is None or self.fee is None:
            raise RuleViolation(
                "SD-13",
                "money is taken on site only for a fee the unit leader approved beforehand",
            )
        if self.fee_receipt_no is not None:
            raise RuleViolation(
                "SD-13", "the fee is already collected", receipt_no=self.fee_receipt_no
            )
        if amount != self.fee:
            raise RuleViolation(
                "SD-13", "only the approved fee is collected", approved=str(self.fee)
            )
        if amount >= cash_limit:
            raise RuleViolation(
                "SD-13",
                "the fee is not under the on-site cash limit: billing invoices and collects it",
                cash_limit=str(cash_limit),
            )
        if not receipt_no.strip():
            raise RuleViolation("SD-13", "a receipt is issued for money taken on site")
        self.trigger_event(
            self.FeeCollectedOnSite,
            customer_id=self.customer_id,
            amount=amount,
            receipt_no=receipt_no,
            prior_approval_id=self.fee_approval_id,
            collected_by=technician,
            collected_at=now,
        )

    def _request_invoice(self) -> None:
        """SD-18, BI-16: a type-A job signed by the customer, with its approved fee, is invoiced
        the same day, once."""
        if self.signed_at is None or self.fee_approval_id is None or self.invoice_requested:
            return
        assert self.fee is not None and self.time_zone is not None
        self.trigger_event(
            self.InvoiceRequested,
            customer_id=self.customer_id,
            amount=self.fee,
            service_type=ServiceType.PAID,
            basis="voucher",
            date=self.modified_on.astimezone(ZoneInfo(self.time_zone)).date(),
        )

    # -- escalation (SD-20)

    def report_major_issue(
        self, reporter: str, salesperson: bool, proposal: str, customer_demand: str
    ) -> None:
        """SD-20: the technician on the job reports to the unit leader; a salesperson reports
        a problem the field cannot solve to the sales manager."""
        if self.status in (CallStatus.CLOSED, CallStatus.CANCELLED):
            raise RuleViolation(
                "SD-20", "a field problem is reported on an open call", status=self.status.value
            )
        if not salesperson:
            self._on_team(reporter, "SD-20")
        if not (proposal.strip() and customer_demand.strip()):
            raise RuleViolation(
                "SD-20", "the report gives your own proposal and the customer's demand"
            )
        self.trigger_event(
            self.MajorIssueReported,
            proposal=proposal,
            customer_demand=customer_demand,
            reported_by=reporter,
            reported_to=(Role.SALES_MANAGER if salesperson else Role.UNIT_LEADER).value,
        )

    # -- the take-back (SD-14)

    def take_back(self, technician: str, repair_id: UUID, pickup_receipt_no: str) -> None:
        # SD-14: a job that cannot be finished on site goes to the workshop after the diagnosis.
        if self.status is not CallStatus.DIAGNOSED:
            raise RuleViolation(
                "SD-14",
                "a product is taken back once diagnosed on site, instead of finishing there",
                status=self.status.value,
            )
        self._on_team(technician, "SD-14")
        self.trigger_event(
            self.TakeBackStarted, repair_id=repair_id, pickup_receipt_no=pickup_receipt_no
        )

    # -- the customer's signature (SD-11, XC-02)

    def approval_content(self) -> Mapping[str, Any]:
        """The service report: what the customer signs and the leader approves."""
        return {
            "customer_id": str(self.customer_id),
            "voucher_id": None if self.voucher_id is None else str(self.voucher_id),
            "model": self.caller.model,
            "fault": self.fault,
            "technicians": list(self.technician_ids),
            "service_type": None if self.service_type is None else str(self.service_type),
            "in_warranty": self.in_warranty,
            "tampered": self.tampered,
            "findings": self.findings,
            "cause": self.cause,
            "work_done": self.work_done,
            "parts": [[p.name, p.quantity, p.reason] for p in self.parts],
            "guidance_given": self.guidance_given,
        }

    def interested_parties(self) -> set[str]:
        """XC-05: the technicians who wrote the report do not approve it."""
        return set(self.technician_ids)

    def signature_allowed(self, capacity: Capacity) -> None:
        if capacity is not Capacity.CUSTOMER:
            return
        # SD-11: the customer signs only after the service, once.
        if self.status in (
            CallStatus.REGISTERED,
            CallStatus.DISPATCHED,
            CallStatus.ON_SITE,
            CallStatus.DIAGNOSED,
        ):
            raise RuleViolation(
                "SD-11",
                "the customer signs the service report only after the work is completed",
                status=self.status.value,
            )
        if self.status is not CallStatus.AWAITING_SIGNATURE:
            raise RuleViolation(
                "SD-11", "the customer has signed this service report; a signature is never changed"
            )

    _comment = ""
    """The comment of the answer being recorded, kept verbatim in ``ReportSigned`` (SD-11)."""

    def customer_signs(
        self,
        signature_id: UUID,
        request: SigningRequestState,
        sealed: SealedAnswer,
        image: bytes,
        now: datetime,
    ) -> None:
        self._comment = sealed.answer.comment
        try:
            super().customer_signs(signature_id, request, sealed, image, now)
        finally:
            self._comment = ""

    def on_customer_signed(self, signed_at: datetime) -> None:
        assert self.completed_at is not None and self.service_type is not None
        if signed_at < self.completed_at - SKEW:
            raise RuleViolation(
                "SD-11",
                "the customer signs after the work was completed",
                signed_at=signed_at.isoformat(),
                completed_at=self.completed_at.isoformat(),
            )
        signature_id, signature = next(reversed(self.signatures.items()))
        comments, self._comment = self._comment, ""
        self.trigger_event(
            self.ReportSigned,
            customer_id=self.customer_id,
            voucher_id=self.voucher_id,
            service_type=self.service_type,
            signature_id=signature_id,
            signed_at=signature.signed_at,
            customer_comments=comments,
            work_done=self.work_done,
            parts=self.parts,
        )
        self._request_invoice()

    def signing_sheet(self) -> SigningSheet:
        service_type = "" if self.service_type is None else self.service_type.value
        return SigningSheet(
            title="Service report",
            facts=(
                ("Service call", str(self.id)),
                ("Model", self.caller.model),
                ("Fault reported", self.fault),
                ("Found", self.findings),
                ("Cause", self.cause),
                ("Service type", service_type),
                ("Work done", self.work_done),
                ("Guidance given", self.guidance_given),
            ),
            table_headers=("Part", "Quantity", "Reason"),
            table_rows=tuple((p.name, str(p.quantity), p.reason) for p in self.parts),
        )

    # -- closing (SD-12) and the leader's approval (SD-21)

    def close(self, closed_by: str, product_returned: bool) -> None:
        """``product_returned``: a taken-back product went back against the customer's
        signature (SD-17)."""
        # SD-12: the register entry is cancelled only with the customer's signature attached, or
        # through the take-back path once the product is back with the customer.
        signed = self.status is CallStatus.COMPLETED_ON_SITE or (
            self.status is CallStatus.TAKEN_BACK and product_returned
        )
        if not signed:
            raise RuleViolation(
                "SD-12",
                "a call is closed only with the customer-signed service report, or once the "
                "taken-back product is returned",
                status=self.status.value,
            )
        self.trigger_event(self.VoucherClosed, voucher_id=self.voucher_id, closed_by=closed_by)

    def on_approved(self, approval: ApprovalState) -> None:
        if approval.kind == SERVICE_CALL_CONFIRMATION:
            self.trigger_event(self.ConfirmedBySales, approval_id=approval.approval_id)
            return
        if approval.kind == PAID_SERVICE:
            assert self.fee is not None
            self.trigger_event(self.FeeApproved, approval_id=approval.approval_id, amount=self.fee)
            self._request_invoice()
            return
        # SD-21, C11: the leader's approval archives the report and closes the call.
        self.trigger_event(self.ReportApproved, approval_id=approval.approval_id)

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        if approval.kind == PAID_SERVICE:
            self.trigger_event(self.FeeRefused, approval_id=approval.approval_id, reason=reason)
            return
        if approval.kind == SERVICE_CALL_CONFIRMATION:
            self.trigger_event(
                self.SalesConfirmationRefused, approval_id=approval.approval_id, reason=reason
            )


SLA_OUTCOMES: dict[str, str | None] = {
    "CustomerReplied": None,
    "TechnicianArrived": "decides_sla",
}
"""SD-04 ... SD-06: the events whose ``sla_met`` is the call's SLA outcome, each with the field
that says whether it decides it (None: always). The written reply decides a reply-kind call; the
arrival decides an arrival-kind one (on a reply-kind call it only keeps the agreed date). The
call register and the analysts' replay both read the outcome from here."""


def sla_outcome(event: ServiceCall.CustomerReplied | ServiceCall.TechnicianArrived) -> bool | None:
    """The call's SLA outcome this event decides, or None when it decides none."""
    flag = SLA_OUTCOMES[type(event).__name__]
    return event.sla_met if flag is None or getattr(event, flag) else None
