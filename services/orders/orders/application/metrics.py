"""Orders' dashboard figures (RULES §8 "Orders"), read from the orders' read tables when
``/metrics`` is scraped: orders by status (credit-check failures, blocked orders, deliveries
awaiting the customer's confirmation), shipments in time or late by reason (OR-20), special fees
by status, their count and value (OR-15), the sales claims and contract disputes open (OR-31,
OR-32), the commitments to customers open or missed (OR-36), the delivery dates promised met or
missed and the back orders open (OR-30)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, select

from orders.claim_projections import CLAIMS, COMMITMENTS, DISPUTES
from orders.delivery_projections import DELIVERY_TRACKING, PROMISE_OUTCOMES, promises_by_outcome
from orders.domain.commitment import CommitmentStatus
from orders.domain.dispute import DisputeStatus
from orders.domain.order import WITH_THE_CUSTOMER, OrderStatus, ShipmentDelay
from orders.domain.sales_claim import ClaimStatus
from orders.domain.special_fee import SpecialFeeStatus
from orders.projections import ORDERS
from orders.request_projections import SPECIAL_FEES
from runtime.application import Feature, ServiceApplication
from runtime.figures import Figure

_orders = ORDERS.table.c
_fees = SPECIAL_FEES.table.c
_claims = CLAIMS.table.c
_disputes = DISPUTES.table.c
_commitments = COMMITMENTS.table.c
_deliveries = DELIVERY_TRACKING.table.c


def _orders_by_status(app: Any, now: datetime) -> Select[Any]:
    return select(_orders.status, func.count()).group_by(_orders.status)


def _shipments(app: Any, now: datetime) -> Select[Any]:
    in_time = case(
        (_orders.sla_met.is_(True), "yes"),
        (_orders.sla_met.is_(False), "no"),
        else_="unknown",
    )
    reason = func.coalesce(_orders.delay_reason, "")
    shipped = _orders.status.in_((OrderStatus.SHIPPED, *WITH_THE_CUSTOMER))
    return select(in_time, reason, func.count()).where(shipped).group_by(in_time, reason)


def _special_fees(app: Any, now: datetime) -> Select[Any]:
    return select(_fees.status, func.count()).group_by(_fees.status)


def _special_fees_amount(app: Any, now: datetime) -> Select[Any]:
    amount = func.coalesce(func.sum(_fees.amount), 0)
    return select(_fees.status, _fees.currency, amount).group_by(_fees.status, _fees.currency)


def _claims_open(app: Any, now: datetime) -> Select[Any]:
    still_open = _claims.status != ClaimStatus.RESOLVED.value
    return select(_claims.status, func.count()).where(still_open).group_by(_claims.status)


def _disputes_open(app: Any, now: datetime) -> Select[Any]:
    still_open = _disputes.status != DisputeStatus.RESOLVED.value
    return select(_disputes.status, func.count()).where(still_open).group_by(_disputes.status)


def _commitments_pending(app: Any, now: datetime) -> Select[Any]:
    pending = _commitments.status != CommitmentStatus.MET.value
    return select(_commitments.status, func.count()).where(pending).group_by(_commitments.status)


def _delivery_promises(app: Any, now: datetime) -> Select[Any]:
    return promises_by_outcome(now.astimezone(app.calendar.zone).date())


def _back_orders_open(app: Any, now: datetime) -> Select[Any]:
    open_ = _deliveries.back_order_open & ~_deliveries.cancelled
    return select(func.count()).select_from(DELIVERY_TRACKING.table).where(open_)


FIGURES = (
    Figure(
        "countersign_orders",
        "Orders by status: awaiting approval, in the credit check, awaiting an over-credit "
        "approval, blocked by a hold or the blacklist, shipped and awaiting the customer's signed "
        "confirmation, delivered, cancelled (RULES §8 Orders).",
        _orders_by_status,
        labels=("status",),
        known=tuple((status.value,) for status in OrderStatus),
        rule="OR-18",
    ),
    Figure(
        "countersign_orders_shipments",
        "Orders shipped, by whether the goods left within the working days allowed after the "
        "contract (in_time yes, no, or unknown when the clock could not be read) and, when late, "
        "the reason recorded (OR-20).",
        _shipments,
        labels=("in_time", "delay_reason"),
        known=(("yes", ""), *((("no", reason.value)) for reason in ShipmentDelay)),
        rule="OR-20",
    ),
    Figure(
        "countersign_orders_special_fees",
        "Special fees customers asked for, by status: pending approval, approved (the sales "
        "manager agreed, leadership approved the form of payment), rejected, promised (OR-15).",
        _special_fees,
        labels=("status",),
        known=tuple((status.value,) for status in SpecialFeeStatus),
        rule="OR-15",
    ),
    Figure(
        "countersign_orders_special_fees_amount",
        "What the special fees come to, by status and currency (OR-15).",
        _special_fees_amount,
        labels=("status", "currency"),
        rule="OR-15",
    ),
    Figure(
        "countersign_orders_claims_open",
        "Sales claims not resolved yet, by where they are in the standard procedure: registered, "
        "investigated, pending the sales manager's review (OR-31).",
        _claims_open,
        labels=("status",),
        known=tuple((s.value,) for s in ClaimStatus if s is not ClaimStatus.RESOLVED),
        rule="OR-31",
    ),
    Figure(
        "countersign_orders_disputes_open",
        "Contract breaches and disputes not resolved yet: reported to leadership and awaiting "
        "the sales manager's countermeasure, or awaiting leadership's outcome (OR-32).",
        _disputes_open,
        labels=("status",),
        known=tuple((s.value,) for s in DisputeStatus if s is not DisputeStatus.RESOLVED),
        rule="OR-32",
    ),
    Figure(
        "countersign_orders_commitments_pending",
        "Commitments made to customers not met yet: open (still in time) or missed (their time "
        "passed, flagged by the timer) (OR-36).",
        _commitments_pending,
        labels=("status",),
        known=((CommitmentStatus.OPEN.value,), (CommitmentStatus.MISSED.value,)),
        rule="OR-36",
    ),
    Figure(
        "countersign_orders_delivery_promises",
        "Orders with a promised delivery date, by outcome: met (the customer accepted the "
        "delivery by that date), missed (later, or not yet and the date passed), pending "
        "(OR-30). The on-time share is met / (met + missed).",
        _delivery_promises,
        labels=("outcome",),
        known=tuple((outcome,) for outcome in PROMISE_OUTCOMES),
        rule="OR-30",
    ),
    Figure(
        "countersign_orders_back_orders_open",
        "Orders with a back order open: part of them still owed by the warehouse (OR-30).",
        _back_orders_open,
        rule="OR-30",
    ),
)


class OrderMetrics(ServiceApplication):
    feature = Feature("order-metrics", figures=FIGURES)
