"""A maintenance contract's billing schedule (SD-01, BI-16; RULES §7 row 14): type-B service is
billed under the contract, not per job. When service-desk reports a maintenance contract signed,
billing draws its instalments from the contract's price and payment terms over its term, once per
contract; a renewal is billed on the renewal contract's own schedule, and the renewed one records
which contract took over."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Self
from uuid import NAMESPACE_OID, UUID, uuid5

from runtime.aggregate import Aggregate, RuleViolation

_PERIODS = (
    # The payment terms' wording, and the months each instalment covers; checked in this order
    # ("semi-annual" before "annual").
    (("month",), 1),
    (("quarter",), 3),
    (("half-year", "half year", "semi-annual", "semiannual", "six-month", "six month"), 6),
    (("annual", "year"), 12),
)


@dataclass(frozen=True)
class Instalment:
    """One instalment of the schedule: its number (from 1), when it falls due and how much."""

    number: int
    due_on: date
    amount: Decimal


def months_later(day: date, months: int) -> date:
    """The same day ``months`` later, the month's last day when it has no such day."""
    year, month = divmod(day.month - 1 + months, 12)
    year += day.year
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def period_months(payment_terms: str) -> int | None:
    """The months each instalment covers, from the payment terms; None: the whole term at once."""
    terms = payment_terms.lower()
    return next((m for words, m in _PERIODS if any(w in terms for w in words)), None)


def instalments(
    price: Decimal, payment_terms: str, starts_on: date, ends_on: date
) -> tuple[Instalment, ...]:
    """BI-16: the price split evenly over the term's periods (the cents left over on the last),
    each due at its period's start, or its end when the terms bill in arrears."""
    # BI-16: a schedule is drawn from a priced contract over a real term.
    if price <= 0:
        raise RuleViolation("BI-16", "a contract's billing schedule needs its price")
    if ends_on < starts_on:
        raise RuleViolation(
            "BI-16", "the contract's term ends after it starts", ends_on=str(ends_on)
        )
    months = period_months(payment_terms)
    starts = [starts_on]
    while months is not None and months_later(starts_on, months * len(starts)) < ends_on:
        starts.append(months_later(starts_on, months * len(starts)))
    in_arrears = "arrear" in payment_terms.lower()
    dues = [*starts[1:], ends_on] if in_arrears else starts
    share = (price / len(dues)).quantize(Decimal("0.01"))
    amounts = [share] * (len(dues) - 1) + [price - share * (len(dues) - 1)]
    return tuple(
        Instalment(n, d, a) for n, (d, a) in enumerate(zip(dues, amounts, strict=True), start=1)
    )


class MaintenanceBilling(Aggregate):
    def __init__(self) -> None:
        self.contract_id: UUID
        self.customer_id: UUID
        self.price: Decimal
        self.currency: str
        self.payment_terms: str
        self.starts_on: date
        self.ends_on: date
        self.instalments: tuple[Instalment, ...]
        self.renews_id: UUID | None
        self.renewed_by_id: UUID | None = None

    class Drawn(Aggregate.Created):
        """BI-16 (RULES §7 row 14): the contract's type-B billing schedule."""

        contract_id: UUID
        customer_id: UUID
        price: Decimal
        currency: str
        payment_terms: str
        starts_on: date
        ends_on: date
        instalments: tuple[Instalment, ...]
        renews_id: UUID | None

    class Renewed(Aggregate.Event):
        """SD-29: the contract was renewed; the renewal is billed on its own schedule."""

        renewal_id: UUID

        def apply(self, schedule: MaintenanceBilling) -> None:
            schedule.renewed_by_id = self.renewal_id

    @staticmethod
    def id_for(contract_id: UUID) -> UUID:
        # One schedule per contract: a redelivered signature finds it.
        return uuid5(NAMESPACE_OID, f"maintenance-billing:{contract_id}")

    @classmethod
    def draw(
        cls,
        contract_id: UUID,
        customer_id: UUID,
        price: Decimal,
        currency: str,
        payment_terms: str,
        starts_on: date,
        ends_on: date,
        renews_id: UUID | None,
    ) -> Self:
        return cls._create(
            cls.Drawn,
            id=cls.id_for(contract_id),
            contract_id=contract_id,
            customer_id=customer_id,
            price=price,
            currency=currency,
            payment_terms=payment_terms,
            starts_on=starts_on,
            ends_on=ends_on,
            instalments=instalments(price, payment_terms, starts_on, ends_on),
            renews_id=renews_id,
        )

    def renewed_by(self, renewal_id: UUID) -> None:
        if self.renewed_by_id is None:
            self.trigger_event(self.Renewed, renewal_id=renewal_id)
