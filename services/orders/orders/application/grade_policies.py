"""Orders learns each customer's grade from the customers service (CU-03): grade A raises the
approval of the customer's bids and quotes (RULES §7 row 2)."""

from __future__ import annotations

from contracts.customers import CustomerGradeChanged
from orders.domain.customer_grade import CustomerGrade
from runtime.application import ServiceApplication, policy


class CustomerGradePolicies(ServiceApplication):
    @policy(CustomerGradeChanged)
    def on_customer_grade_changed(self, event: CustomerGradeChanged) -> None:
        record = self.find(CustomerGrade, CustomerGrade.id_for(event.customer_id))
        if record is None:
            CustomerGrade.learn(event.customer_id, event.new_grade)
        else:
            record.change(event.new_grade)
