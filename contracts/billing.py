"""Events published by the billing service on ``billing.events``."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal
from uuid import UUID

from pydantic import Field, computed_field

from contracts.envelope import IntegrationEvent
from contracts.values import Amount, CurrencyCode, Day, Days, Instant, LongText, Name, UserId


class InvoiceIssued(IntegrationEvent, producer="billing", aggregate_field="invoice_id"):
    """BI-01: finance issued the invoice for a shipment, or (BI-16, RULES §7 row 12) for a
    service job: then ``call_id`` names the service call it bills and ``order_id`` carries the
    call's id too, the key of the job's one invoice."""

    invoice_id: UUID
    order_id: UUID
    customer_id: UUID
    amount: Amount
    currency: CurrencyCode
    call_id: UUID | None = None


class InvoiceReceiptSignedByCustomer(
    IntegrationEvent, producer="billing", aggregate_field="invoice_id"
):
    """BI-01: the customer signed for receiving the invoice."""

    invoice_id: UUID
    order_id: UUID
    customer_id: UUID
    signature_id: UUID
    signed_at: Instant


class InvoicePaidInFull(IntegrationEvent, producer="billing", aggregate_field="invoice_id"):
    """BI-09: the invoice is paid, net of its credit notes: the sale is complete (orders marks
    its order paid, RULES §7 row 7). For a service job's invoice ``call_id`` names the call and
    ``order_id`` carries its id too."""

    invoice_id: UUID
    order_id: UUID
    customer_id: UUID
    paid: Amount
    call_id: UUID | None = None


class CreditNoteIssued(IntegrationEvent, producer="billing", aggregate_field="credit_note_id"):
    """BI-18: finance issued the red-letter invoice that reverses a return's goods on the
    order's invoice: the return's cycle ends (RULES §8, request → credit note)."""

    credit_note_id: UUID
    return_id: UUID
    order_id: UUID
    customer_id: UUID
    original_invoice_id: UUID
    amount: Amount
    currency: CurrencyCode
    issued_at: Instant


class PaymentApplied(IntegrationEvent, producer="billing", aggregate_field="payment_id"):
    """BI-04, BI-09: a payment received from the customer, applied to the invoices
    ``applied_to``."""

    payment_id: UUID
    customer_id: UUID
    amount: Amount
    currency: CurrencyCode
    method: Literal["bank_transfer", "cheque", "acceptance_bill", "bank_draft", "cash"]
    applied_to: list[UUID] = Field(min_length=1, max_length=200)
    received_at: Instant


class ReceivableOverdue(IntegrationEvent, producer="billing", aggregate_field="receivable_id"):
    """BI-11: a receivable is overdue beyond billing's ``threshold`` in days (raised once per
    receivable; a receivable is one invoice, ``receivable_id`` is the invoice's id)."""

    receivable_id: UUID
    invoice_id: UUID
    customer_id: UUID
    amount: Amount
    currency: CurrencyCode
    days_overdue: Days
    threshold: Days


class InstrumentDishonoured(IntegrationEvent, producer="billing", aggregate_field="instrument_id"):
    """BI-14: a cheque or bill the customer gave was dishonoured (a bounced instrument)."""

    instrument_id: UUID
    customer_id: UUID
    instrument_type: Literal["cheque", "acceptance_bill", "bank_draft"]
    amount: Amount
    currency: CurrencyCode
    maturity: Day
    reason: LongText


class ReconciliationEvent(IntegrationEvent, producer="billing", aggregate_field="statement_id"):
    """BI-08: the statement of account reconciled with the customer at the end of June (H1) and
    of December (H2)."""

    statement_id: UUID
    customer_id: UUID
    year: int = Field(ge=2000, le=2099)
    period: Literal["H1", "H2"]
    balance: Amount
    currency: CurrencyCode


class ReconciliationStatementIssued(ReconciliationEvent):
    """BI-08: the statement went to the customer to confirm."""


class ReconciliationDiscrepancyFound(ReconciliationEvent):
    """BI-08: the customer's balance differs from the statement's; ``explained`` once the
    difference is accounted for (a payment in transit, an invoice not yet received)."""

    customer_balance: Amount
    explained: bool
    explanation: LongText | None


class CreditReviewFiguresSupplied(
    IntegrationEvent, producer="billing", aggregate_field="customer_id"
):
    """CU-11, RULES §7 row 21: billing's answer to ``CreditReviewDue``: the customer's payment
    position and exposure when the review fell due."""

    customer_id: UUID
    currency: CurrencyCode
    open_receivables: Amount
    overdue_receivables: Amount
    unbilled_shipments: Amount
    reservations: Amount
    as_of: Instant


class CreditEvent(IntegrationEvent, producer="billing", aggregate_field="customer_id"):
    """BI-11: the customer's credit exposure, one aggregate per customer: open receivables +
    unbilled shipments + active reservations, against the credit limit customers approved."""

    customer_id: UUID
    currency: CurrencyCode
    credit_limit: Amount
    exposure: Amount


class CreditReserved(CreditEvent):
    """OR-18, BI-11: the order's amount is reserved against the customer's credit;
    ``exposure`` is the customer's before this reservation."""

    order_id: UUID
    amount: Amount
    over_credit_approved: bool


class CreditDeclined(CreditEvent):
    """OR-18, BI-11: nothing reserved for the order: over the limit (an over-credit sale may be
    approved), or the customer is on credit hold or blacklisted (no override; billing answers
    again once the hold is released); ``exposure`` is the customer's without this order."""

    order_id: UUID
    amount: Amount
    reason: Literal["over_limit", "credit_hold", "blacklisted"]


class CustomerExposureChanged(CreditEvent):
    """BI-11: the customer's exposure after a reservation, its release or withdrawal, a
    shipment, an invoice, a payment or a new limit."""

    open_receivables: Amount
    unbilled_shipments: Amount
    reserved: Amount

    @computed_field  # type: ignore[prop-decorator]
    @property
    def utilisation(self) -> Decimal | None:
        """The exposure as a percentage of the limit (none without a limit)."""
        if self.credit_limit <= 0:
            return None
        return (self.exposure * 100 / self.credit_limit).quantize(Decimal("0.01"))


class CashAdvanceEvent(IntegrationEvent, producer="billing", aggregate_field="advance_id"):
    advance_id: UUID
    employee_id: UserId
    amount: Amount = Field(gt=0)
    call_id: UUID | None = None
    """RULES §7 row 19: the service call of the trip, which service-desk links the advance to."""


class CashAdvanceIssued(CashAdvanceEvent):
    """BI-24 (RULES §7 row 19): finance handed the employee a cash advance for a trip."""

    trip_ref: Name
    issued_by: UserId


class CashAdvanceSettled(CashAdvanceEvent):
    """BI-24 (RULES §7 row 19): ``amount`` of the advance settled, netted against the
    reimbursement ``claim_id`` or repaid in cash (no claim); ``outstanding`` is what stays open,
    the advance settled at 0."""

    claim_id: UUID | None
    settled_by: UserId
    outstanding: Amount | None = Field(default=None, ge=0)


PUBLISHED: tuple[type[IntegrationEvent], ...] = (
    InvoiceIssued,
    InvoiceReceiptSignedByCustomer,
    InvoicePaidInFull,
    CreditNoteIssued,
    PaymentApplied,
    ReceivableOverdue,
    InstrumentDishonoured,
    ReconciliationStatementIssued,
    ReconciliationDiscrepancyFound,
    CreditReviewFiguresSupplied,
    CreditReserved,
    CreditDeclined,
    CustomerExposureChanged,
    CashAdvanceIssued,
    CashAdvanceSettled,
)
