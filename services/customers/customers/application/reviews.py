"""What makes a customer's grade and credit reviews due before their periodic turn (CU-05): a
large order reported by orders, repeated overdue payments reported by billing, repeated
dissatisfaction reported by service-desk and the June and December reconciliation reported by
billing (BI-08, CU-11). Abnormality reports and dangerous-customer outcomes make the grade review
due in the customer's own file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from contracts.billing import ReconciliationStatementIssued
from contracts.orders import OrderPlaced
from contracts.service_desk import ComplaintClosed, SurveyResponseRecorded
from customers.application.trading import TradingHistoryPolicies
from customers.domain.customer import Customer
from customers.domain.trading import TradingHistory
from kernel.application import KernelApplication
from runtime.application import policy


class ReviewPolicies(KernelApplication, TradingHistoryPolicies):
    def _satisfaction_changed(self, customer_id: UUID) -> None:
        """CU-05: dissatisfied surveys and valid complaints since the grade was last decided,
        as many as the rule parameters in force call repeated (XC-07), make its review due."""
        self._when_repeated(
            customer_id,
            TradingHistory.dissatisfactions_since,
            self.rule_parameters().customers.dissatisfactions_for_grade_review,
            "dissatisfied surveys or valid complaints",
        )

    def _overdue_payments_changed(self, customer_id: UUID) -> None:
        """CU-05: receivables fallen overdue since the grade was last decided, as many as the
        rule parameters in force call repeated (XC-07), make its review due."""
        self._when_repeated(
            customer_id,
            TradingHistory.overdue_payments_since,
            self.rule_parameters().customers.overdue_payments_for_grade_review,
            "receivables fallen overdue",
        )

    def _when_repeated(
        self,
        customer_id: UUID,
        count_since: Callable[[TradingHistory, datetime | None], int],
        repeated: int,
        what: str,
    ) -> None:
        customer = self.find(Customer, customer_id)
        if customer is None:
            return  # no file to grade: the trading history keeps the facts
        count = count_since(self.history_of(customer_id), customer.grade_decided_at)
        if count >= repeated:
            customer.note_grade_review_due(f"{count} {what} since the grade was decided")

    @policy(OrderPlaced)
    def on_order_placed(self, event: OrderPlaced) -> None:
        """CU-05: a large order makes the grade review due (the amount is a rule parameter)."""
        customer = self.find(Customer, event.customer_id)
        if customer is not None and event.total >= (
            self.rule_parameters().customers.large_order_amount
        ):
            customer.note_grade_review_due(
                f"a large order: {event.total} {event.currency} (order {event.order_id})"
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
