"""Orders' record of the grade the customers service gave a customer (CU-03): a grade-A customer
raises the approval of its bids and quotes to leadership (RULES §7 row 2, the matrix's
``a_grade``)."""

from __future__ import annotations

from typing import Self
from uuid import UUID, uuid5

from runtime.aggregate import Aggregate


class CustomerGrade(Aggregate):
    def __init__(self) -> None:
        self.customer_id: UUID
        self.grade: str

    class Learned(Aggregate.Created):
        customer_id: UUID
        grade: str

    class Changed(Aggregate.Event):
        grade: str

        def apply(self, record: CustomerGrade) -> None:
            record.grade = self.grade

    @staticmethod
    def id_for(customer_id: UUID) -> UUID:
        # Its own stream, apart from the customer's KnownCustomer record.
        return uuid5(customer_id, "grade")

    @classmethod
    def learn(cls, customer_id: UUID, grade: str) -> Self:
        return cls._create(
            cls.Learned, id=cls.id_for(customer_id), customer_id=customer_id, grade=grade
        )

    def change(self, grade: str) -> None:
        if grade != self.grade:
            self.trigger_event(self.Changed, grade=grade)
