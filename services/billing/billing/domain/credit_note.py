"""The red-letter invoice or credit note (BI-18): a return's red outbound order reverses what was
invoiced for the goods returned. The sales manager and finance approve it (the matrix's
``red_letter_invoice`` chain); finance then issues it against the original invoice, whose
receivable it reduces. Nothing is deleted or overwritten: the correction is its own document."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import NAMESPACE_OID, UUID, uuid5

from billing.domain.duties import handles_money
from billing.domain.invoice_request import InvoiceLine, lines_total
from kernel.approvals.domain import Approvable, ApprovalState
from runtime.aggregate import RuleViolation

CREDIT_NOTE_KIND = "red_letter_invoice"


class CreditNoteStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REJECTED = "rejected"
    ISSUED = "issued"


class CreditNote(Approvable):
    document_type = "credit_note"

    def __init__(self) -> None:
        self.return_id: UUID
        self.order_id: UUID
        self.customer_id: UUID
        self.original_invoice_id: UUID
        self.currency: str
        self.lines: tuple[InvoiceLine, ...]
        self.status = CreditNoteStatus.REQUESTED
        self.number: str | None = None

    class Requested(Approvable.Created):
        """BI-18: the returned goods to reverse, from orders' red outbound order (OR-28)."""

        return_id: UUID
        order_id: UUID
        customer_id: UUID
        original_invoice_id: UUID
        currency: str
        lines: tuple[InvoiceLine, ...]

    class Approved(Approvable.Event):
        def apply(self, note: CreditNote) -> None:
            note.status = CreditNoteStatus.APPROVED

    class Rejected(Approvable.Event):
        reason: str

        def apply(self, note: CreditNote) -> None:
            note.status = CreditNoteStatus.REJECTED

    class Issued(Approvable.Event):
        """BI-18: the red-letter invoice (RedLetterInvoiceIssued), linked to the original."""

        number: str
        issued_by: str
        original_invoice_id: UUID
        amount: Decimal
        return_id: UUID
        order_id: UUID
        customer_id: UUID
        currency: str
        issued_at: datetime

        def apply(self, note: CreditNote) -> None:
            note.status, note.number = CreditNoteStatus.ISSUED, self.number

    @staticmethod
    def id_for(return_id: UUID) -> UUID:
        # One credit note per return: a redelivered red outbound order finds it.
        return uuid5(NAMESPACE_OID, f"credit-note:{return_id}")

    @classmethod
    def request(
        cls,
        return_id: UUID,
        order_id: UUID,
        customer_id: UUID,
        original_invoice_id: UUID,
        currency: str,
        lines: tuple[InvoiceLine, ...],
    ) -> Self:
        return cls._create(
            cls.Requested,
            id=cls.id_for(return_id),
            return_id=return_id,
            order_id=order_id,
            customer_id=customer_id,
            original_invoice_id=original_invoice_id,
            currency=currency,
            lines=lines,
        )

    @property
    def amount(self) -> Decimal:
        return lines_total(self.lines)

    def issue(self, number: str, issued_by: str, roles: Iterable[str], now: datetime) -> None:
        # BI-15: finance issues the red-letter invoice, never a salesperson.
        handles_money(issued_by, roles, "a red-letter invoice")
        # BI-18: a red-letter invoice needs the sales manager's and finance's approval, once.
        if self.status is not CreditNoteStatus.APPROVED:
            raise RuleViolation(
                "BI-18",
                "a credit note is issued once, after the sales manager and finance approved it",
                status=self.status.value,
            )
        self.trigger_event(
            self.Issued,
            number=number,
            issued_by=issued_by,
            original_invoice_id=self.original_invoice_id,
            amount=self.amount,
            return_id=self.return_id,
            order_id=self.order_id,
            customer_id=self.customer_id,
            currency=self.currency,
            issued_at=now,
        )

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "return_id": str(self.return_id),
            "original_invoice_id": str(self.original_invoice_id),
            "currency": self.currency,
            "lines": [
                [line.product_code, line.quantity, str(line.unit_price)] for line in self.lines
            ],
        }

    def on_approved(self, approval: ApprovalState) -> None:
        if self.status is CreditNoteStatus.REQUESTED:
            self.trigger_event(self.Approved)

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        if self.status is CreditNoteStatus.REQUESTED:
            self.trigger_event(self.Rejected, reason=reason)
