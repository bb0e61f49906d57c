"""The quotation or bid document (OR-03, OR-04, OR-05).

Priced from the cost estimate (the cost calculation sheet) against the market price table, it
goes to the ``quote`` approval (the sales manager reads every price quotation sheet; leadership
too when the matrix classes it as major, or when its margin is under the company's floor). Only
the approved version is bound, sealed and issued, and a change after the approval voids it
(XC-01). After issue, the customer's feedback is followed up until the quote is won, lost or
expires."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import UUID

from kernel.approvals.domain import Approvable, ApprovalState, ApprovalStatus
from orders.domain.inquiry import Inquiry, InquiryStatus
from orders.domain.known_customer import KnownCustomer
from orders.domain.lines import signed_line
from runtime.aggregate import RuleViolation

QUOTE = "quote"
"""The authority matrix's chain for the final quotation or bid."""
BELOW_MARGIN_FLOOR = "below_margin_floor"
"""The matrix's flag (``major_if``) for a price under the rule parameters' minimum margin."""


@dataclass(frozen=True)
class QuoteLine:
    product_code: str
    description: str
    quantity: int
    unit_price: Decimal
    unit_cost: Decimal
    """OR-04: the cost estimated for one unit (the cost calculation sheet)."""

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def cost(self) -> Decimal:
        return self.unit_cost * self.quantity


def total(lines: Iterable[QuoteLine]) -> Decimal:
    return sum((line.amount for line in lines), Decimal(0))


def margin_percent(lines: Iterable[QuoteLine]) -> Decimal:
    """The share of the price above cost, in percent (0 for a quote priced at nothing)."""
    lines = tuple(lines)
    price = total(lines)
    if price == 0:
        return Decimal(0)
    cost = sum((line.cost for line in lines), Decimal(0))
    return ((price - cost) * 100 / price).quantize(Decimal("0.01"))


class QuoteStatus(StrEnum):
    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    ISSUED = "issued"
    WON = "won"
    LOST = "lost"
    EXPIRED = "expired"


def _customer_may_be_quoted(customer: KnownCustomer | None, customer_id: UUID) -> None:
    # RULES §7 row 2, CU-06: a blacklisted customer receives no quote.
    if customer is not None and customer.blacklisted:
        raise RuleViolation("CU-06", "the customer is blacklisted", customer_id=str(customer_id))


def _priced(lines: tuple[QuoteLine, ...], cost_basis_ref: str, market_price_ref: str) -> None:
    # OR-04: a price starts from the estimated cost, set against the market prices.
    if not lines:
        raise RuleViolation("OR-04", "a quote prices at least one line")
    if not cost_basis_ref.strip() or not market_price_ref.strip():
        raise RuleViolation(
            "OR-04", "a quote refers to its cost calculation sheet and market price table"
        )
    unpriced = [line.product_code for line in lines if line.unit_cost <= 0]
    if unpriced:
        raise RuleViolation(
            "OR-04", "every line is priced from its estimated unit cost", lines=unpriced
        )


