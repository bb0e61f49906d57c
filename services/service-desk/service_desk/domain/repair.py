"""A take-back repair (RULES §4.9, the workshop path): the product leaves the site against a pickup
receipt and the customer's signature on the voucher (SD-14), is checked in and repaired on its
repair card (SD-15) by the promised time or escalated (SD-19), inspected by the service supervisor
(SD-16) and returned against the customer's signature, the receipt retrieved and voided (SD-17);
a paid repair is invoiced on the day of return (SD-18)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import NAMESPACE_OID, UUID, uuid5
from zoneinfo import ZoneInfo

from kernel.approvals.domain import ApprovalState, Capacity
from kernel.roles import Role
from kernel.signing.domain import Signable, SigningSheet
from runtime.aggregate import RuleViolation
from service_desk.domain.service_call import ReplacedPart, ServiceType, check_parts

REPAIR_INSPECTION = "repair_inspection"
"""The authority matrix's inspection of the repaired product by the supervisor (SD-16)."""
LOST_PICKUP_RECEIPT = "lost_pickup_receipt"
"""The authority matrix's exception for a product returned without its pickup receipt (SD-17)."""


class RepairStatus(StrEnum):
    AWAITING_TAKE_BACK_SIGNATURE = "awaiting_take_back_signature"
    """The pickup receipt is issued; the customer signs the voucher before the product leaves."""
    TAKEN_BACK = "taken_back"
    IN_REPAIR = "in_repair"
    AWAITING_INSPECTION = "awaiting_inspection"
    READY_FOR_RETURN = "ready_for_return"
    RECEIPT_EXCEPTION = "receipt_exception"
    """SD-17: the receipt is lost; the supervisor approves the recorded exception first."""
    AWAITING_RETURN_SIGNATURE = "awaiting_return_signature"
    RETURNED = "returned"


_BEFORE_INSPECTION = (
    RepairStatus.AWAITING_TAKE_BACK_SIGNATURE,
    RepairStatus.TAKEN_BACK,
    RepairStatus.IN_REPAIR,
    RepairStatus.AWAITING_INSPECTION,
)


