"""What makes a customer's grade and credit reviews due before their periodic turn: repeated
dissatisfaction reported by service-desk (CU-05) and the June and December reconciliation
reported by billing (BI-08, CU-05, CU-11)."""

from __future__ import annotations

from uuid import UUID

from contracts.billing import ReconciliationStatementIssued
from contracts.service_desk import ComplaintClosed, SurveyResponseRecorded
from customers.application.trading import TradingHistoryPolicies
from customers.domain.customer import Customer
from kernel.application import KernelApplication
from runtime.application import policy


class ReviewPolicies(KernelApplication, TradingHistoryPolicies):
    def _satisfaction_changed(self, customer_id: UUID) -> None:
        """CU-05: dissatisfied surveys and valid complaints since the grade was last decided,
        as many as the rule parameters in force call repeated (XC-07), make its review due."""
        customer = self.find(Customer, customer_id)
        if customer is None:
            return  # no file to grade: the trading history keeps the satisfaction profile
        count = self.history_of(customer_id).dissatisfactions_since(customer.grade_decided_at)
        if count >= self.rule_parameters().customers.dissatisfactions_for_grade_review:
            customer.note_grade_review_due(
                f"{count} dissatisfied surveys or valid complaints since the grade was decided"
            )

    @policy(SurveyResponseRecorded)
    def on_survey_response(self, event: SurveyResponseRecorded) -> None:
        """CU-05, CU-26: the survey joins the customer's satisfaction profile."""
        ratings = event.ratings
        recorded = self.history_of(event.customer_id).record_survey(
            event.call_id,
            (ratings.attitude, ratings.technique, ratings.arrival_time, ratings.promise_keeping),
        )
        if recorded:
            self._satisfaction_changed(event.customer_id)

    @policy(ComplaintClosed)
    def on_complaint_closed(self, event: ComplaintClosed) -> None:
        """CU-05, CU-26: the closed complaint joins the customer's satisfaction profile."""
        recorded = self.history_of(event.customer_id).record_complaint(
            event.complaint_id, event.subject, event.valid
        )
        if recorded:
            self._satisfaction_changed(event.customer_id)

    @policy(ReconciliationStatementIssued)
    def on_reconciliation_statement(self, event: ReconciliationStatementIssued) -> None:
        """BI-08, CU-05, CU-11: the grade and the credit are reviewed at the reconciliation."""
        customer = self.find(Customer, event.customer_id)
        if customer is not None:
            customer.schedule_reviews(f"the {event.year} {event.period} reconciliation")
