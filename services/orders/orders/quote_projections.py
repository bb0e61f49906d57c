"""Read tables of the sales pipeline: the leads reported to the manager (OR-35), the inquiries and
tenders with their go / no-go decision (OR-01), and the quotes with their follow-up (OR-05)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from pydantic import AliasChoices, Field
from sqlalchemy import Connection, func, select

from contracts.values import ShortText, UserId
from orders.domain.inquiry import Decision, Inquiry, InquiryKind, InquiryStatus
from orders.domain.lead import Lead, LeadStatus
from orders.domain.quote import Quote, QuoteStatus, total
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity

# -- OR-35: leads


class LeadView(View):
    lead_id: UUID = identity("lead_id")
    customer_id: UUID | None
    source: ShortText
    summary: str = Field(max_length=2000)
    registered_by: UserId
    reported_at: datetime = Field(validation_alias=AliasChoices("reported_at", "created_on"))
    status: LeadStatus
    action: str | None = Field(max_length=2000)
    act_by: datetime | None = Field(description="OR-35: the planned date to act by")
    inquiry_id: UUID | None = Field(description="OR-35: the inquiry the lead turned into")
    acted_at: datetime | None
    version: int


LEADS = ReadTable(LeadView, "leads", sortable=("reported_at", "act_by"), filters=("status",))
leads = Projection("leads", LEADS.table)


@leads.on(Lead.Registered)
def _lead_registered(event: Lead.Registered, db: Connection) -> None:
    LEADS.insert(
        db,
        event,
        reported_at=event.timestamp,
        status=LeadStatus.REPORTED,
        action=None,
        act_by=None,
        inquiry_id=None,
        acted_at=None,
    )


@leads.on(Lead.Qualified)
def _lead_qualified(event: Lead.Qualified, db: Connection) -> None:
    status = LeadStatus.QUALIFIED if event.valuable else LeadStatus.DISMISSED
    LEADS.update(db, event, status=status, action=event.action, act_by=event.act_by)


@leads.on(Lead.ActedOn)
def _lead_acted_on(event: Lead.ActedOn, db: Connection) -> None:
    LEADS.update(
        db,
        event,
        status=LeadStatus.ACTED_ON,
        inquiry_id=event.inquiry_id,
        acted_at=event.timestamp,
    )


# -- OR-01: inquiries and tenders


class InquirySummary(View):
    inquiry_id: UUID = identity("inquiry_id")
    customer_id: UUID
    kind: InquiryKind
    estimated_value: Money
    deadline: datetime | None
    registered_by: UserId
    reported_to_manager_at: datetime
    status: InquiryStatus
    version: int


INQUIRIES = ReadTable(
    InquirySummary,
    "inquiries",
    sortable=("reported_to_manager_at", "deadline", "estimated_value"),
    filters=("status", "customer_id", "kind"),
)
inquiries = Projection("inquiries", INQUIRIES.table)


@inquiries.on(Inquiry.Registered)
def _inquiry_registered(event: Inquiry.Registered, db: Connection) -> None:
    INQUIRIES.insert(
        db,
        event,
        reported_to_manager_at=event.timestamp,
        status=InquiryStatus.AWAITING_DECISION,
    )


@inquiries.on(Inquiry.BidParticipationDecided)
def _bid_decided(event: Inquiry.BidParticipationDecided, db: Connection) -> None:
    go = event.decision == Decision.GO
    INQUIRIES.update(db, event, status=InquiryStatus.PREPARING if go else InquiryStatus.DECLINED)


# -- RULES §8: how long the sales pipeline takes (OR-01, OR-03)


def seconds_between(start: datetime, end: datetime) -> Decimal:
    return Decimal(max((end - start).total_seconds(), 0.0)).quantize(Decimal("0.001"))


class GoNoGoTime(View):
    """OR-01: how long an inquiry waited from its report to the manager to the decision."""

    inquiry_id: UUID = identity("inquiry_id")
    reported_at: datetime
    decision: Decision | None = Field(description="Go or no-go, once decided")
    seconds: Decimal | None = Field(max_digits=16, decimal_places=3)
    version: int


GO_NO_GO_TIMES = ReadTable(
    GoNoGoTime, "go_no_go_times", sortable=("reported_at",), filters=("decision",)
)


class QuoteTurnaround(View):
    """OR-03: from the inquiry's report to the approved quote, and from the approval to its
    issue to the customer."""

    quote_id: UUID = identity("quote_id")
    inquiry_reported_at: datetime
    approved_at: datetime | None
    to_approval_seconds: Decimal | None = Field(max_digits=16, decimal_places=3)
    to_issue_seconds: Decimal | None = Field(max_digits=16, decimal_places=3)
    version: int


QUOTE_TURNAROUNDS = ReadTable(
    QuoteTurnaround, "quote_turnarounds", sortable=("inquiry_reported_at",)
)
pipeline_times = Projection("pipeline_times", GO_NO_GO_TIMES.table, QUOTE_TURNAROUNDS.table)
"""One projection, so a quote's row finds its inquiry's report already there."""


@pipeline_times.on(Inquiry.Registered)
def _go_no_go_asked(event: Inquiry.Registered, db: Connection) -> None:
    GO_NO_GO_TIMES.insert(db, event, reported_at=event.timestamp, decision=None, seconds=None)


@pipeline_times.on(Inquiry.BidParticipationDecided)
def _go_no_go_decided(event: Inquiry.BidParticipationDecided, db: Connection) -> None:
    asked = GO_NO_GO_TIMES.get(db, event.originator_id)
    assert asked is not None
    seconds = seconds_between(asked.reported_at, event.timestamp)
    GO_NO_GO_TIMES.update(db, event, decision=event.decision, seconds=seconds)


@pipeline_times.on(Quote.Drafted)
def _turnaround_started(event: Quote.Drafted, db: Connection) -> None:
    inquiry = GO_NO_GO_TIMES.get(db, event.inquiry_id)
    if inquiry is None:
        return  # OR-01: a quote answers a reported inquiry; without one there is no clock
    QUOTE_TURNAROUNDS.insert(
        db,
        event,
        inquiry_reported_at=inquiry.reported_at,
        approved_at=None,
        to_approval_seconds=None,
        to_issue_seconds=None,
    )


@pipeline_times.on(Quote.Approved)
def _turnaround_approved(event: Quote.Approved, db: Connection) -> None:
    # A revision approved again restarts the wait for the issue from its own approval.
    quote = QUOTE_TURNAROUNDS.get(db, event.originator_id)
    if quote is None:
        return
    seconds = seconds_between(quote.inquiry_reported_at, event.timestamp)
    QUOTE_TURNAROUNDS.update(
        db, event, approved_at=event.timestamp, to_approval_seconds=seconds, to_issue_seconds=None
    )


@pipeline_times.on(Quote.Issued)
def _turnaround_issued(event: Quote.Issued, db: Connection) -> None:
    quote = QUOTE_TURNAROUNDS.get(db, event.originator_id)
    if quote is None or quote.approved_at is None:
        return  # OR-03: only an approved quote is issued
    QUOTE_TURNAROUNDS.update(
        db, event, to_issue_seconds=seconds_between(quote.approved_at, event.timestamp)
    )


# -- OR-03, OR-05: quotes and their follow-up


class QuoteSummary(View):
    quote_id: UUID = identity("quote_id")
    inquiry_id: UUID
    customer_id: UUID
    status: QuoteStatus
    revision: int
    total: Money
    currency: str = Field(max_length=3)
    drafted_by: UserId
    issued_at: datetime | None
    follow_up_due_at: datetime | None = Field(
        description="OR-05: when the customer's feedback is due to be followed up"
    )
    valid_until: datetime | None
    version: int


QUOTES = ReadTable(
    QuoteSummary,
    "quotes",
    sortable=("follow_up_due_at", "valid_until", "total"),
    filters=("status", "customer_id", "inquiry_id"),
)
quotes = Projection("quotes", QUOTES.table)


@quotes.on(Quote.Drafted)
def _quote_drafted(event: Quote.Drafted, db: Connection) -> None:
    QUOTES.insert(
        db,
        event,
        status=QuoteStatus.DRAFT,
        revision=1,
        total=total(event.lines),
        issued_at=None,
        follow_up_due_at=None,
        valid_until=None,
    )


@quotes.on(Quote.Revised)
def _quote_revised(event: Quote.Revised, db: Connection) -> None:
    QUOTES.update(
        db, event, status=QuoteStatus.DRAFT, revision=event.revision, total=total(event.lines)
    )


@quotes.on(Quote.SubmittedForApproval)
def _quote_submitted(event: Quote.SubmittedForApproval, db: Connection) -> None:
    QUOTES.update(db, event, status=QuoteStatus.PENDING_APPROVAL)


@quotes.on(Quote.Approved)
def _quote_approved(event: Quote.Approved, db: Connection) -> None:
    QUOTES.update(db, event, status=QuoteStatus.APPROVED)


@quotes.on(Quote.Rejected)
def _quote_rejected(event: Quote.Rejected, db: Connection) -> None:
    QUOTES.update(db, event, status=QuoteStatus.DRAFT)


@quotes.on(Quote.Issued)
def _quote_issued(event: Quote.Issued, db: Connection) -> None:
    QUOTES.update(
        db,
        event,
        status=QuoteStatus.ISSUED,
        issued_at=event.timestamp,
        follow_up_due_at=event.follow_up_due_at,
        valid_until=event.valid_until,
    )


@quotes.on(Quote.FollowedUp)
def _quote_followed_up(event: Quote.FollowedUp, db: Connection) -> None:
    QUOTES.update(db, event, follow_up_due_at=None)


@quotes.on(Quote.Won)
def _quote_won(event: Quote.Won, db: Connection) -> None:
    QUOTES.update(db, event, status=QuoteStatus.WON, follow_up_due_at=None)


@quotes.on(Quote.Lost)
def _quote_lost(event: Quote.Lost, db: Connection) -> None:
    QUOTES.update(db, event, status=QuoteStatus.LOST, follow_up_due_at=None)


@quotes.on(Quote.Expired)
def _quote_expired(event: Quote.Expired, db: Connection) -> None:
    QUOTES.update(db, event, status=QuoteStatus.EXPIRED, follow_up_due_at=None)


def expired_quotes(db: Connection, now: datetime) -> list[UUID]:
    """OR-05: issued quotes past their validity, still unanswered."""
    columns = QUOTES.table.c
    query = select(columns.quote_id).where(
        columns.status == QuoteStatus.ISSUED, columns.valid_until < now
    )
    return list(db.execute(query).scalars())


def open_quotes_amount(db: Connection, customer_id: UUID, currency: str) -> Decimal:
    """CU-11: what the customer's issued quotes, not yet won, lost or expired, come to."""
    columns = QUOTES.table.c
    query = select(func.coalesce(func.sum(columns.total), 0)).where(
        columns.customer_id == customer_id,
        columns.currency == currency,
        columns.status == QuoteStatus.ISSUED,
    )
    return Decimal(db.execute(query).scalar_one())