class Repair(Signable):
    document_type = "repair"

    def __init__(self) -> None:
        self.call_id: UUID
        self.customer_id: UUID
        self.voucher_id: UUID | None
        self.service_type: ServiceType
        self.model: str
        self.fault: str
        self.pickup_receipt_no: str
        self.issued_by: str
        self.technician_ids: tuple[str, ...]
        self.promised_at: datetime
        self.calendar_version: int | None
        self.time_zone: str
        self.status = RepairStatus.AWAITING_TAKE_BACK_SIGNATURE
        self.take_back_signature_id: UUID | None = None
        self.in_out_register_no: str | None = None
        self.card_no: str | None = None
        self.hours = Decimal(0)
        self.parts: tuple[ReplacedPart, ...] = ()
        self.charge: Decimal | None = None
        self.completed_at: datetime | None = None
        self.escalated = False
        self.inspected_by: str | None = None
        self.receipt_lost = False
        self.return_signature_id: UUID | None = None
        self.returned_at: datetime | None = None

    class PickupReceiptIssued(Signable.Created):
        """SD-14: the technician issued the customer product pickup receipt (服表003)."""

        call_id: UUID
        customer_id: UUID
        voucher_id: UUID | None
        service_type: ServiceType
        model: str
        fault: str
        pickup_receipt_no: str
        issued_by: str
        technician_ids: tuple[str, ...]
        promised_at: datetime
        """SD-19: the completion time promised to the customer, on the working calendar."""
        calendar_version: int | None
        time_zone: str
        """The working calendar's zone: the return day is a local day (SD-18)."""

        def apply(self, repair: Any) -> None:
            super().apply(repair)
            repair.service_type = ServiceType(self.service_type)
            repair.technician_ids = tuple(self.technician_ids)

    class ProductTakenBack(Signable.Event):
        """SD-14: the customer signed the voucher acknowledging the take-back."""

        call_id: UUID
        pickup_receipt_no: str
        customer_signature_id: UUID

        def apply(self, repair: Repair) -> None:
            repair.status = RepairStatus.TAKEN_BACK
            repair.take_back_signature_id = self.customer_signature_id

    class ProductCheckedIn(Signable.Event):
        """SD-14: handed to the service clerk and logged in the in/out register (服表004)."""

        call_id: UUID
        pickup_receipt_no: str
        in_out_register_no: str
        checked_in_by: str

        def apply(self, repair: Repair) -> None:
            repair.in_out_register_no = self.in_out_register_no

    class RepairCardOpened(Signable.Event):
        """SD-14, SD-15: the repair card (服表005) authorises the repair and hangs on the
        product."""

        card_no: str
        opened_by: str

        def apply(self, repair: Repair) -> None:
            repair.status, repair.card_no = RepairStatus.IN_REPAIR, self.card_no

    class RepairWorkLogged(Signable.Event):
        """SD-15: actual repair time, on the card."""

        card_no: str
        hours: Decimal
        work: str
        technician: str

        def apply(self, repair: Repair) -> None:
            repair.hours += self.hours

    class RepairPartFitted(Signable.Event):
        """SD-15: every part replaced, on the card."""

        card_no: str
        part: ReplacedPart
        technician: str

        def apply(self, repair: Repair) -> None:
            repair.parts = (*repair.parts, self.part)

    class RepairCompleted(Signable.Event):
        card_no: str
        hours: Decimal
        parts: tuple[ReplacedPart, ...]
        charge: Decimal | None
        """SD-01, SD-18: what a paid (type A) repair costs the customer; none otherwise."""
        completed_by: str

        def apply(self, repair: Repair) -> None:
            repair.status, repair.charge = RepairStatus.AWAITING_INSPECTION, self.charge
            repair.completed_at = self.timestamp

    class RepairDelayEscalated(Signable.Event):
        """SD-19: the promised time passed with no RepairCompleted."""

        promised_at: datetime
        escalated_to: str

        def apply(self, repair: Repair) -> None:
            repair.escalated = True

    class RepairInspectionPassed(Signable.Event):
        approval_id: UUID
        supervisor_id: str

        def apply(self, repair: Repair) -> None:
            repair.status, repair.inspected_by = RepairStatus.READY_FOR_RETURN, self.supervisor_id

    class RepairInspectionFailed(Signable.Event):
        approval_id: UUID
        supervisor_id: str
        reason: str

        def apply(self, repair: Repair) -> None:
            repair.status = RepairStatus.IN_REPAIR

    class PickupReceiptRetrieved(Signable.Event):
        """SD-17: the technician's receipt is back from the customer, to be voided on return."""

        pickup_receipt_no: str
        retrieved_by: str

        def apply(self, repair: Repair) -> None:
            repair.status = RepairStatus.AWAITING_RETURN_SIGNATURE

    class PickupReceiptLost(Signable.Event):
        """SD-17: the customer cannot hand the receipt back; the exception is recorded."""

        pickup_receipt_no: str
        explanation: str
        recorded_by: str

        def apply(self, repair: Repair) -> None:
            repair.status, repair.receipt_lost = RepairStatus.RECEIPT_EXCEPTION, True

    class LostReceiptExceptionApproved(Signable.Event):
        approval_id: UUID

        def apply(self, repair: Repair) -> None:
            repair.status = RepairStatus.AWAITING_RETURN_SIGNATURE

    class LostReceiptExceptionRejected(Signable.Event):
        approval_id: UUID
        reason: str

        def apply(self, repair: Repair) -> None:
            repair.status = RepairStatus.READY_FOR_RETURN

    class ProductReturnedToCustomer(Signable.Event):
        """SD-16, SD-17: returned after the supervisor's pass, against the customer's signature;
        the pickup receipt voided (retrieved, or lost under an approved exception)."""

        call_id: UUID
        customer_id: UUID
        service_type: ServiceType
        returned_at: datetime
        customer_signature_id: UUID
        pickup_receipt_no: str
        pickup_receipt_voided: bool
        receipt_lost: bool

        def apply(self, repair: Repair) -> None:
            repair.status, repair.returned_at = RepairStatus.RETURNED, self.returned_at
            repair.return_signature_id = self.customer_signature_id

    class InvoiceRequested(Signable.Event):
        """``ServiceInvoiceRequested`` (SD-18): a paid repair is invoiced the day it is returned."""

        call_id: UUID
        customer_id: UUID
        amount: Decimal
        service_type: ServiceType
        basis: str
        date: date

    # -- the take-back (SD-14)

    @staticmethod
    def id_for(call_id: UUID) -> UUID:
        # One take-back per call: a repeated request cannot open a second repair.
        return uuid5(NAMESPACE_OID, f"repair:{call_id}")

    @classmethod
    def take_back(
        cls,
        call_id: UUID,
        customer_id: UUID,
        voucher_id: UUID | None,
        service_type: ServiceType,
        model: str,
        fault: str,
        technician_ids: tuple[str, ...],
        pickup_receipt_no: str,
        technician: str,
        promised_at: datetime,
        calendar_version: int | None,
        time_zone: str,
        now: datetime,
    ) -> Self:
        if not pickup_receipt_no.strip():
            raise RuleViolation("SD-14", "the technician issues the customer a pickup receipt")
        if promised_at <= now:
            raise RuleViolation("SD-19", "the promised completion time is ahead")
        return cls._create(
            cls.PickupReceiptIssued,
            id=cls.id_for(call_id),
            call_id=call_id,
            customer_id=customer_id,
            voucher_id=voucher_id,
            service_type=service_type,
            model=model,
            fault=fault,
            pickup_receipt_no=pickup_receipt_no,
            issued_by=technician,
            technician_ids=technician_ids,
            promised_at=promised_at,
            calendar_version=calendar_version,
            time_zone=time_zone,
        )

    def check_in(self, in_out_register_no: str, card_no: str, clerk: str) -> None:
        # SD-14: the product reaches base only once the customer signed for its take-back.
        if self.status is not RepairStatus.TAKEN_BACK:
            raise RuleViolation(
                "SD-14",
                "a product is checked in once taken back against the customer's signature",
                status=self.status.value,
            )
        if not (in_out_register_no.strip() and card_no.strip()):
            raise RuleViolation(
                "SD-14", "check-in records the in/out register number and the repair card"
            )
        self.trigger_event(
            self.ProductCheckedIn,
            call_id=self.call_id,
            pickup_receipt_no=self.pickup_receipt_no,
            in_out_register_no=in_out_register_no,
            checked_in_by=clerk,
        )
        self.trigger_event(self.RepairCardOpened, card_no=card_no, opened_by=clerk)

    # -- the repair card (SD-15)

    def _on_card(self, technician: str) -> str:
        if self.status is not RepairStatus.IN_REPAIR or self.card_no is None:
            raise RuleViolation(
                "SD-15",
                "work and parts go on the repair card while the product is in repair",
                status=self.status.value,
            )
        if technician not in self.technician_ids:
            raise RuleViolation(
                "SD-15", "the repair card is kept by the call's technicians", user=technician
            )
        return self.card_no

    def log_work(self, technician: str, hours: Decimal, work: str) -> None:
        card_no = self._on_card(technician)
        if hours <= 0 or not work.strip():
            raise RuleViolation("SD-15", "the card records the actual time and the work done")
        self.trigger_event(
            self.RepairWorkLogged, card_no=card_no, hours=hours, work=work, technician=technician
        )

    def fit_part(self, technician: str, part: ReplacedPart) -> None:
        card_no = self._on_card(technician)
        check_parts((part,), "SD-15")
        self.trigger_event(self.RepairPartFitted, card_no=card_no, part=part, technician=technician)

    def complete(
        self, technician: str, charge: Decimal | None, approved_fee: Decimal | None
    ) -> None:
        """``approved_fee``: the call's fee as the unit leader approved it (None: not yet)."""
        card_no = self._on_card(technician)
        if self.hours <= 0:
            raise RuleViolation("SD-15", "the card records the repair time before completion")
        # SD-01: a paid repair states its charge; warranty or contract work charges nothing.
        paid = self.service_type is ServiceType.PAID
        if paid != (charge is not None and charge > 0):
            raise RuleViolation(
                "SD-01",
                "a paid (A) repair states its charge, and only a paid one",
                service_type=self.service_type.value,
            )
        # SD-13: paid work is charged only as the unit leader approved it beforehand.
        if paid and approved_fee is None:
            raise RuleViolation(
                "SD-13", "a paid repair is charged the fee the unit leader approved beforehand"
            )
        if paid and charge != approved_fee:
            raise RuleViolation(
                "SD-13", "only the approved fee is charged", approved=str(approved_fee)
            )
        self.trigger_event(
            self.RepairCompleted,
            card_no=card_no,
            hours=self.hours,
            parts=self.parts,
            charge=charge,
            completed_by=technician,
        )

    # -- the promised time (SD-19)

    def escalate_delay(self, now: datetime) -> bool:
        """The promised time passed with no RepairCompleted: escalated to the supervisor, once."""
        waiting = self.status in (RepairStatus.TAKEN_BACK, RepairStatus.IN_REPAIR)
        if not waiting or self.escalated or now <= self.promised_at:
            return False
        self.trigger_event(
            self.RepairDelayEscalated,
            promised_at=self.promised_at,
            escalated_to=Role.SERVICE_SUPERVISOR.value,
        )
        return True

    # -- the return (SD-16, SD-17)

    def _ready_for_return(self) -> None:
        # SD-16: nothing goes back before the supervisor passed it.
        if self.status in _BEFORE_INSPECTION:
            raise RuleViolation(
                "SD-16",
                "a repaired product goes back only after the supervisor passed its inspection",
                status=self.status.value,
            )

    def retrieve_receipt(self, pickup_receipt_no: str | None, explanation: str, by: str) -> bool:
        """SD-17: the receipt handed back (``pickup_receipt_no``), or its loss recorded with an
        ``explanation``; returns whether the loss needs the supervisor's approval."""
        self._ready_for_return()
        if self.status is not RepairStatus.READY_FOR_RETURN:
            raise RuleViolation(
                "SD-17", "the pickup receipt is already dealt with", status=self.status.value
            )
        if pickup_receipt_no is not None:
            if pickup_receipt_no != self.pickup_receipt_no:
                raise RuleViolation(
                    "SD-17",
                    "the receipt handed back is not the one issued for this product",
                    issued=self.pickup_receipt_no,
                )
            self.trigger_event(
                self.PickupReceiptRetrieved, pickup_receipt_no=pickup_receipt_no, retrieved_by=by
            )
            return False
        if not explanation.strip():
            raise RuleViolation(
                "SD-17", "a lost pickup receipt is a recorded exception: say what happened"
            )
        self.trigger_event(
            self.PickupReceiptLost,
            pickup_receipt_no=self.pickup_receipt_no,
            explanation=explanation,
            recorded_by=by,
        )
        return True

    # -- the supervisor's decisions (SD-16, SD-17)

    def interested_parties(self) -> set[str]:
        """XC-05: the technicians who repaired it do not inspect their own work."""
        return set(self.technician_ids)

    def on_approved(self, approval: ApprovalState) -> None:
        if approval.kind == LOST_PICKUP_RECEIPT:
            self.trigger_event(self.LostReceiptExceptionApproved, approval_id=approval.approval_id)
            return
        supervisor = approval.steps[-1].decided_by
        assert supervisor is not None
        self.trigger_event(
            self.RepairInspectionPassed, approval_id=approval.approval_id, supervisor_id=supervisor
        )

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        if approval.kind == LOST_PICKUP_RECEIPT:
            self.trigger_event(
                self.LostReceiptExceptionRejected, approval_id=approval.approval_id, reason=reason
            )
            return
        supervisor = next(s.decided_by for s in approval.steps if s.decided_by is not None)
        self.trigger_event(
            self.RepairInspectionFailed,
            approval_id=approval.approval_id,
            supervisor_id=supervisor,
            reason=reason,
        )

    # -- the customer's signatures (SD-14, SD-17, XC-02)

    def approval_content(self) -> Mapping[str, Any]:
        """The service voucher's take-back entry and the repair card."""
        return {
            "call_id": str(self.call_id),
            "customer_id": str(self.customer_id),
            "voucher_id": None if self.voucher_id is None else str(self.voucher_id),
            "model": self.model,
            "fault": self.fault,
            "service_type": self.service_type.value,
            "pickup_receipt_no": self.pickup_receipt_no,
            "promised_at": self.promised_at.isoformat(),
            "in_out_register_no": self.in_out_register_no,
            "card_no": self.card_no,
            "hours": str(self.hours),
            "parts": [[p.name, p.quantity, p.reason] for p in self.parts],
            "charge": None if self.charge is None else str(self.charge),
        }

    def signature_allowed(self, capacity: Capacity) -> None:
        if capacity is not Capacity.CUSTOMER:
            return
        if self.status in (
            RepairStatus.AWAITING_TAKE_BACK_SIGNATURE,
            RepairStatus.AWAITING_RETURN_SIGNATURE,
        ):
            return
        self._ready_for_return()
        raise RuleViolation(
            "SD-17",
            "the customer signs for the return once the pickup receipt is retrieved, or its "
            "loss approved, and only once",
            status=self.status.value,
        )

    def on_customer_signed(self, signed_at: datetime) -> None:
        signature_id = next(reversed(self.signatures))
        if self.status is RepairStatus.AWAITING_TAKE_BACK_SIGNATURE:
            self.trigger_event(
                self.ProductTakenBack,
                call_id=self.call_id,
                pickup_receipt_no=self.pickup_receipt_no,
                customer_signature_id=signature_id,
            )
            return
        self.trigger_event(
            self.ProductReturnedToCustomer,
            call_id=self.call_id,
            customer_id=self.customer_id,
            service_type=self.service_type,
            returned_at=signed_at,
            customer_signature_id=signature_id,
            pickup_receipt_no=self.pickup_receipt_no,
            pickup_receipt_voided=True,
            receipt_lost=self.receipt_lost,
        )
        # SD-18: a paid take-back repair is invoiced on the day of return.
        if self.charge is not None:
            self.trigger_event(
                self.InvoiceRequested,
                call_id=self.call_id,
                customer_id=self.customer_id,
                amount=self.charge,
                service_type=self.service_type,
                basis="voucher",
                date=signed_at.astimezone(ZoneInfo(self.time_zone)).date(),
            )

    def signing_sheet(self) -> SigningSheet:
        returning = self.status is RepairStatus.AWAITING_RETURN_SIGNATURE
        return SigningSheet(
            title="Repaired product returned" if returning else "Product taken back for repair",
            facts=(
                ("Service call", str(self.call_id)),
                ("Model", self.model),
                ("Fault reported", self.fault),
                ("Pickup receipt", self.pickup_receipt_no),
                ("Promised by", self.promised_at.isoformat()),
                ("Repair time (hours)", str(self.hours)),
                ("Charge", "" if self.charge is None else str(self.charge)),
            ),
            table_headers=("Part", "Quantity", "Reason"),
            table_rows=tuple((p.name, str(p.quantity), p.reason) for p in self.parts),
        )