class Quote(Approvable):
    document_type = "quote"

    def __init__(self) -> None:
        self.inquiry_id: UUID
        self.customer_id: UUID
        self.currency: str
        self.lines: tuple[QuoteLine, ...]
        self.cost_basis_ref: str
        self.market_price_ref: str
        self.drafted_by: str
        self.revision = 1
        """The document's revision: each change makes a new one (XC-01)."""
        self.status = QuoteStatus.DRAFT
        self.why_major: tuple[str, ...] = ()
        self.approved_hash: str | None = None
        self.issued_hash: str | None = None
        self.issued_at: datetime | None = None
        self.follow_up_due_at: datetime | None = None
        self.valid_until: datetime | None = None
        self.last_feedback: str | None = None
        self.outcome_reason: str | None = None

    class Drafted(Approvable.Created):
        inquiry_id: UUID
        customer_id: UUID
        currency: str
        lines: tuple[QuoteLine, ...]
        cost_basis_ref: str
        market_price_ref: str
        drafted_by: str

    class Revised(Approvable.Event):
        revision: int
        lines: tuple[QuoteLine, ...]
        cost_basis_ref: str
        market_price_ref: str
        revised_by: str

        def apply(self, quote: Quote) -> None:
            quote.revision, quote.lines = self.revision, self.lines
            quote.cost_basis_ref, quote.market_price_ref = (
                self.cost_basis_ref,
                self.market_price_ref,
            )
            quote.status, quote.approved_hash = QuoteStatus.DRAFT, None

    class SubmittedForApproval(Approvable.Event):
        revision: int
        total: Decimal
        margin_percent: Decimal
        major: bool
        why_major: tuple[str, ...]
        submitted_by: str

        def apply(self, quote: Quote) -> None:
            quote.status, quote.why_major = QuoteStatus.PENDING_APPROVAL, tuple(self.why_major)

    class Approved(Approvable.Event):
        revision: int
        version_hash: str
        approval_ids: tuple[UUID, ...]

        def apply(self, quote: Quote) -> None:
            quote.status, quote.approved_hash = QuoteStatus.APPROVED, self.version_hash

    class Rejected(Approvable.Event):
        revision: int
        approval_ids: tuple[UUID, ...]
        reason: str

        def apply(self, quote: Quote) -> None:
            quote.status = QuoteStatus.DRAFT

    class Issued(Approvable.Event):
        """OR-03: the approved version, bound and sealed, sent to the customer."""

        revision: int
        version_hash: str
        sealed: bool
        bound: bool
        issued_by: str
        follow_up_due_at: datetime
        valid_until: datetime

        def apply(self, quote: Quote) -> None:
            quote.status, quote.issued_hash, quote.issued_at = (
                QuoteStatus.ISSUED,
                self.version_hash,
                self.timestamp,
            )
            quote.follow_up_due_at, quote.valid_until = self.follow_up_due_at, self.valid_until

    class FollowedUp(Approvable.Event):
        feedback: str
        followed_up_by: str

        def apply(self, quote: Quote) -> None:
            quote.last_feedback, quote.follow_up_due_at = self.feedback, None

    class Won(Approvable.Event):
        feedback: str
        recorded_by: str

        def apply(self, quote: Quote) -> None:
            quote.status, quote.outcome_reason = QuoteStatus.WON, self.feedback
            quote.follow_up_due_at = None

    class Lost(Approvable.Event):
        reason: str
        recorded_by: str

        def apply(self, quote: Quote) -> None:
            quote.status, quote.outcome_reason = QuoteStatus.LOST, self.reason
            quote.follow_up_due_at = None

    class Expired(Approvable.Event):
        valid_until: datetime

        def apply(self, quote: Quote) -> None:
            quote.status, quote.follow_up_due_at = QuoteStatus.EXPIRED, None

    @property
    def total(self) -> Decimal:
        return total(self.lines)

    @property
    def margin_percent(self) -> Decimal:
        return margin_percent(self.lines)

    @classmethod
    def draft(
        cls,
        inquiry: Inquiry,
        customer: KnownCustomer | None,
        currency: str,
        lines: tuple[QuoteLine, ...],
        cost_basis_ref: str,
        market_price_ref: str,
        drafted_by: str,
    ) -> Self:
        # OR-01: a quote or bid is prepared once the decision to take part was made.
        if inquiry.status is not InquiryStatus.PREPARING:
            raise RuleViolation(
                "OR-01",
                "a quote is prepared once the decision to bid was made",
                inquiry_status=inquiry.status,
            )
        _customer_may_be_quoted(customer, inquiry.customer_id)
        _priced(lines, cost_basis_ref, market_price_ref)
        return cls._create(
            cls.Drafted,
            inquiry_id=inquiry.id,
            customer_id=inquiry.customer_id,
            currency=currency,
            lines=lines,
            cost_basis_ref=cost_basis_ref,
            market_price_ref=market_price_ref,
            drafted_by=drafted_by,
        )

    def revise(
        self,
        lines: tuple[QuoteLine, ...],
        cost_basis_ref: str,
        market_price_ref: str,
        revised_by: str,
    ) -> None:
        # OR-03: what was sent to the customer is not changed afterwards.
        if self.status not in (
            QuoteStatus.DRAFT,
            QuoteStatus.PENDING_APPROVAL,
            QuoteStatus.APPROVED,
        ):
            raise RuleViolation("OR-03", "an issued quote is not changed", status=self.status)
        _priced(lines, cost_basis_ref, market_price_ref)
        self.trigger_event(
            self.Revised,
            revision=self.revision + 1,
            lines=lines,
            cost_basis_ref=cost_basis_ref,
            market_price_ref=market_price_ref,
            revised_by=revised_by,
        )
        # XC-01: the approval covered the previous version only.
        self.content_changed()

    def submit(
        self,
        inquiry: Inquiry,
        customer: KnownCustomer | None,
        why_major: tuple[str, ...],
        submitted_by: str,
    ) -> None:
        """``why_major``: why the matrix gives the approval to leadership too, if it does."""
        if self.status is not QuoteStatus.DRAFT:
            raise RuleViolation(
                "OR-03", "only a draft is submitted for approval", status=self.status
            )
        # OR-02: the departments' input the bid needs is in before it is submitted.
        missing = inquiry.missing_inputs()
        if missing:
            raise RuleViolation(
                "OR-02",
                "the bid is submitted once the technical and purchasing input it needs is in",
                missing=[d.value for d in missing],
            )
        _customer_may_be_quoted(customer, self.customer_id)
        self.trigger_event(
            self.SubmittedForApproval,
            revision=self.revision,
            total=self.total,
            margin_percent=self.margin_percent,
            major=bool(why_major),
            why_major=why_major,
            submitted_by=submitted_by,
        )

    def issue(
        self,
        customer: KnownCustomer | None,
        issued_by: str,
        follow_up_due_at: datetime,
        valid_until: datetime,
    ) -> None:
        # OR-03: only the approved version is printed, bound and sealed.
        approval = self.approval
        if (
            self.status is not QuoteStatus.APPROVED
            or approval is None
            or approval.status is not ApprovalStatus.APPROVED
            or self.approved_hash != self.version_hash
        ):
            raise RuleViolation(
                "OR-03",
                "a quote is issued only in the version its approval covers",
                status=self.status,
            )
        _customer_may_be_quoted(customer, self.customer_id)
        self.trigger_event(
            self.Issued,
            revision=self.revision,
            version_hash=self.version_hash,
            sealed=True,
            bound=True,
            issued_by=issued_by,
            follow_up_due_at=follow_up_due_at,
            valid_until=valid_until,
        )

    # -- following up an issued quote (OR-05)

    def _open(self) -> None:
        if self.status is not QuoteStatus.ISSUED:
            raise RuleViolation(
                "OR-05", "only an issued quote still open is followed up", status=self.status
            )

    def follow_up(self, feedback: str, followed_up_by: str) -> None:
        self._open()
        # OR-05: the customer's feedback is recorded accurately.
        if not feedback.strip():
            raise RuleViolation("OR-05", "a follow-up records the customer's feedback")
        self.trigger_event(self.FollowedUp, feedback=feedback, followed_up_by=followed_up_by)

    def win(self, feedback: str, recorded_by: str) -> None:
        self._open()
        self.trigger_event(self.Won, feedback=feedback, recorded_by=recorded_by)

    def lose(self, reason: str, recorded_by: str) -> None:
        self._open()
        if not reason.strip():
            raise RuleViolation("OR-05", "a lost quote records why it was lost")
        self.trigger_event(self.Lost, reason=reason, recorded_by=recorded_by)

    def expire(self, now: datetime) -> bool:
        """Records the expiry of an issued quote past its validity; returns whether it did."""
        if self.status is not QuoteStatus.ISSUED or self.valid_until is None:
            return False
        if now < self.valid_until:
            return False
        self.trigger_event(self.Expired, valid_until=self.valid_until)
        return True

    # -- the approval (OR-03, OR-04)

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "inquiry_id": str(self.inquiry_id),
            "customer_id": str(self.customer_id),
            "currency": self.currency,
            "cost_basis_ref": self.cost_basis_ref,
            "market_price_ref": self.market_price_ref,
            "lines": [
                signed_line(line) | {"unit_cost": str(line.unit_cost)} for line in self.lines
            ],
        }

    def interested_parties(self) -> set[str]:
        return {self.drafted_by}

    def on_approved(self, approval: ApprovalState) -> None:
        self.trigger_event(
            self.Approved,
            revision=self.revision,
            version_hash=approval.subject_version_hash,
            approval_ids=(approval.approval_id,),
        )

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        self.trigger_event(
            self.Rejected,
            revision=self.revision,
            approval_ids=(approval.approval_id,),
            reason=reason,
        )
