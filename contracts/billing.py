"""Events published by the billing service on ``billing.events``.

Contract-first: customers reacts to the instruments and reconciliations (RULES §7 rows 8, 22)
before billing raises them (issue #12); until then billing publishes none of them."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import Field

from contracts.envelope import IntegrationEvent
from contracts.values import Amount, CurrencyCode, Day, Days, Instant, LongText


class InvoiceIssued(IntegrationEvent, producer="billing", aggregate_field="invoice_id"):
    """BI-01: finance issued the invoice for a shipment."""

    invoice_id: UUID
    order_id: UUID
    customer_id: UUID
    amount: Amount
    currency: CurrencyCode


class InvoiceReceiptSignedByCustomer(
    IntegrationEvent, producer="billing", aggregate_field="invoice_id"
):
    """BI-01: the customer signed for receiving the invoice."""

    invoice_id: UUID
    order_id: UUID
    customer_id: UUID
    signature_id: UUID
    signed_at: Instant


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
    """BI-14: a cheque or bill the customer gave was dishonoured (a bounced instrument). Not
    raised by billing yet (#12)."""

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
    """BI-08: the statement went to the customer to confirm. Not raised by billing yet (#12)."""


class ReconciliationDiscrepancyFound(ReconciliationEvent):
    """BI-08: the customer's balance differs from the statement's; ``explained`` once the
    difference is accounted for (a payment in transit, an invoice not yet received). Not raised
    by billing yet (#12)."""

    customer_balance: Amount
    explained: bool
    explanation: LongText | None


class CreditReviewFiguresSupplied(
    IntegrationEvent, producer="billing", aggregate_field="customer_id"
):
    """CU-11, RULES §7 row 21: billing's answer to ``CreditReviewDue``: the customer's payment
    position and exposure when the review fell due. Not raised by billing yet (#12)."""

    customer_id: UUID
    currency: CurrencyCode
    open_receivables: Amount
    overdue_receivables: Amount
    unbilled_shipments: Amount
    reservations: Amount
    paid_last_year: Amount = Field(description="Payments applied in the last 365 days")
    as_of: Instant


PUBLISHED: tuple[type[IntegrationEvent], ...] = (
    InvoiceIssued,
    InvoiceReceiptSignedByCustomer,
    PaymentApplied,
    ReceivableOverdue,
    InstrumentDishonoured,
    ReconciliationStatementIssued,
    ReconciliationDiscrepancyFound,
    CreditReviewFiguresSupplied,
)
