"""The statement of account reconciled with every customer at the end of June (H1) and of
December (H2) (对账, BI-08, BI-14): issued with the open balance the ledger shows at the period's
end; the customer confirms it by their own signature, or the difference with the customer's books
is recorded (explained or not: an unexplained one is an abnormality customers answers, RULES §7
row 8); the outcome is then reported to the sales manager and passed to finance."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import NAMESPACE_OID, UUID, uuid5

from kernel.approvals.domain import Capacity
from kernel.signing.domain import Signable, SigningSheet
from runtime.aggregate import Aggregate, RuleViolation

RECONCILERS = frozenset({"salesperson", "sales_clerk", "branch_manager", "finance", "accountant"})
"""BI-08: the salesperson reconciles with the customer; inside sales and finance may record what
the customer's books say."""
REPORTED_TO = ("sales_manager", "finance")
"""BI-08: the result goes to the sales manager and is passed to finance."""


class Period(StrEnum):
    H1 = "H1"
    """January to June, reconciled at the end of June."""
    H2 = "H2"
    """July to December, reconciled at the end of December."""

    def last_day(self, year: int) -> date:
        return date(year, 6, 30) if self is Period.H1 else date(year, 12, 31)


class StatementStatus(StrEnum):
    ISSUED = "issued"
    CONFIRMED = "confirmed"
    DISCREPANCY = "discrepancy"


class ReconciliationStatement(Signable):
    document_type = "reconciliation_statement"

    def __init__(self) -> None:
        self.customer_id: UUID
        self.year: int
        self.period: Period
        self.as_of: date
        self.balance: Decimal
        self.currency: str
        self.account_owner_id: str | None
        self.status = StatementStatus.ISSUED
        self.customer_signature_id: UUID | None = None
        self.customer_balance: Decimal | None = None
        self.explanation: str | None = None
        self.reported_by: str | None = None

    class Issued(Aggregate.Created):
        """BI-08 (``ReconciliationStatementIssued``): the balance the ledger shows at the end of
        ``as_of``, the period's last day, for the customer to confirm."""

        customer_id: UUID
        year: int
        period: Period
        as_of: date
        balance: Decimal
        currency: str
        account_owner_id: str | None

    class Confirmed(Aggregate.Event):
        """BI-08 (``ReconciliationConfirmed``): the customer signed the statement through their
        own channel."""

        customer_id: UUID
        customer_signature_id: UUID
        signed_at: datetime

        def apply(self, statement: ReconciliationStatement) -> None:
            statement.status = StatementStatus.CONFIRMED
            statement.customer_signature_id = self.customer_signature_id

    class DiscrepancyFound(Aggregate.Event):
        """BI-08 (``ReconciliationDiscrepancyFound``): the customer's books show
        ``customer_balance``; ``explained`` when the difference is accounted for."""

        customer_id: UUID
        year: int
        period: Period
        balance: Decimal
        currency: str
        customer_balance: Decimal
        explained: bool
        explanation: str | None
        recorded_by: str

        def apply(self, statement: ReconciliationStatement) -> None:
            statement.status = StatementStatus.DISCREPANCY
            statement.customer_balance, statement.explanation = (
                self.customer_balance,
                self.explanation,
            )

    class Reported(Aggregate.Event):
        """BI-08 (``ReconciliationReported``): the outcome went to ``reported_to``."""

        reported_by: str
        reported_to: tuple[str, ...]
        outcome: StatementStatus

        def apply(self, statement: ReconciliationStatement) -> None:
            statement.reported_by = self.reported_by

    @staticmethod
    def id_for(customer_id: UUID, year: int, period: Period, currency: str) -> UUID:
        # One statement per customer, period and currency: a second tick finds it.
        return uuid5(NAMESPACE_OID, f"reconciliation:{customer_id}:{year}:{period}:{currency}")

    @classmethod
    def issue(
        cls,
        customer_id: UUID,
        year: int,
        period: Period,
        balance: Decimal,
        currency: str,
        account_owner_id: str | None,
    ) -> Self:
        return cls._create(
            cls.Issued,
            id=cls.id_for(customer_id, year, period, currency),
            customer_id=customer_id,
            year=year,
            period=period,
            as_of=period.last_day(year),
            balance=balance,
            currency=currency,
            account_owner_id=account_owner_id,
        )

    @property
    def reported(self) -> bool:
        return self.reported_by is not None

    @property
    def explained(self) -> bool | None:
        """Whether the discrepancy is accounted for; none without one."""
        if self.status is not StatementStatus.DISCREPANCY:
            return None
        return self.explanation is not None

    def record_discrepancy(
        self,
        recorded_by: str,
        roles: Iterable[str],
        customer_balance: Decimal,
        explanation: str | None,
    ) -> None:
        """BI-08: the customer's books disagree; an explanation (a payment in transit, an invoice
        not received yet) makes it explained."""
        if not RECONCILERS & set(roles):
            raise RuleViolation(
                "BI-08", "the salesperson, inside sales or finance records the customer's balance"
            )
        if self.status is not StatementStatus.ISSUED:
            raise RuleViolation(
                "BI-08",
                "only a statement the customer has not confirmed can show a discrepancy",
                status=self.status.value,
            )
        if customer_balance == self.balance:
            raise RuleViolation(
                "BI-08",
                "the customer's balance agrees with the statement: they confirm it by signing",
                balance=str(self.balance),
            )
        explained = explanation is not None and bool(explanation.strip())
        self.trigger_event(
            self.DiscrepancyFound,
            customer_id=self.customer_id,
            year=self.year,
            period=self.period,
            balance=self.balance,
            currency=self.currency,
            customer_balance=customer_balance,
            explained=explained,
            explanation=explanation if explained else None,
            recorded_by=recorded_by,
        )

    def report(self, reported_by: str) -> None:
        """BI-08: the outcome, once there is one, goes to the sales manager and finance, once."""
        if self.status is StatementStatus.ISSUED:
            raise RuleViolation(
                "BI-08",
                "the reconciliation is reported once the customer confirmed it or a discrepancy "
                "was recorded",
            )
        if self.reported:
            raise RuleViolation("BI-08", "the reconciliation is already reported")
        self.trigger_event(
            self.Reported, reported_by=reported_by, reported_to=REPORTED_TO, outcome=self.status
        )

    # -- the customer's signature confirms the statement (BI-08)

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "customer_id": str(self.customer_id),
            "year": self.year,
            "period": str(self.period),
            "as_of": self.as_of.isoformat(),
            "balance": str(self.balance),
            "currency": self.currency,
        }

    def signature_allowed(self, capacity: Capacity) -> None:
        # BI-08: the customer confirms the statement, by their own signature, once.
        if capacity is not Capacity.CUSTOMER:
            raise RuleViolation("BI-08", "the customer confirms the statement by their signature")
        if self.status is not StatementStatus.ISSUED:
            raise RuleViolation(
                "BI-08",
                "the statement is no longer open for the customer's confirmation",
                status=self.status.value,
            )

    def on_customer_signed(self, signed_at: datetime) -> None:
        self.trigger_event(
            self.Confirmed,
            customer_id=self.customer_id,
            customer_signature_id=next(reversed(self.signatures)),
            signed_at=signed_at,
        )

    def signing_sheet(self) -> SigningSheet:
        return SigningSheet(
            title="Statement of account",
            facts=(
                ("Period", f"{self.year} {self.period}"),
                ("As of", self.as_of.isoformat()),
                ("Balance owed", f"{self.balance:,.2f} {self.currency}"),
            ),
        )
