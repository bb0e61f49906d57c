"""Spare and warranty parts (RULES §4.11): the spare-parts store's book stock, one ledger for the
central store and one per service station (SD-28); the requisition approved by the leader before
any issue (SD-24); the old part brought back and dealt with monthly (SD-22); the write-off of a
fitted warranty part against the customer-signed report, the leader's consent and the old part
(SD-25)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import NAMESPACE_OID, UUID, uuid5

from kernel.approvals.domain import Approvable, ApprovalState, ApprovalStatus
from kernel.calendar import Calendar, Deadline
from runtime.aggregate import Aggregate, RuleViolation

SPARE_PART_REQUISITION = "spare_part_requisition"
"""The authority matrix's approval of a requisition by the leader (SD-24)."""
WARRANTY_PART_WRITE_OFF = "warranty_part_write_off"
"""The authority matrix's consent of the leader to a write-off (SD-25)."""


class Ledger(StrEnum):
    """SD-28: the central store's ledger, or a service station's separate one."""

    CENTRAL = "central"
    SERVICE_STATION = "service_station"


def ledger_key(ledger: Ledger | str, station: str | None) -> str:
    """SD-28: a service station's parts are booked apart from the central store's."""
    book = Ledger(ledger)  # stored events give it back as its value
    if (book is Ledger.SERVICE_STATION) != (station is not None):
        raise RuleViolation(
            "SD-28",
            "a service station's ledger names its station; the central ledger names none",
            ledger=book.value,
        )
    return book.value if station is None else f"{book.value}:{station}"


class SparePartStock(Aggregate):
    """SD-28: the book stock of one part in one ledger; it never goes below what is on the
    shelf (帐物一致), so never below zero."""

    def __init__(self) -> None:
        self.ledger: Ledger
        self.station: str | None
        self.part_no: str
        self.on_hand = 0
        self.receipt_forms: set[str] = set()

    class Opened(Aggregate.Created):
        ledger: Ledger
        station: str | None
        part_no: str

    class Received(Aggregate.Event):
        """``SparePartReceived``: booked in on a receipt form in duplicate (備用件接收單)."""

        receipt_form_no: str
        part_no: str
        qty: int
        ledger: Ledger
        station: str | None
        received_by: str

        def apply(self, stock: SparePartStock) -> None:
            stock.on_hand += self.qty
            stock.receipt_forms.add(self.receipt_form_no)

    class Issued(Aggregate.Event):
        """The ledger's side of ``SparePartIssued``."""

        requisition_id: UUID
        qty: int

        def apply(self, stock: SparePartStock) -> None:
            stock.on_hand -= self.qty

    class Restocked(Aggregate.Event):
        """The ledger's side of ``SparePartReturnedToStock``."""

        requisition_id: UUID
        qty: int

        def apply(self, stock: SparePartStock) -> None:
            stock.on_hand += self.qty

    @staticmethod
    def id_for(ledger: Ledger, station: str | None, part_no: str) -> UUID:
        return uuid5(NAMESPACE_OID, f"spare-part-stock:{ledger_key(ledger, station)}:{part_no}")

    @classmethod
    def open(cls, ledger: Ledger, station: str | None, part_no: str) -> Self:
        return cls._create(
            cls.Opened,
            id=cls.id_for(ledger, station, part_no),
            ledger=ledger,
            station=station,
            part_no=part_no,
        )

    def receive(self, receipt_form_no: str, qty: int, received_by: str) -> None:
        # SD-28: every receipt is booked in against its receipt form, once.
        if not receipt_form_no.strip():
            raise RuleViolation("SD-28", "spare parts are booked in on a receipt form")
        if receipt_form_no in self.receipt_forms:
            raise RuleViolation(
                "SD-28",
                "this receipt form is already booked in this ledger",
                receipt_form_no=receipt_form_no,
            )
        if qty < 1:
            raise RuleViolation("SD-28", "a receipt books in at least one part", qty=qty)
        self.trigger_event(
            self.Received,
            receipt_form_no=receipt_form_no,
            part_no=self.part_no,
            qty=qty,
            ledger=self.ledger,
            station=self.station,
            received_by=received_by,
        )

    def issue(self, requisition_id: UUID, qty: int) -> None:
        # SD-28: the book stock equals the shelf: nothing is issued that is not there.
        if qty > self.on_hand:
            raise RuleViolation(
                "SD-28",
                "not enough of this part in stock: the stock never goes negative",
                part_no=self.part_no,
                on_hand=self.on_hand,
                requested=qty,
            )
        self.trigger_event(self.Issued, requisition_id=requisition_id, qty=qty)

    def restock(self, requisition_id: UUID, qty: int) -> None:
        self.trigger_event(self.Restocked, requisition_id=requisition_id, qty=qty)


class RequisitionStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    ISSUED = "issued"
    RESTOCKED = "restocked"
    """Everything issued came back unused."""
    WRITTEN_OFF = "written_off"


class Disposition(StrEnum):
    """SD-22: what the monthly handling did with an old part."""

    SCRAPPED = "scrapped"
    RETURNED_TO_SUPPLIER = "returned_to_supplier"
    SUPPLIER_CLAIM = "supplier_claim"
    """Kept as the evidence of a secondary claim on the supplier (SD-27)."""


def disposal_due(returned_at: datetime, by_working_day: int, calendar: Calendar) -> Deadline:
    """SD-22: the old parts that came back in a month are dealt with by the given working day
    of the next month (XC-10: on the working calendar)."""
    local = returned_at.astimezone(calendar.zone).date()
    first_of_next = (local.replace(day=28) + timedelta(days=4)).replace(day=1)
    month_end = datetime.combine(first_of_next - timedelta(days=1), time(), calendar.zone)
    due = calendar.add_working_days(month_end, by_working_day).astimezone(returned_at.tzinfo)
    return Deadline(due, calendar.version)


class SparePartRequisition(Approvable):
    """A spare-part requisition (備用件領料單) for one part on one service call."""

    document_type = "spare_part_requisition"

    def __init__(self) -> None:
        self.call_id: UUID
        self.customer_id: UUID
        self.service_type: str
        self.part_no: str
        self.qty: int
        self.ledger: Ledger
        self.station: str | None
        self.reason: str
        self.requested_by: str
        self.status = RequisitionStatus.REQUESTED
        self.issued_by: str | None = None
        self.issued_at: datetime | None = None
        self.restocked_qty = 0
        self.old_part_due_at: datetime | None = None
        self.old_part_ref: UUID | None = None
        self.old_part_returned_at: datetime | None = None
        self.disposal_due_at: datetime | None = None
        self.disposition: Disposition | None = None
        self.return_overdue = False
        self.disposal_overdue = False
        self.write_off_approver: str | None = None

    class Requisitioned(Approvable.Created):
        """``SparePartRequisitioned``: the technician's requisition for a call's repair."""

        call_id: UUID
        customer_id: UUID
        service_type: str
        part_no: str
        qty: int
        ledger: Ledger
        station: str | None
        reason: str
        requested_by: str

    class Approved(Approvable.Event):
        """``SparePartRequisitionApproved`` by the leader (SD-24)."""

        approval_id: UUID
        approver: str

        def apply(self, requisition: SparePartRequisition) -> None:
            requisition.status = RequisitionStatus.APPROVED

    class Rejected(Approvable.Event):
        approval_id: UUID
        reason: str

        def apply(self, requisition: SparePartRequisition) -> None:
            requisition.status = RequisitionStatus.REJECTED

    class Issued(Approvable.Event):
        """``SparePartIssued`` by the store keeper against the approved requisition."""

        part_no: str
        qty: int
        call_id: UUID
        issued_by: str
        old_part_due_at: datetime
        calendar_version: int | None

        def apply(self, requisition: SparePartRequisition) -> None:
            requisition.status, requisition.issued_by = RequisitionStatus.ISSUED, self.issued_by
            requisition.issued_at, requisition.old_part_due_at = (
                self.timestamp,
                self.old_part_due_at,
            )

    class ReturnedToStock(Approvable.Event):
        """``SparePartReturnedToStock``: parts issued and not used came back."""

        part_no: str
        qty: int
        returned_by: str

        def apply(self, requisition: SparePartRequisition) -> None:
            requisition.restocked_qty += self.qty
            if requisition.restocked_qty == requisition.qty:
                requisition.status = RequisitionStatus.RESTOCKED
                requisition.old_part_due_at = None

    class OldPartReturned(Approvable.Event):
        """SD-22: the replaced old part, packed and brought back."""

        old_part_ref: UUID
        part_no: str
        call_id: UUID
        returned_by: str
        disposal_due_at: datetime
        calendar_version: int | None

        def apply(self, requisition: SparePartRequisition) -> None:
            requisition.old_part_ref = self.old_part_ref
            requisition.old_part_returned_at = self.timestamp
            requisition.disposal_due_at = self.disposal_due_at

    class OldPartDisposed(Approvable.Event):
        """SD-22: the monthly handling of the old part (SD-27: or a claim's evidence)."""

        old_part_ref: UUID
        part_no: str
        call_id: UUID
        disposition: Disposition
        disposed_by: str
        claim_id: UUID | None

        def apply(self, requisition: SparePartRequisition) -> None:
            requisition.disposition = Disposition(self.disposition)

    class OldPartReturnOverdue(Approvable.Event):
        """SD-22: the old part did not come back in time (flagged once)."""

        old_part_due_at: datetime

        def apply(self, requisition: SparePartRequisition) -> None:
            requisition.return_overdue = True

    class OldPartDisposalOverdue(Approvable.Event):
        """SD-22: the old part was not dealt with in its monthly handling (flagged once)."""

        disposal_due_at: datetime

        def apply(self, requisition: SparePartRequisition) -> None:
            requisition.disposal_overdue = True

    class WriteOffConsented(Approvable.Event):
        """SD-25: the leader consented to the write-off."""

        approval_id: UUID
        approver: str

        def apply(self, requisition: SparePartRequisition) -> None:
            requisition.write_off_approver = self.approver

    class WrittenOff(Approvable.Event):
        """``SparePartWrittenOff``: a fitted warranty (C) part cleared from the books (SD-25)."""

        part_no: str
        qty: int
        call_id: UUID
        approver: str
        old_part_ref: UUID
        report_signature_id: UUID
        written_off_by: str
        amount: Decimal | None = None
        """BI-26: the part's cost entered at write-off, for billing's warranty cost."""

        def apply(self, requisition: SparePartRequisition) -> None:
            requisition.status = RequisitionStatus.WRITTEN_OFF

    # -- the requisition and the leader's approval (SD-24)

    @classmethod
    def requisition(
        cls,
        call_id: UUID,
        customer_id: UUID,
        service_type: str | None,
        technicians: tuple[str, ...],
        part_no: str,
        qty: int,
        ledger: Ledger,
        station: str | None,
        reason: str,
        requested_by: str,
    ) -> Self:
        """``service_type``: the call's, once diagnosed; ``technicians``: those dispatched."""
        ledger_key(ledger, station)
        # SD-24: the technician on the call proposes the remedy from the diagnosis.
        if requested_by not in technicians:
            raise RuleViolation(
                "SD-24", "a technician dispatched on the call raises its requisition"
            )
        if service_type is None:
            raise RuleViolation("SD-24", "parts are requisitioned for a diagnosed call")
        if qty < 1 or not reason.strip():
            raise RuleViolation("SD-24", "a requisition states the quantity and the reason")
        return cls._create(
            cls.Requisitioned,
            call_id=call_id,
            customer_id=customer_id,
            service_type=service_type,
            part_no=part_no,
            qty=qty,
            ledger=ledger,
            station=station,
            reason=reason,
            requested_by=requested_by,
        )

    @property
    def stock_id(self) -> UUID:
        return SparePartStock.id_for(self.ledger, self.station, self.part_no)

    @property
    def fitted_qty(self) -> int:
        return self.qty - self.restocked_qty

    def approval_content(self) -> Mapping[str, Any]:
        """What the leader approves (SD-24) and, once fitted, consents to write off (SD-25)."""
        return {
            "call_id": str(self.call_id),
            "service_type": self.service_type,
            "part_no": self.part_no,
            "qty": self.qty,
            "ledger": ledger_key(self.ledger, self.station),
            "reason": self.reason,
            "restocked_qty": self.restocked_qty,
        }

    def interested_parties(self) -> set[str]:
        """XC-05: the technician who raised it approves neither the issue nor the write-off."""
        return {self.requested_by}

    def on_approved(self, approval: ApprovalState) -> None:
        approver = approval.steps[-1].decided_by
        assert approver is not None
        if approval.kind == WARRANTY_PART_WRITE_OFF:
            self.trigger_event(
                self.WriteOffConsented, approval_id=approval.approval_id, approver=approver
            )
            return
        self.trigger_event(self.Approved, approval_id=approval.approval_id, approver=approver)

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        if approval.kind == SPARE_PART_REQUISITION:
            self.trigger_event(self.Rejected, approval_id=approval.approval_id, reason=reason)

    # -- the store keeper's issue and the unused parts (SD-24, SD-28)

    def issue(self, issued_by: str, old_part_due: Deadline) -> None:
        # SD-24: parts leave the store only after the leader approved the requisition.
        if self.status is not RequisitionStatus.APPROVED:
            raise RuleViolation(
                "SD-24",
                "a spare part is issued only against a requisition the leader approved",
                status=self.status.value,
            )
        self.trigger_event(
            self.Issued,
            part_no=self.part_no,
            qty=self.qty,
            call_id=self.call_id,
            issued_by=issued_by,
            old_part_due_at=old_part_due.at,
            calendar_version=old_part_due.calendar_version,
        )

    def return_to_stock(self, qty: int, returned_by: str) -> None:
        # SD-28: only what was issued and is still out comes back to the shelf.
        if self.status is not RequisitionStatus.ISSUED or self.old_part_ref is not None:
            raise RuleViolation(
                "SD-28",
                "unused parts come back from an issue whose part was not fitted",
                status=self.status.value,
            )
        if not 1 <= qty <= self.fitted_qty:
            raise RuleViolation(
                "SD-28",
                "no more comes back than was issued and is still out",
                out=self.fitted_qty,
                qty=qty,
            )
        self.trigger_event(
            self.ReturnedToStock, part_no=self.part_no, qty=qty, returned_by=returned_by
        )

    # -- the old part (SD-22)

    def return_old_part(self, old_part_ref: UUID, returned_by: str, due: Deadline) -> None:
        if self.status is not RequisitionStatus.ISSUED:
            raise RuleViolation(
                "SD-22", "an old part comes back for a part issued and fitted", status=self.status
            )
        if self.old_part_ref is not None:
            raise RuleViolation("SD-22", "the old part already came back")
        self.trigger_event(
            self.OldPartReturned,
            old_part_ref=old_part_ref,
            part_no=self.part_no,
            call_id=self.call_id,
            returned_by=returned_by,
            disposal_due_at=due.at,
            calendar_version=due.calendar_version,
        )

    def dispose_old_part(
        self, disposition: Disposition, disposed_by: str, claim_id: UUID | None = None
    ) -> None:
        if self.old_part_ref is None:
            raise RuleViolation("SD-22", "only an old part that came back is dealt with")
        if self.disposition is not None:
            raise RuleViolation(
                "SD-22", "the old part was already dealt with", disposition=self.disposition
            )
        # SD-27: the part kept as a claim's evidence is disposed of by filing that claim.
        if (disposition is Disposition.SUPPLIER_CLAIM) != (claim_id is not None):
            raise RuleViolation(
                "SD-27", "an old part goes to a supplier claim by filing the claim with it"
            )
        self.trigger_event(
            self.OldPartDisposed,
            old_part_ref=self.old_part_ref,
            part_no=self.part_no,
            call_id=self.call_id,
            disposition=disposition,
            disposed_by=disposed_by,
            claim_id=claim_id,
        )

    def flag_old_part(self, now: datetime) -> bool:
        """SD-22: an old part not back by its due time, or not dealt with in its month, is
        flagged, each once. Returns whether it was."""
        if (
            self.old_part_ref is None
            and self.old_part_due_at is not None
            and not self.return_overdue
            and now > self.old_part_due_at
        ):
            self.trigger_event(self.OldPartReturnOverdue, old_part_due_at=self.old_part_due_at)
            return True
        if (
            self.disposition is None
            and self.disposal_due_at is not None
            and not self.disposal_overdue
            and now > self.disposal_due_at
        ):
            self.trigger_event(self.OldPartDisposalOverdue, disposal_due_at=self.disposal_due_at)
            return True
        return False

    # -- the write-off (SD-25)

    def _report_signed(self, report_signature_id: UUID | None) -> UUID:
        if report_signature_id is None:
            raise RuleViolation(
                "SD-25",
                "a warranty part is written off only with the service report the customer signed",
                call_id=str(self.call_id),
            )
        return report_signature_id

    def ask_write_off_consent(self, report_signature_id: UUID | None) -> None:
        """SD-25: the leader's consent is asked once the customer signed the report."""
        if self.service_type != "C":
            raise RuleViolation(
                "SD-25",
                "only a warranty (C) part is written off; a part of paid work is invoiced",
                service_type=self.service_type,
            )
        if self.status is not RequisitionStatus.ISSUED:
            raise RuleViolation(
                "SD-25", "a part is written off once it was issued and fitted", status=self.status
            )
        self._report_signed(report_signature_id)

    def write_off(
        self,
        report_signature_id: UUID | None,
        written_off_by: str,
        amount: Decimal | None = None,
    ) -> None:
        """SD-25: with the customer-signed report, the leader's consent and the old part;
        ``amount`` its cost, which billing books as warranty cost (BI-26, SD-46)."""
        if amount is not None and amount <= 0:
            raise RuleViolation("SD-46", "a part's cost is a positive amount", amount=str(amount))
        signature_id = self._report_signed(report_signature_id)
        approval = self.approval
        consented = (
            approval is not None
            and approval.kind == WARRANTY_PART_WRITE_OFF
            and approval.status is ApprovalStatus.APPROVED
            and self.write_off_approver is not None
        )
        if self.status is not RequisitionStatus.ISSUED or not consented:
            raise RuleViolation(
                "SD-25",
                "a warranty part is written off only with the leader's consent",
                status=self.status.value,
            )
        if self.old_part_ref is None:
            raise RuleViolation(
                "SD-25", "a warranty part is written off only with the old part returned"
            )
        assert self.write_off_approver is not None
        self.trigger_event(
            self.WrittenOff,
            part_no=self.part_no,
            qty=self.fitted_qty,
            call_id=self.call_id,
            approver=self.write_off_approver,
            old_part_ref=self.old_part_ref,
            report_signature_id=signature_id,
            written_off_by=written_off_by,
            amount=amount,
        )
