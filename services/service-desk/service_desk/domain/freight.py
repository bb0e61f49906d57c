"""Postage and freight of warranty parts sent by mail or freight (SD-26): written off only once
the handler and the leader have both signed, the handler first; the leader signs the write-off
he approved under the authority matrix (``freight``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import UUID

from kernel.approvals.domain import (
    Approvable,
    ApprovalStatus,
    Approver,
    SignatureCapture,
)
from kernel.calendar import Deadline
from runtime.aggregate import RuleViolation

FREIGHT = "freight"
"""The authority matrix's sign-off of the leader on a freight write-off (SD-26)."""


class FreightStatus(StrEnum):
    RECORDED = "recorded"
    WRITTEN_OFF = "written_off"


class FreightCost(Approvable):
    """``FreightCostRecorded``: what mailing a warranty part cost; its id is the shipment's
    reference."""

    document_type = "freight_cost"

    def __init__(self) -> None:
        self.call_id: UUID
        self.requisition_id: UUID | None
        self.waybill_no: str
        self.amount: Decimal
        self.handler_id: str
        self.status = FreightStatus.RECORDED

    class Recorded(Approvable.Created):
        call_id: UUID
        requisition_id: UUID | None
        waybill_no: str
        amount: Decimal
        handler_id: str

    class WrittenOff(Approvable.Event):
        """``FreightWrittenOff``: both signatures are on the record (SD-26)."""

        amount: Decimal
        handler_signature_id: UUID
        leader_signature_id: UUID

        def apply(self, freight: FreightCost) -> None:
            freight.status = FreightStatus.WRITTEN_OFF

    @classmethod
    def record(
        cls,
        shipment_ref: UUID,
        call_id: UUID,
        requisition_id: UUID | None,
        waybill_no: str,
        amount: Decimal,
        handler_id: str,
    ) -> Self:
        if amount <= 0:
            raise RuleViolation(
                "SD-26", "postage or freight is a positive amount", amount=str(amount)
            )
        if not waybill_no.strip():
            raise RuleViolation("SD-26", "the shipment's waybill or postal receipt is recorded")
        return cls._create(
            cls.Recorded,
            id=shipment_ref,
            call_id=call_id,
            requisition_id=requisition_id,
            waybill_no=waybill_no,
            amount=amount,
            handler_id=handler_id,
        )

    def approval_content(self) -> Mapping[str, Any]:
        """What the handler and the leader sign."""
        return {
            "call_id": str(self.call_id),
            "requisition_id": None if self.requisition_id is None else str(self.requisition_id),
            "waybill_no": self.waybill_no,
            "amount": str(self.amount),
            "handler_id": self.handler_id,
        }

    def interested_parties(self) -> set[str]:
        """XC-05: the handler does not sign off his own freight as the leader."""
        return {self.handler_id}

    def _signature_of(self, signer: str) -> UUID | None:
        return next(
            (
                signature_id
                for signature_id, signature in self.signatures.items()
                if signature.captured_by == signer and not signature.voided
            ),
            None,
        )

    @property
    def leader(self) -> str | None:
        """The leader who approved the write-off, once he has."""
        approval = self.approval
        if approval is None or approval.status is not ApprovalStatus.APPROVED:
            return None
        return approval.steps[-1].decided_by

    def grant(
        self, step: str, approver: Approver, comment: str = "", next_due: Deadline | None = None
    ) -> None:
        # SD-26: the handler signs first, then the leader.
        if self._signature_of(self.handler_id) is None:
            raise RuleViolation("SD-26", "the handler signs the freight before the leader")
        super().grant(step, approver, comment, next_due)

    def capture_signature(
        self,
        signature_id: UUID,
        capture: SignatureCapture,
        captured_by: str,
        seal: str,
        now: datetime,
    ) -> None:
        # SD-26: two signatures, each once: the handler's, then the approving leader's.
        if self.status is not FreightStatus.RECORDED:
            raise RuleViolation("SD-26", "the freight is already written off")
        if captured_by not in (self.handler_id, self.leader):
            raise RuleViolation(
                "SD-26",
                "the freight is signed by its handler and by the leader who approved it",
                signer=captured_by,
            )
        if capture.signer_id != captured_by:
            raise RuleViolation("SD-26", "each signs the freight for themselves")
        if self._signature_of(captured_by) is not None:
            raise RuleViolation("SD-26", "each signs the freight once", signer=captured_by)
        super().capture_signature(signature_id, capture, captured_by, seal, now)
        handler = self._signature_of(self.handler_id)
        leader = None if self.leader is None else self._signature_of(self.leader)
        if handler is not None and leader is not None:
            self.trigger_event(
                self.WrittenOff,
                amount=self.amount,
                handler_signature_id=handler,
                leader_signature_id=leader,
            )
