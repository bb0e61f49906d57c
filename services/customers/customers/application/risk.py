"""Commands on a customer's risk: abnormalities (CU-13), the dangerous-customer review, its
decision and the approved release of a hold or a blacklisting (CU-06); and the reactions to
what billing reports of the customer's payments (CU-13)."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from contracts.billing import (
    InstrumentDishonoured,
    ReceivableOverdue,
    ReconciliationDiscrepancyFound,
)
from contracts.values import LONG_TEXT
from customers.application.reviews import ReviewPolicies
from customers.domain.customer import Customer, Grade, Severity, Standing
from customers.domain.risk_review import BLACKLIST_KIND, Decision, RiskReview, Trigger
from kernel.approvals import Approvals
from kernel.roles import Role
from runtime.application import command, policy
from runtime.ids import new_id
from runtime.unit_of_work import CommandContext

A_GRADE = "a_grade"
"""The authority matrix's flag for a grade-A customer (``major_if``)."""


class RiskCommands(Approvals):
    def _open_review(self, customer: Customer, trigger: Trigger, opened_by: str) -> RiskReview:
        review = RiskReview.open(customer.id, trigger, opened_by)
        customer.review_opened(review.id, trigger.value, opened_by)
        return review

    @command
    def report_abnormality(
        self,
        context: CommandContext,
        customer_id: UUID,
        source: str,
        facts: str,
        severity: Severity,
    ) -> Customer:
        """CU-13: recorded at once by anyone."""
        customer = self.get(Customer, customer_id, "customer")
        self._abnormality(customer, Trigger.ABNORMALITY, source, facts, severity, context.actor)
        return customer

    def _abnormality(
        self,
        customer: Customer,
        trigger: Trigger,
        source: str,
        facts: str,
        severity: Severity,
        reported_by: str,
    ) -> None:
        """CU-13: a person's report or billing's: it opens a dangerous-customer review on its
        trigger (CU-06), or joins the one under way, which the sales manager and finance see."""
        if customer.open_review_id is None:
            self._open_review(customer, trigger, reported_by)
        customer.report_abnormality(new_id(), source, facts, severity, reported_by)

    @command
    def open_risk_review(
        self, context: CommandContext, customer_id: UUID, trigger: Trigger
    ) -> RiskReview:
        """CU-06: a review opened by hand on one of the rule's triggers."""
        customer = self.get(Customer, customer_id, "customer")
        return self._open_review(customer, trigger, context.actor)

    @command
    def place_provisional_hold(
        self, context: CommandContext, customer_id: UUID, reason: str
    ) -> Customer:
        """CU-13: the sales manager or finance hold the customer at once, until the review ends."""
        customer = self.get(Customer, customer_id, "customer")
        customer.place_provisional_hold(reason, context.actor, context.roles)
        return customer

    @command
    def complete_review_checklist(
        self, context: CommandContext, review_id: UUID, checklist: str
    ) -> RiskReview:
        """CU-06: the account owner (or the deputy) completes the problem-customer checklist."""
        review = self.get(RiskReview, review_id, "risk review")
        customer = self.get(Customer, review.customer_id, "customer")
        owners = {customer.owner_id} | ({customer.deputy_id} if customer.deputy_id else set())
        review.complete_checklist(checklist, context.actor, owners)
        return review

    @command
    def assess_review(
        self, context: CommandContext, review_id: UUID, payment_history: str, exposure: Decimal
    ) -> RiskReview:
        """CU-06: finance adds the payment history and the exposure."""
        review = self.get(RiskReview, review_id, "risk review")
        review.assess(payment_history, exposure, context.actor, context.roles)
        return review

    @command
    def decide_review(
        self, context: CommandContext, review_id: UUID, decision: Decision, reason: str
    ) -> RiskReview:
        """CU-06: the sales manager decides, or leadership where the authority matrix in force
        classes the matter as major (grade A, or the exposure at or above its amount)."""
        review = self.get(RiskReview, review_id, "risk review")
        customer = self.get(Customer, review.customer_id, "customer")
        flags = (A_GRADE,) if customer.grade is Grade.A else ()
        why_major = self.matrix_in_force().rule(BLACKLIST_KIND).why_major(review.exposure, flags)
        review.decide(decision, reason, context.actor, context.roles, why_major)
        customer.review_decided(decision, reason, context.actor)
        return review

    @command
    def request_release(self, context: CommandContext, review_id: UUID, reason: str) -> RiskReview:
        """CU-06: lifting the review's hold or blacklisting goes to the matrix's chain."""
        review = self.get(RiskReview, review_id, "risk review")
        customer = self.get(Customer, review.customer_id, "customer")
        kind = review.request_release(reason, context.actor)
        flags = (A_GRADE,) if customer.grade is Grade.A else ()
        self.request_approval(review, kind, context.actor, review.exposure, flags)
        return review

    @command
    def release(self, context: CommandContext, review_id: UUID) -> Customer:
        """CU-06: once approved, the hold is released or the customer removed from the
        blacklist."""
        review = self.get(RiskReview, review_id, "risk review")
        customer = self.get(Customer, review.customer_id, "customer")
        decision = review.decision
        approval_id = review.release(context.actor)
        assert decision is not None, "a released review was decided"
        customer.release(decision, review.release_reason or "", context.actor, approval_id)
        return customer


