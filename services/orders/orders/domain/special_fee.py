"""A special fee a customer asks for (OR-15): market promotion fees, temporary staff costs and
the like.

The salesperson records the customer's request with the fee, its amount and how it would be paid.
It goes to the authority matrix's ``special_fee`` chain: the sales manager agrees to it, then
leadership approves the form of payment. Only then may it be promised to the customer, and only
then does billing learn of it to pay it in the approved form (``SpecialFeePaymentFormApproved``).
A change of amount or form after approval is a new request, never an edit (XC-01)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import UUID

from kernel.approvals.domain import Approvable, ApprovalState
from kernel.roles import SALES
from orders.domain.known_customer import KnownCustomer, trading_customer
from orders.domain.staff import acting_as
from runtime.aggregate import RuleViolation

SPECIAL_FEE = "special_fee"
"""The authority matrix's chain: the sales manager, then leadership on the form of payment."""


class FeeType(StrEnum):
    MARKET_PROMOTION = "market_promotion"
    TEMPORARY_STAFF = "temporary_staff"
    OTHER = "other"


class PaymentForm(StrEnum):
    """OR-15: how the fee is paid, which leadership approves before it is executed."""

    CASH = "cash"
    DISCOUNT = "discount"
    CREDIT_NOTE = "credit_note"


class SpecialFeeStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    """The sales manager agreed and leadership approved the form of payment."""
    REJECTED = "rejected"
    PROMISED = "promised"
    """Promised to the customer, after the approval."""


class SpecialFee(Approvable):
    document_type = "special_fee"

    def __init__(self) -> None:
        self.customer_id: UUID
        self.fee_type: FeeType
        self.amount: Decimal
        self.currency: str
        self.payment_form: PaymentForm
        self.purpose: str
        self.requested_by: str
        self.status = SpecialFeeStatus.PENDING_APPROVAL
        self.promised_by: str | None = None

    class Requested(Approvable.Created):
        """``SpecialFeeRequested``."""

        customer_id: UUID
        fee_type: FeeType
        amount: Decimal
        currency: str
        payment_form: PaymentForm
        purpose: str
        requested_by: str

    class PaymentFormApproved(Approvable.Event):
        """OR-15 (``SpecialFeePaymentFormApproved``): the sales manager agreed and leadership
        approved how it is paid; billing pays it in that form."""

        customer_id: UUID
        fee_type: FeeType
        amount: Decimal
        currency: str
        payment_form: PaymentForm
        approval_ids: tuple[UUID, ...]

        def apply(self, fee: SpecialFee) -> None:
            fee.status = SpecialFeeStatus.APPROVED

    class Rejected(Approvable.Event):
        reason: str
        approval_ids: tuple[UUID, ...]

        def apply(self, fee: SpecialFee) -> None:
            fee.status = SpecialFeeStatus.REJECTED

    class Promised(Approvable.Event):
        """OR-15: the approved fee promised to the customer."""

        promised_by: str

        def apply(self, fee: SpecialFee) -> None:
            fee.status, fee.promised_by = SpecialFeeStatus.PROMISED, self.promised_by

    @classmethod
    def request(
        cls,
        customer: KnownCustomer | None,
        fee_type: FeeType,
        amount: Decimal,
        payment_form: PaymentForm,
        purpose: str,
        requested_by: str,
        roles: frozenset[str],
    ) -> Self:
        acting_as(SALES, roles, "OR-15", "recording a customer's special fee request")
        known = trading_customer(customer)
        # OR-15: the sales manager and leadership decide on a stated amount and purpose.
        if amount <= 0:
            raise RuleViolation("OR-15", "a special fee states a positive amount")
        if not purpose.strip():
            raise RuleViolation("OR-15", "a special fee states what the customer asks it for")
        return cls._create(
            cls.Requested,
            customer_id=known.id,
            fee_type=fee_type,
            amount=amount,
            currency=known.trading_currency,
            payment_form=payment_form,
            purpose=purpose,
            requested_by=requested_by,
        )

    def promise(self, promised_by: str) -> None:
        # OR-15: promised only once the sales manager agreed and leadership approved the form.
        if self.status is not SpecialFeeStatus.APPROVED:
            raise RuleViolation(
                "OR-15",
                "a special fee is promised only after the sales manager agreed to it and "
                "leadership approved how it is paid",
                status=self.status,
            )
        self.trigger_event(self.Promised, promised_by=promised_by)

    # -- the approval (OR-15)

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "customer_id": str(self.customer_id),
            "fee_type": self.fee_type,
            "amount": str(self.amount),
            "currency": self.currency,
            "payment_form": self.payment_form,
            "purpose": self.purpose,
        }

    def interested_parties(self) -> set[str]:
        return {self.requested_by}

    def on_approved(self, approval: ApprovalState) -> None:
        self.trigger_event(
            self.PaymentFormApproved,
            customer_id=self.customer_id,
            fee_type=self.fee_type,
            amount=self.amount,
            currency=self.currency,
            payment_form=self.payment_form,
            approval_ids=(approval.approval_id,),
        )

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        self.trigger_event(self.Rejected, reason=reason, approval_ids=(approval.approval_id,))
