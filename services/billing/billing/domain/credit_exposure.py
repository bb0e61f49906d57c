"""A customer's credit exposure (BI-11): open receivables + unbilled shipments + the credit
reserved for approved orders not shipped yet, against the credit limit the customers service
approved. One aggregate per customer is the consistency unit of the credit gate (OR-18): two
reservations for the same customer never both pass a limit that holds only one of them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Self
from uuid import NAMESPACE_OID, UUID, uuid5

from kernel.company import COMPANY_CURRENCY
from runtime.aggregate import Aggregate, NotYet, RuleViolation


class Decline(StrEnum):
    OVER_LIMIT = "over_limit"
    CREDIT_HOLD = "credit_hold"
    BLACKLISTED = "blacklisted"


class CreditExposure(Aggregate):
    """One per customer, its id derived from the customer's (``id_for``)."""

    def __init__(self) -> None:
        self.customer_id: UUID
        self.currency = ""
        self.credit_limit = Decimal(0)
        self.limit_known = False
        """Customers told billing the customer's approved limit: reservations wait for it."""
        self.credit_hold = False
        self.blacklisted = False
        self.reservations: dict[UUID, Decimal] = {}
        """Orders approved and not shipped yet: the credit reserved for each."""
        self.over_credit: set[UUID] = set()
        """Reservations of an approved over-credit sale (OR-18): kept through a hold."""
        self.blocked: dict[UUID, tuple[Decimal, bool]] = {}
        """Orders declined for a hold or the blacklist: answered again once it is lifted."""
        self.unbilled: dict[UUID, Decimal] = {}
        """Orders shipped and not invoiced yet."""
        self.shipments: set[UUID] = set()
        """The shipments counted: an order's, and (OR-30) each later one of its back orders."""
        self.receivables: dict[UUID, Decimal] = {}
        """Invoices issued and not paid in full: what is still owed on each."""

    class Opened(Aggregate.Created):
        customer_id: UUID

    class LimitChanged(Aggregate.Event):
        credit_limit: Decimal
        currency: str

        def apply(self, exposure: CreditExposure) -> None:
            exposure.credit_limit, exposure.currency = self.credit_limit, self.currency
            exposure.limit_known = True

    class StandingChanged(Aggregate.Event):
        """CU-06, CU-13: a credit hold or the blacklist, placed or lifted."""

        credit_hold: bool
        blacklisted: bool

        def apply(self, exposure: CreditExposure) -> None:
            exposure.credit_hold, exposure.blacklisted = self.credit_hold, self.blacklisted

    class CreditReserved(Aggregate.Event):
        order_id: UUID
        customer_id: UUID
        amount: Decimal
        currency: str
        credit_limit: Decimal
        exposure: Decimal
        over_credit_approved: bool

        def apply(self, exposure: CreditExposure) -> None:
            exposure.currency = exposure.currency or self.currency
            exposure.reservations[self.order_id] = self.amount
            if self.over_credit_approved:
                exposure.over_credit.add(self.order_id)
            exposure.blocked.pop(self.order_id, None)

    class CreditDeclined(Aggregate.Event):
        order_id: UUID
        customer_id: UUID
        amount: Decimal
        currency: str
        credit_limit: Decimal
        exposure: Decimal
        reason: Decline
        over_credit_approved: bool

        def apply(self, exposure: CreditExposure) -> None:
            exposure.currency = exposure.currency or self.currency
            exposure.reservations.pop(self.order_id, None)
            exposure.over_credit.discard(self.order_id)
            if self.reason is Decline.OVER_LIMIT:
                exposure.blocked.pop(self.order_id, None)
            else:
                exposure.blocked[self.order_id] = (self.amount, self.over_credit_approved)

    class ReservationReleased(Aggregate.Event):
        """The order was cancelled before shipment: its reservation (or its wait) ends."""

        order_id: UUID
        amount: Decimal

        def apply(self, exposure: CreditExposure) -> None:
            exposure.reservations.pop(self.order_id, None)
            exposure.over_credit.discard(self.order_id)
            exposure.blocked.pop(self.order_id, None)

    class Shipped(Aggregate.Event):
        """RULES §7 row 5: the goods left; the reservation becomes an unbilled shipment."""

        order_id: UUID
        amount: Decimal
        back_order_id: UUID | None = None
        """OR-30: the back order a later shipment of the same order issued."""

        def apply(self, exposure: CreditExposure) -> None:
            # OR-30: what a short shipment left on back order stays reserved.
            rest = exposure.reservations.pop(self.order_id, Decimal(0)) - self.amount
            if rest > 0:
                exposure.reservations[self.order_id] = rest
            else:
                exposure.over_credit.discard(self.order_id)
            exposure.blocked.pop(self.order_id, None)
            shipped = exposure.unbilled.get(self.order_id, Decimal(0))
            exposure.unbilled[self.order_id] = shipped + self.amount
            exposure.shipments.add(self.back_order_id or self.order_id)

    class Invoiced(Aggregate.Event):
        """The shipment was invoiced: what was unbilled is now an open receivable."""

        order_id: UUID
        invoice_id: UUID
        amount: Decimal

        def apply(self, exposure: CreditExposure) -> None:
            exposure.unbilled.pop(self.order_id, None)
            exposure.receivables[self.invoice_id] = self.amount

    class Paid(Aggregate.Event):
        invoice_id: UUID
        amount: Decimal

        def apply(self, exposure: CreditExposure) -> None:
            owed = exposure.receivables.get(self.invoice_id, Decimal(0)) - self.amount
            if owed > 0:
                exposure.receivables[self.invoice_id] = owed
            else:
                exposure.receivables.pop(self.invoice_id, None)

    @staticmethod
    def id_for(customer_id: UUID) -> UUID:
        # Derived from the customer, so two first requests for it collide, never make two.
        return uuid5(NAMESPACE_OID, f"credit-exposure:{customer_id}")

    class ExposureChanged(Aggregate.Event):
        """BI-11: the figures after a change (published as ``CustomerExposureChanged``)."""

        customer_id: UUID
        currency: str
        credit_limit: Decimal
        exposure: Decimal
        open_receivables: Decimal
        unbilled_shipments: Decimal
        reserved: Decimal

    class ReviewFiguresSupplied(Aggregate.Event):
        """CU-11, RULES §7 row 21: the figures when the customer's credit review fell due
        (published as ``CreditReviewFiguresSupplied``)."""

        customer_id: UUID
        currency: str
        open_receivables: Decimal
        overdue_receivables: Decimal
        unbilled_shipments: Decimal
        reservations: Decimal
        as_of: datetime

    @classmethod
    def open(cls, customer_id: UUID) -> Self:
        return cls._create(cls.Opened, id=cls.id_for(customer_id), customer_id=customer_id)

    # -- the figures

    @property
    def open_receivables(self) -> Decimal:
        return sum(self.receivables.values(), Decimal(0))

    @property
    def unbilled_shipments(self) -> Decimal:
        return sum(self.unbilled.values(), Decimal(0))

    @property
    def reserved(self) -> Decimal:
        return sum(self.reservations.values(), Decimal(0))

    @property
    def exposure(self) -> Decimal:
        """BI-11, OR-18: open receivables + unbilled shipments + approved orders not shipped."""
        return self.open_receivables + self.unbilled_shipments + self.reserved

    @property
    def available(self) -> Decimal:
        return self.credit_limit - self.exposure

    def _figures(self) -> tuple[Decimal, ...]:
        return (self.credit_limit, self.open_receivables, self.unbilled_shipments, self.reserved)

    def _tell_if_changed(self, before: tuple[Decimal, ...]) -> None:
        if self._figures() != before and self.currency:
            self.trigger_event(
                self.ExposureChanged,
                customer_id=self.customer_id,
                currency=self.currency,
                credit_limit=self.credit_limit,
                exposure=self.exposure,
                open_receivables=self.open_receivables,
                unbilled_shipments=self.unbilled_shipments,
                reserved=self.reserved,
            )

    # -- what customers decided

    def change_limit(self, credit_limit: Decimal, currency: str) -> None:
        before = self._figures()
        if (credit_limit, currency) != (self.credit_limit, self.currency):
            self.trigger_event(self.LimitChanged, credit_limit=credit_limit, currency=currency)
        self._tell_if_changed(before)

    def change_standing(
        self, credit_hold: bool | None = None, blacklisted: bool | None = None
    ) -> None:
        """CU-06, CU-13: when the hold and the blacklisting are both lifted, the orders they
        blocked are answered again; when one is placed, the credit reserved for orders not
        shipped yet is withdrawn (RULES §7 row 9: they are blocked until it is lifted)."""
        hold = self.credit_hold if credit_hold is None else credit_hold
        listed = self.blacklisted if blacklisted is None else blacklisted
        if (hold, listed) == (self.credit_hold, self.blacklisted):
            return
        self.trigger_event(self.StandingChanged, credit_hold=hold, blacklisted=listed)
        if hold or listed:
            before = self._figures()
            refusal = self._refusal() or Decline.CREDIT_HOLD
            for order_id, amount in list(self.reservations.items()):
                self._decline(order_id, amount, refusal, order_id in self.over_credit)
            self._tell_if_changed(before)
        else:
            for order_id, (amount, over_credit) in list(self.blocked.items()):
                self.reserve(order_id, amount, over_credit)

    # -- the credit gate (OR-18)

    def _refusal(self) -> Decline | None:
        if self.blacklisted:
            return Decline.BLACKLISTED
        if self.credit_hold:
            return Decline.CREDIT_HOLD
        return None

    def _decline(
        self, order_id: UUID, amount: Decimal, reason: Decline, over: bool, currency: str = ""
    ) -> None:
        self.trigger_event(
            self.CreditDeclined,
            order_id=order_id,
            customer_id=self.customer_id,
            amount=amount,
            currency=self.currency or currency,
            credit_limit=self.credit_limit,
            exposure=self.exposure - self.reservations.get(order_id, Decimal(0)),
            reason=reason,
            over_credit_approved=over,
        )

    def reserve(
        self, order_id: UUID, amount: Decimal, over_credit_approved: bool, currency: str = ""
    ) -> bool:
        """Reserve ``amount`` (in ``currency``) for the order, or decline it; returns whether it
        was reserved. Orders asks only for a customer customers approved (CU-02), but the
        approval travels on another topic and may reach billing later (a restart, a lagging
        consumer): until it has, the request waits (NotYet) rather than meet a limit of nothing.

        OR-18: declined over the limit unless an over-credit sale was approved; a credit hold or
        the blacklist declines it whatever was approved (no override). Asked again for an order
        already reserved or shipped, it answers as it did (the request was redelivered)."""
        if amount < 0:
            raise RuleViolation(
                "BI-11", "a reservation is for a positive amount", amount=str(amount)
            )
        # OR-18: the gate is the approved limit; answering before it is known would decline.
        if not self.limit_known:
            raise NotYet(
                "OR-18",
                "billing has not heard of the customer's approved credit limit yet",
                customer_id=str(self.customer_id),
            )
        if order_id in self.unbilled:
            return True
        if order_id in self.reservations and self._refusal() is None:
            return True
        refusal = self._refusal()
        if refusal is not None:
            self._decline(order_id, amount, refusal, over_credit_approved, currency)
            return False
        figures, before = self._figures(), self.exposure
        if before + amount > self.credit_limit and not over_credit_approved:
            self._decline(order_id, amount, Decline.OVER_LIMIT, over_credit_approved, currency)
            return False
        self.trigger_event(
            self.CreditReserved,
            order_id=order_id,
            customer_id=self.customer_id,
            amount=amount,
            currency=self.currency or currency,
            credit_limit=self.credit_limit,
            exposure=before,
            over_credit_approved=over_credit_approved,
        )
        self._tell_if_changed(figures)
        return True

    def release(self, order_id: UUID) -> None:
        """The order was cancelled before it shipped: its credit is free again."""
        amount = self.reservations.get(order_id)
        if amount is None and order_id in self.blocked:
            amount = self.blocked[order_id][0]
        if amount is not None:
            before = self._figures()
            self.trigger_event(self.ReservationReleased, order_id=order_id, amount=amount)
            self._tell_if_changed(before)

    def shipped(self, order_id: UUID, amount: Decimal, back_order_id: UUID | None = None) -> None:
        """RULES §7 row 5: the shipment's value counts as unbilled until it is invoiced; an
        order ships once, and once more per back order (OR-30)."""
        if (back_order_id or order_id) not in self.shipments:
            before = self._figures()
            self.trigger_event(
                self.Shipped, order_id=order_id, amount=amount, back_order_id=back_order_id
            )
            self._tell_if_changed(before)

    # -- the invoice cycle (called by the invoices when they are issued and paid)

    def invoiced(self, order_id: UUID, invoice_id: UUID, amount: Decimal) -> None:
        """The shipment's invoice was issued: unbilled becomes an open receivable."""
        if invoice_id in self.receivables:
            return
        if amount <= 0:
            raise RuleViolation("BI-11", "an invoice is for a positive amount", amount=str(amount))
        before = self._figures()
        self.trigger_event(self.Invoiced, order_id=order_id, invoice_id=invoice_id, amount=amount)
        self._tell_if_changed(before)

    def paid(self, invoice_id: UUID, amount: Decimal) -> None:
        """A payment applied to the invoice reduces what is open on it."""
        owed = self.receivables.get(invoice_id)
        if owed is None:
            raise RuleViolation(
                "BI-09", "no open receivable for this invoice", invoice_id=str(invoice_id)
            )
        if amount <= 0 or amount > owed:
            raise RuleViolation(
                "BI-09", "a payment is positive and not beyond what is owed", owed=str(owed)
            )
        before = self._figures()
        self.trigger_event(self.Paid, invoice_id=invoice_id, amount=amount)
        self._tell_if_changed(before)

    # -- CU-11: the customer's credit review

    def supply_review_figures(self, overdue_receivables: Decimal, as_of: datetime) -> None:
        """Answer the customer's credit review with the exposure and what of it is overdue, in
        the currency of the limit (the company's before one is known)."""
        self.trigger_event(
            self.ReviewFiguresSupplied,
            customer_id=self.customer_id,
            currency=self.currency or COMPANY_CURRENCY,
            open_receivables=self.open_receivables,
            overdue_receivables=overdue_receivables,
            unbilled_shipments=self.unbilled_shipments,
            reservations=self.reserved,
            as_of=as_of,
        )