BILLING = "billing"
"""The source and reporter of the abnormalities billing's events reveal."""
FINANCE = frozenset({Role.FINANCE})
"""Billing's reports are finance's (BI-11, BI-14): finance may hold the customer at once."""


class RiskPolicies(RiskCommands, ReviewPolicies):
    """CU-13: what billing reports of the customer's payments, recorded in the trading history
    (CU-26); the grave part is an abnormality, reported as a person reports one."""

    def _billing_abnormality(
        self, customer_id: UUID, trigger: Trigger, facts: str, severity: Severity
    ) -> None:
        customer = self.find(Customer, customer_id)
        if customer is None:
            return  # no file to review: the trading history keeps the fact
        # The facts quote billing's text, bounded as a reported abnormality's are.
        self._abnormality(customer, trigger, BILLING, facts[:LONG_TEXT], severity, BILLING)
        # CU-13: a high-severity report holds the customer at once, until the review ends.
        if severity is Severity.HIGH and customer.standing in (Standing.GOOD, Standing.WATCH):
            customer.place_provisional_hold(
                f"{trigger.value} reported by billing", BILLING, FINANCE
            )

    @policy(ReceivableOverdue)
    def on_receivable_overdue(self, event: ReceivableOverdue) -> None:
        """CU-13, BI-11: a receivable overdue past the abnormality threshold (XC-07) is an
        abnormality, once; one less overdue is only recorded."""
        history = self.history_of(event.customer_id)
        before = history.days_overdue(event.receivable_id)
        recorded = history.record_overdue(
            event.receivable_id, event.invoice_id, event.amount, event.currency, event.days_overdue
        )
        if not recorded:
            return
        self._overdue_payments_changed(event.customer_id)
        threshold = self.rule_parameters().customers.overdue_abnormality_days
        if before <= threshold < event.days_overdue:
            facts = (
                f"Receivable {event.receivable_id} ({event.amount} {event.currency}) is "
                f"{event.days_overdue} days overdue"
            )
            self._billing_abnormality(
                event.customer_id, Trigger.OVERDUE_RECEIVABLES, facts, Severity.HIGH
            )

    @policy(InstrumentDishonoured)
    def on_instrument_dishonoured(self, event: InstrumentDishonoured) -> None:
        """CU-13, BI-14: a bounced instrument is an abnormality."""
        recorded = self.history_of(event.customer_id).record_dishonour(
            event.instrument_id, event.instrument_type, event.amount, event.currency
        )
        if recorded:
            facts = (
                f"{event.instrument_type} {event.instrument_id} ({event.amount} {event.currency}, "
                f"maturity {event.maturity}) dishonoured: {event.reason}"
            )
            self._billing_abnormality(
                event.customer_id, Trigger.BOUNCED_INSTRUMENT, facts, Severity.HIGH
            )

    @policy(ReconciliationDiscrepancyFound)
    def on_reconciliation_discrepancy(self, event: ReconciliationDiscrepancyFound) -> None:
        """CU-13, BI-08: a difference with the customer's own books that nobody explains is an
        abnormality; an explained one is only recorded."""
        recorded = self.history_of(event.customer_id).record_discrepancy(
            event.statement_id,
            event.balance,
            event.customer_balance,
            event.currency,
            event.explained,
        )
        if recorded and not event.explained:
            facts = (
                f"The {event.year} {event.period} statement shows {event.balance} "
                f"{event.currency}; the customer's books show {event.customer_balance}"
            )
            self._billing_abnormality(
                event.customer_id, Trigger.ABNORMALITY, facts, Severity.MEDIUM
            )
