"""Commands and queries of the sales pipeline: leads (OR-35), inquiries and the decision to bid
(OR-01), the departments' input (OR-02), and the quote from its pricing (OR-04) through its
approval and issue (OR-03) to its follow-up (OR-05)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

from kernel.approvals import Approvals
from kernel.timers import deadline_timer
from orders.domain.customer_grade import CustomerGrade
from orders.domain.inquiry import BID_PARTICIPATION, Department, Inquiry, InquiryKind
from orders.domain.known_customer import KnownCustomer
from orders.domain.lead import Lead
from orders.domain.quote import BELOW_MARGIN_FLOOR, QUOTE, Quote, QuoteLine
from orders.quote_projections import expired_quotes, inquiries, leads, quotes
from runtime import clock
from runtime.application import Feature, command
from runtime.unit_of_work import CommandContext

A_GRADE = "a_grade"
"""The authority matrix's flag for a grade-A customer (``major_if``)."""


def _expire(app: QuoteCommands, context: CommandContext, quote_id: UUID) -> bool:
    return app.expire_quote(context, quote_id)


QUOTE_EXPIRY = deadline_timer("quote-expiry", expired_quotes, _expire)
"""OR-05: issued quotes left unanswered past their validity expire on their own."""


class QuoteCommands(Approvals):
    feature = Feature(
        "quotes",
        projections=(leads, inquiries, quotes),
        timers=(QUOTE_EXPIRY,),
        value_objects=(QuoteLine,),
    )

    def _flags(self, customer_id: UUID) -> tuple[str, ...]:
        # RULES §7 row 2: grade A may raise the approval to leadership.
        grade = self.find(CustomerGrade, CustomerGrade.id_for(customer_id))
        return (A_GRADE,) if grade is not None and grade.grade == "A" else ()

    # -- OR-35: leads

    @command
    def register_lead(
        self,
        context: CommandContext,
        customer_id: UUID | None,
        source: str,
        summary: str,
        material: str,
    ) -> Lead:
        return Lead.register(customer_id, source, summary, material, context.actor)

    @command
    def qualify_lead(
        self,
        context: CommandContext,
        lead_id: UUID,
        valuable: bool,
        action: str,
        act_by: datetime | None,
    ) -> Lead:
        lead = self.get(Lead, lead_id, "lead")
        lead.qualify(valuable, action, act_by, context.actor, context.roles)
        return lead

    def lead(self, lead_id: UUID) -> Lead:
        return self.get(Lead, lead_id, "lead")

    # -- OR-01: inquiries and the decision to bid

    @command
    def register_inquiry(
        self,
        context: CommandContext,
        customer_id: UUID,
        kind: InquiryKind,
        requirements: str,
        estimated_value: Decimal,
        deadline: datetime | None,
        needs: Collection[Department],
        lead_id: UUID | None = None,
    ) -> Inquiry:
        """OR-01: registered and reported to the sales manager at once: the go / no-go decision
        is requested in the same commit, from leadership too when the bid is major (XC-06)."""
        flags = self._flags(customer_id)
        why_major = self.matrix_in_force().rule(BID_PARTICIPATION).why_major(estimated_value, flags)
        inquiry = Inquiry.register(
            self.find(KnownCustomer, customer_id),
            kind,
            requirements,
            estimated_value,
            deadline,
            needs,
            lead_id,
            why_major,
            context.actor,
        )
        if lead_id is not None:
            self.get(Lead, lead_id, "lead").acted_on(inquiry.id)
        self.request_approval(inquiry, BID_PARTICIPATION, context.actor, estimated_value, flags)
        return inquiry

    def inquiry(self, inquiry_id: UUID) -> Inquiry:
        return self.get(Inquiry, inquiry_id, "inquiry")

    # -- OR-02: the departments' input

    @command
    def provide_bid_input(
        self, context: CommandContext, inquiry_id: UUID, department: Department, content_ref: str
    ) -> Inquiry:
        inquiry = self.inquiry(inquiry_id)
        inquiry.provide_input(department, content_ref, context.actor, context.roles)
        return inquiry

    # -- OR-03, OR-04: the quote, its approval and issue

    @command
    def draft_quote(
        self,
        context: CommandContext,
        inquiry_id: UUID,
        currency: str,
        lines: tuple[QuoteLine, ...],
        cost_basis_ref: str,
        market_price_ref: str,
    ) -> Quote:
        inquiry = self.inquiry(inquiry_id)
        customer = self.find(KnownCustomer, inquiry.customer_id)
        return Quote.draft(
            inquiry, customer, currency, lines, cost_basis_ref, market_price_ref, context.actor
        )

    @command
    def revise_quote(
        self,
        context: CommandContext,
        quote_id: UUID,
        lines: tuple[QuoteLine, ...],
        cost_basis_ref: str,
        market_price_ref: str,
    ) -> Quote:
        quote = self.quote(quote_id)
        quote.revise(lines, cost_basis_ref, market_price_ref, context.actor)
        return quote

    @command
    def submit_quote(self, context: CommandContext, quote_id: UUID) -> Quote:
        """OR-03, OR-04: the sales manager approves every quote; leadership as well when the
        matrix classes it as major or its margin is under the company's floor."""
        quote = self.quote(quote_id)
        flags = self._flags(quote.customer_id)
        floor = self.rule_parameters().quotes.minimum_margin_percent
        if quote.margin_percent < floor:
            flags = (*flags, BELOW_MARGIN_FLOOR)
        why_major = self.matrix_in_force().rule(QUOTE).why_major(quote.total, flags)
        quote.submit(
            self.inquiry(quote.inquiry_id),
            self.find(KnownCustomer, quote.customer_id),
            why_major,
            context.actor,
        )
        self.request_approval(quote, QUOTE, context.actor, quote.total, flags)
        return quote

    @command
    def issue_quote(self, context: CommandContext, quote_id: UUID) -> Quote:
        """OR-03: the approved version, bound and sealed; OR-05: its follow-up falls due."""
        quote = self.quote(quote_id)
        parameters = self.rule_parameters().quotes
        now = clock.now()
        quote.issue(
            self.find(KnownCustomer, quote.customer_id),
            context.actor,
            self.calendar.add_working_days(now, parameters.follow_up_within_working_days),
            now + timedelta(days=parameters.valid_days),
        )
        return quote

    # -- OR-05: following up

    @command
    def follow_up_quote(self, context: CommandContext, quote_id: UUID, feedback: str) -> Quote:
        quote = self.quote(quote_id)
        quote.follow_up(feedback, context.actor)
        return quote

    @command
    def record_quote_won(self, context: CommandContext, quote_id: UUID, feedback: str) -> Quote:
        quote = self.quote(quote_id)
        quote.win(feedback, context.actor)
        return quote

    @command
    def record_quote_lost(self, context: CommandContext, quote_id: UUID, reason: str) -> Quote:
        quote = self.quote(quote_id)
        quote.lose(reason, context.actor)
        return quote

    @command
    def expire_quote(self, context: CommandContext, quote_id: UUID) -> bool:
        """OR-05: an issued quote unanswered past its validity expires (the timer's command)."""
        return self.quote(quote_id).expire(clock.now())

    def quote(self, quote_id: UUID) -> Quote:
        return self.get(Quote, quote_id, "quote")
