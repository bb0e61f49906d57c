"""Commands on a customer's risk: abnormalities (CU-13), the dangerous-customer review, its
decision and the approved release of a hold or a blacklisting (CU-06)."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from customers.domain.customer import Customer, Grade, Severity
from customers.domain.risk_review import BLACKLIST_KIND, Decision, RiskReview, Trigger
from kernel.approvals import Approvals
from runtime.application import command
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
        """CU-13: recorded at once by anyone; it opens a dangerous-customer review (CU-06), or
        joins the one under way, which the sales manager and finance see."""
        customer = self.get(Customer, customer_id, "customer")
        if customer.open_review_id is None:
            self._open_review(customer, Trigger.ABNORMALITY, context.actor)
        customer.report_abnormality(new_id(), source, facts, severity, context.actor)
        return customer

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
