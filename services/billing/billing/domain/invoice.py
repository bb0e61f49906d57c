"""Invoices and the receivables they open (BI-01, BI-02, BI-09, BI-19).

Issued by finance from a reviewed invoice request (``issue_requested``). An issued invoice is a
receivable due by its contract's payment terms; it is dispatched and entered in the register, the
customer signs for it through their own channel, and payments applied to it settle it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import NAMESPACE_OID, UUID, uuid5

from kernel.approvals.domain import Capacity
from kernel.signing.domain import Signable, SigningSheet
from runtime.aggregate import Aggregate, RuleViolation
from runtime.clock import SKEW


class InvoiceStatus(StrEnum):
    ISSUED = "issued"
    AWAITING_CUSTOMER_SIGNATURE = "awaiting_customer_signature"
    DELIVERED = "delivered"


class Invoice(Signable):
    """BI-01: one invoice per order."""

    document_type = "invoice"

    def __init__(self) -> None:
        self.order_id: UUID
        self.customer_id: UUID
        self.amount: Decimal
        self.currency: str
        self.account_owner_id: str | None
        self.request_id: UUID | None = None
        self.call_id: UUID | None = None
        self.number: str | None = None
        self.issued_by: str | None = None
        self.issued_on: date | None = None
        self.due_on: date | None = None
        self.payment_terms_days: int | None = None
        self.status = InvoiceStatus.ISSUED
        self.register_number: str | None = None
        self.dispatched_at: datetime | None = None
        self.receipt_signed_at: datetime | None = None
        self.paid = Decimal(0)
        self.credited = Decimal(0)
        self.written_off = Decimal(0)
        self.overdue_reported = False
        self.paid_in_full = False

    class Issued(Aggregate.Created):
        order_id: UUID
        customer_id: UUID
        amount: Decimal
        currency: str
        account_owner_id: str | None = None
        """CU-15: the customer's account owner when the invoice was issued."""
        request_id: UUID | None = None
        """BI-01: the reviewed invoice request it was issued on (none on the invoices once issued
        straight from a shipment, before requests were reviewed)."""
        number: str | None = None
        issued_by: str | None = None
        issued_on: date | None = None
        """The day it was issued, in the company calendar's zone."""
        due_on: date | None = None
        """BI-19: when the receivable falls due, from the contract's payment terms."""
        payment_terms_days: int | None = None
        call_id: UUID | None = None
        """BI-16: the service call a type-A job's invoice bills (``order_id`` is its id too)."""

    class Dispatched(Aggregate.Event):
        """BI-02: sent to the customer and entered in the invoice register."""

        register_number: str
        dispatched_by: str

        def apply(self, invoice: Invoice) -> None:
            invoice.status = InvoiceStatus.AWAITING_CUSTOMER_SIGNATURE
            invoice.register_number, invoice.dispatched_at = self.register_number, self.timestamp

    class ReceiptSigned(Aggregate.Event):
        """BI-01: the customer signed for receiving the invoice: it counts as delivered."""

        order_id: UUID
        customer_id: UUID
        signature_id: UUID
        signed_at: datetime

        def apply(self, invoice: Invoice) -> None:
            invoice.status, invoice.receipt_signed_at = InvoiceStatus.DELIVERED, self.signed_at

    class PaymentApplied(Aggregate.Event):
        """BI-09: part of a payment settled this much of the invoice (exposure hook: the
        invoice's id and the amount paid)."""

        payment_id: UUID
        paid: Decimal
        paid_on: date | None = None
        """The day the money reached the company, in the calendar's zone (aging as of a day)."""

        def apply(self, invoice: Invoice) -> None:
            invoice.paid += self.paid

    class PaidInFull(Aggregate.Event):
        """BI-09, RULES §4.3: the invoice is paid, net of its credit notes: the sale is
        complete (orders marks the order paid, §7 row 7)."""

        order_id: UUID
        customer_id: UUID
        paid: Decimal
        call_id: UUID | None = None

        def apply(self, invoice: Invoice) -> None:
            invoice.paid_in_full = True

    class Credited(Aggregate.Event):
        """BI-18: a red-letter invoice reversed part of it (exposure hook: the invoice's id and
        the amount no longer owed)."""

        credit_note_id: UUID
        credited: Decimal

        def apply(self, invoice: Invoice) -> None:
            invoice.credited += self.credited

    class WrittenOff(Aggregate.Event):
        """BI-12: the reviewed bad debt was written off (exposure hook: the invoice's id and the
        amount no longer counted as open)."""

        bad_debt_id: UUID
        written_off: Decimal

        def apply(self, invoice: Invoice) -> None:
            invoice.written_off += self.written_off

    class Overdue(Aggregate.Event):
        """BI-11: overdue beyond the threshold; raised once per receivable."""

        invoice_id: UUID
        customer_id: UUID
        amount: Decimal
        currency: str
        days_overdue: int
        threshold: int

        def apply(self, invoice: Invoice) -> None:
            invoice.overdue_reported = True

    class Reassigned(Aggregate.Event):
        """CU-15, CU-22: the receivable passed to the account's new owner."""

        account_owner_id: str
        handover_id: UUID | None

        def apply(self, invoice: Invoice) -> None:
            invoice.account_owner_id = self.account_owner_id

    @staticmethod
    def id_for(order_id: UUID) -> UUID:
        # Derived from the order, so a second attempt for the same shipment collides, never doubles.
        return uuid5(NAMESPACE_OID, f"invoice:{order_id}")

    @classmethod
    def issue_requested(
        cls,
        request_id: UUID,
        order_id: UUID,
        customer_id: UUID,
        amount: Decimal,
        currency: str,
        account_owner_id: str | None,
        number: str,
        issued_by: str,
        issued_on: date,
        payment_terms_days: int,
        call_id: UUID | None = None,
    ) -> Self:
        """BI-01, BI-19: finance issues the order's one invoice on its reviewed request; the
        receivable falls due ``payment_terms_days`` after ``issued_on``."""
        return cls._create(
            cls.Issued,
            id=cls.id_for(order_id),
            order_id=order_id,
            customer_id=customer_id,
            amount=amount,
            currency=currency,
            account_owner_id=account_owner_id,
            request_id=request_id,
            number=number,
            issued_by=issued_by,
            issued_on=issued_on,
            due_on=date.fromordinal(issued_on.toordinal() + payment_terms_days),
            payment_terms_days=payment_terms_days,
            call_id=call_id,
        )

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.credited - self.paid - self.written_off

    @property
    def settled(self) -> bool:
        """BI-09: the sale is complete only once the invoice is fully paid (net of credit
        notes, BI-18); a written-off one (BI-12) is closed too, nothing left to collect."""
        return self.outstanding <= 0

    def credit(self, credit_note_id: UUID, amount: Decimal) -> None:
        # BI-18: a credit note reverses at most what the invoice still says is owed.
        if amount <= 0 or amount > self.amount - self.credited:
            raise RuleViolation(
                "BI-18",
                "a credit note reverses at most what is left of the original invoice",
                invoice_id=str(self.id),
                left=str(self.amount - self.credited),
            )
        self.trigger_event(self.Credited, credit_note_id=credit_note_id, credited=amount)
        self._complete_if_paid()

    def write_off(self, bad_debt_id: UUID, amount: Decimal) -> None:
        # BI-12: a write-off takes off at most what is still owed.
        if amount <= 0 or amount > self.outstanding:
            raise RuleViolation(
                "BI-12",
                "a write-off takes off at most what is still owed on the invoice",
                invoice_id=str(self.id),
                outstanding=str(self.outstanding),
            )
        self.trigger_event(self.WrittenOff, bad_debt_id=bad_debt_id, written_off=amount)

    def dispatch(self, register_number: str, dispatched_by: str) -> None:
        # BI-02: every invoice sent is registered, once.
        if self.request_id is None or self.status is not InvoiceStatus.ISSUED:
            raise RuleViolation(
                "BI-02",
                "only an issued invoice not yet sent is dispatched and registered",
                status=self.status.value,
            )
        self.trigger_event(
            self.Dispatched, register_number=register_number, dispatched_by=dispatched_by
        )

    def apply_payment(self, payment_id: UUID, paid: Decimal, paid_on: date) -> None:
        # BI-09: nothing is paid beyond what is owed.
        if paid <= 0 or paid > self.outstanding:
            raise RuleViolation(
                "BI-09",
                "a payment applies at most what is still owed on the invoice",
                invoice_id=str(self.id),
                outstanding=str(self.outstanding),
            )
        self.trigger_event(self.PaymentApplied, payment_id=payment_id, paid=paid, paid_on=paid_on)
        self._complete_if_paid()

    def _complete_if_paid(self) -> None:
        # Paid, not written off: a bad debt closes the invoice but completes no sale (BI-12).
        complete = self.outstanding <= 0 and self.paid > 0 and not self.written_off
        if complete and not self.paid_in_full:
            self.trigger_event(
                self.PaidInFull,
                order_id=self.order_id,
                customer_id=self.customer_id,
                paid=self.paid,
                call_id=self.call_id,
            )

    def days_overdue(self, today: date) -> int:
        return 0 if self.due_on is None else max(0, (today - self.due_on).days)

    def report_overdue(self, today: date, threshold: int) -> bool:
        """BI-11: once the receivable is more than ``threshold`` days overdue, say so, once."""
        days = self.days_overdue(today)
        if self.overdue_reported or self.settled or self.due_on is None or days <= threshold:
            return False
        self.trigger_event(
            self.Overdue,
            invoice_id=self.id,
            customer_id=self.customer_id,
            amount=self.outstanding,
            currency=self.currency,
            days_overdue=days,
            threshold=threshold,
        )
        return True

    # -- the customer's signature on the invoice receipt (BI-01)

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "order_id": str(self.order_id),
            "customer_id": str(self.customer_id),
            "number": self.number,
            "amount": str(self.amount),
            "currency": self.currency,
            "register_number": self.register_number,
        }

    def signature_allowed(self, capacity: Capacity) -> None:
        if capacity is not Capacity.CUSTOMER:
            return
        # BI-01, BI-02: the customer signs for an invoice that was sent and registered, once.
        if self.status is InvoiceStatus.ISSUED:
            raise RuleViolation(
                "BI-02",
                "the customer signs for an invoice only once it was dispatched and registered",
                status=self.status.value,
            )
        if self.status is InvoiceStatus.DELIVERED:
            raise RuleViolation("BI-01", "the customer has already signed for this invoice")

    def on_customer_signed(self, signed_at: datetime) -> None:
        assert self.dispatched_at is not None
        if signed_at < self.dispatched_at - SKEW:
            raise RuleViolation(
                "BI-01", "the customer signs for an invoice after it was dispatched"
            )
        signature_id = next(reversed(self.signatures))
        self.trigger_event(
            self.ReceiptSigned,
            order_id=self.order_id,
            customer_id=self.customer_id,
            signature_id=signature_id,
            signed_at=signed_at,
        )

    def signing_sheet(self) -> SigningSheet:
        return SigningSheet(
            title="Invoice receipt",
            facts=(
                ("Invoice", self.number or str(self.id)),
                ("Register number", self.register_number or ""),
                ("Order", str(self.order_id)),
                ("Amount", f"{self.amount:,.2f} {self.currency}"),
                ("Due", "" if self.due_on is None else self.due_on.isoformat()),
            ),
        )

    def reassign(self, owner_id: str, handover_id: UUID | None) -> None:
        """CU-15, CU-22: an open receivable follows the account to its new owner; a settled
        one keeps the owner it was collected under."""
        if not self.settled and owner_id != self.account_owner_id:
            self.trigger_event(self.Reassigned, account_owner_id=owner_id, handover_id=handover_id)
