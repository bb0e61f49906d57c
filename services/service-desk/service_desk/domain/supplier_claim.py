"""Secondary claims on suppliers (二次索赔, SD-27): filed with the returned old parts and the
service reports as evidence, tracked until the supplier settles."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Self
from uuid import UUID

from runtime.aggregate import Aggregate, RuleViolation


@dataclass(frozen=True)
class ClaimedPart:
    """An old part that came back (SD-22) and goes to the supplier as the claim's evidence."""

    requisition_id: UUID
    part_no: str
    qty: int
    call_id: UUID
    old_part_ref: UUID


class ClaimStatus(StrEnum):
    FILED = "filed"
    SETTLED = "settled"


class SupplierClaim(Aggregate):
    def __init__(self) -> None:
        self.supplier: str
        self.parts: tuple[ClaimedPart, ...]
        self.evidence_refs: tuple[str, ...]
        self.amount: Decimal
        self.filed_by: str
        self.status = ClaimStatus.FILED
        self.recovered: Decimal | None = None

    class Filed(Aggregate.Created):
        """``SupplierClaimFiled``."""

        supplier: str
        parts: tuple[ClaimedPart, ...]
        evidence_refs: tuple[str, ...]
        amount: Decimal
        filed_by: str

    class Settled(Aggregate.Event):
        """``SupplierClaimSettled``: what the supplier paid on the claim."""

        supplier: str
        parts: tuple[ClaimedPart, ...]
        evidence_refs: tuple[str, ...]
        amount: Decimal
        settled_by: str

        def apply(self, claim: SupplierClaim) -> None:
            claim.status, claim.recovered = ClaimStatus.SETTLED, self.amount

    @classmethod
    def file(
        cls,
        claim_id: UUID,
        supplier: str,
        parts: tuple[ClaimedPart, ...],
        evidence_refs: tuple[str, ...],
        amount: Decimal,
        filed_by: str,
    ) -> Self:
        # SD-27: the returned old parts and the service reports are the claim's evidence.
        if not parts:
            raise RuleViolation("SD-27", "a claim on a supplier is filed with the old parts")
        if not any(ref.strip() for ref in evidence_refs):
            raise RuleViolation("SD-27", "a claim on a supplier cites its service reports")
        if not supplier.strip() or amount <= 0:
            raise RuleViolation("SD-27", "a claim names its supplier and the amount claimed")
        return cls._create(
            cls.Filed,
            id=claim_id,
            supplier=supplier,
            parts=parts,
            evidence_refs=evidence_refs,
            amount=amount,
            filed_by=filed_by,
        )

    def settle(self, amount: Decimal, settled_by: str) -> None:
        """SD-27: the supplier's settlement, once, of no more than was claimed."""
        if self.status is not ClaimStatus.FILED:
            raise RuleViolation("SD-27", "the claim is already settled")
        if not 0 <= amount <= self.amount:
            raise RuleViolation(
                "SD-27",
                "a settlement recovers between nothing and the amount claimed",
                claimed=str(self.amount),
                amount=str(amount),
            )
        self.trigger_event(
            self.Settled,
            supplier=self.supplier,
            parts=self.parts,
            evidence_refs=self.evidence_refs,
            amount=amount,
            settled_by=settled_by,
        )
