"""A cash handover (BI-17, C9): cash passed from one employee to another, the technician's or
salesperson's collection to the accountant or finance, signed by both the giver and the receiver
through the kernel's signature capture; it is complete once both signed the same version."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import UUID

from kernel.approvals.domain import Approvable, Capacity, SignatureCapture
from runtime.aggregate import RuleViolation


class CashHandoverStatus(StrEnum):
    AWAITING_SIGNATURES = "awaiting_signatures"
    SIGNED = "signed"


class CashHandover(Approvable):
    document_type = "cash_handover"

    def __init__(self) -> None:
        self.giver_id: str
        self.receiver_id: str
        self.amount: Decimal
        self.currency: str
        self.customer_id: UUID | None
        self.purpose: str
        self.recorded_by: str
        self.status = CashHandoverStatus.AWAITING_SIGNATURES
        self.signed_at: datetime | None = None

    class Recorded(Approvable.Created):
        """BI-17: cash handed from ``giver_id`` to ``receiver_id``, to be signed by both."""

        giver_id: str
        receiver_id: str
        amount: Decimal
        currency: str
        customer_id: UUID | None
        purpose: str
        recorded_by: str

    class Signed(Approvable.Event):
        """BI-17 (``CashHandedOver``): the giver and the receiver both signed it."""

        giver_id: str
        receiver_id: str
        amount: Decimal
        currency: str

        def apply(self, handover: CashHandover) -> None:
            handover.status, handover.signed_at = CashHandoverStatus.SIGNED, self.timestamp

    @classmethod
    def record(
        cls,
        handover_id: UUID,
        recorded_by: str,
        giver_id: str,
        receiver_id: str,
        amount: Decimal,
        currency: str,
        customer_id: UUID | None,
        purpose: str,
    ) -> Self:
        if giver_id == receiver_id:
            raise RuleViolation("BI-17", "a cash handover passes cash between two people")
        if recorded_by not in (giver_id, receiver_id):
            raise RuleViolation("BI-17", "the giver or the receiver records the cash handover")
        if amount <= 0:
            raise RuleViolation("BI-17", "a cash handover states its positive amount")
        return cls._create(
            cls.Recorded,
            id=handover_id,
            giver_id=giver_id,
            receiver_id=receiver_id,
            amount=amount,
            currency=currency,
            customer_id=customer_id,
            purpose=purpose,
            recorded_by=recorded_by,
        )

    def approval_content(self) -> Mapping[str, Any]:
        """What both sign: who passed how much cash to whom, and why."""
        return {
            "giver_id": self.giver_id,
            "receiver_id": self.receiver_id,
            "amount": str(self.amount),
            "currency": self.currency,
            "customer_id": None if self.customer_id is None else str(self.customer_id),
            "purpose": self.purpose,
        }

    @property
    def signers(self) -> set[str]:
        """Who signed this version of the handover."""
        current = self.version_hash
        return {
            signature.captured_by
            for signature in self.signatures.values()
            if not signature.voided and signature.document_version_hash == current
        }

    def capture_signature(
        self,
        signature_id: UUID,
        capture: SignatureCapture,
        captured_by: str,
        seal: str,
        now: datetime,
    ) -> None:
        # BI-17: the giver and the receiver sign, each for themselves, once.
        if self.status is not CashHandoverStatus.AWAITING_SIGNATURES:
            raise RuleViolation("BI-17", "the cash handover is already signed by both")
        if captured_by not in (self.giver_id, self.receiver_id):
            raise RuleViolation(
                "BI-17", "only the giver and the receiver sign a cash handover", signer=captured_by
            )
        if capture.signer_id != captured_by or capture.capacity is not Capacity.EMPLOYEE:
            raise RuleViolation("BI-17", "each party signs the cash handover for themselves")
        if captured_by in self.signers:
            raise RuleViolation("BI-17", "each party signs the cash handover once")
        super().capture_signature(signature_id, capture, captured_by, seal, now)
        if self.signers >= {self.giver_id, self.receiver_id}:
            self.trigger_event(
                self.Signed,
                giver_id=self.giver_id,
                receiver_id=self.receiver_id,
                amount=self.amount,
                currency=self.currency,
            )
