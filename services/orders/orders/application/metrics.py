"""Orders' dashboard figures (RULES §8 "Orders"), read from the orders' read tables when
``/metrics`` is scraped: orders by status (credit-check failures, blocked orders, deliveries
awaiting the customer's confirmation), shipments in time or late by reason (OR-20), special fees
by status, their count and value (OR-15), the sales claims and contract disputes open (OR-31,
OR-32), the commitments to customers open or missed (OR-36), the delivery dates promised met or
missed and the back orders open (OR-30); the sales pipeline: the time to the go / no-go decision
(OR-01), quotes by status and awaiting follow-up (OR-03, OR-05), deviations re-approved and
contracts signed with deviations open (OR-07, OR-08), orders placed without a contract (OR-14);
returns by reason, their value and the authenticity failures (OR-24 … OR-29)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, literal, select, union_all

from orders.claim_projections import CLAIMS, COMMITMENTS, DISPUTES
from orders.contract_projections import CONTRACT_DEVIATIONS, contract_deviations
from orders.delivery_projections import DELIVERY_TRACKING, PROMISE_OUTCOMES, promises_by_outcome
from orders.domain.commitment import CommitmentStatus
from orders.domain.dispute import DisputeStatus
from orders.domain.inquiry import Decision
from orders.domain.order import WITH_THE_CUSTOMER, OrderStatus, ShipmentDelay
from orders.domain.quote import QuoteStatus
from orders.domain.sales_claim import ClaimStatus
from orders.domain.special_fee import SpecialFeeStatus
from orders.projections import ORDERS
from orders.quote_projections import GO_NO_GO_TIMES, QUOTE_TURNAROUNDS, QUOTES, pipeline_times
from orders.request_projections import SPECIAL_FEES
from orders.return_projections import RETURN_VALUES, RETURNS, return_values
from runtime.application import Feature, ServiceApplication
from runtime.figures import Figure

_orders = ORDERS.table.c
_fees = SPECIAL_FEES.table.c
_claims = CLAIMS.table.c
_disputes = DISPUTES.table.c
_commitments = COMMITMENTS.table.c
_deliveries = DELIVERY_TRACKING.table.c
_go_no_go = GO_NO_GO_TIMES.table.c
_turnarounds = QUOTE_TURNAROUNDS.table.c
STAGES = {"approved": _turnarounds.to_approval_seconds, "issued": _turnarounds.to_issue_seconds}
"""OR-03: inquiry reported → quote approved; quote approved → issued."""
_quotes = QUOTES.table.c
_deviations = CONTRACT_DEVIATIONS.table.c
_returns = RETURNS.table.c
_values = RETURN_VALUES.table.c
YES_NO = (("yes",), ("no",))


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


def _yes_no(condition: Any) -> Any:
    return case((condition, "yes"), else_="no")


def _go_no_go_decisions(app: Any, now: datetime) -> Select[Any]:
    decided = _go_no_go.decision.is_not(None)
    return select(_go_no_go.decision, func.count()).where(decided).group_by(_go_no_go.decision)


def _go_no_go_seconds(app: Any, now: datetime) -> Select[Any]:
    waited = func.coalesce(func.sum(_go_no_go.seconds), 0)
    decided = _go_no_go.decision.is_not(None)
    return select(_go_no_go.decision, waited).where(decided).group_by(_go_no_go.decision)


def _turnaround(measure: Any) -> Any:
    def query(app: Any, now: datetime) -> Select[Any]:
        stages = [
            select(literal(stage).label("stage"), measure(seconds)).where(seconds.is_not(None))
            for stage, seconds in STAGES.items()
        ]
        return union_all(*stages)  # type: ignore[return-value]

    return query


def _quotes_by_status(app: Any, now: datetime) -> Select[Any]:
    return select(_quotes.status, func.count()).group_by(_quotes.status)


def _quotes_awaiting_follow_up(app: Any, now: datetime) -> Select[Any]:
    overdue = _yes_no(_quotes.follow_up_due_at < now)
    awaiting = _quotes.follow_up_due_at.is_not(None)
    return select(overdue, func.count()).where(awaiting).group_by(overdue)


def _deviations_reapproved(app: Any, now: datetime) -> Select[Any]:
    return select(func.coalesce(func.sum(_deviations.reapproved), 0))


def _contracts_drafted(app: Any, now: datetime) -> Select[Any]:
    return select(func.count()).select_from(CONTRACT_DEVIATIONS.table)


def _signed_with_open_deviations(app: Any, now: datetime) -> Select[Any]:
    signed = _deviations.signed & _deviations.open
    return select(func.count()).select_from(CONTRACT_DEVIATIONS.table).where(signed)


def _orders_placed(app: Any, now: datetime) -> Select[Any]:
    uncontracted = _yes_no(_orders.uncontracted)
    return select(uncontracted, func.count()).group_by(uncontracted)


def _delivered_value(app: Any, now: datetime) -> Select[Any]:
    delivered = _orders.status.in_(WITH_THE_CUSTOMER)
    value = func.coalesce(func.sum(_orders.total), 0)
    return select(_orders.currency, value).where(delivered).group_by(_orders.currency)


def _returns_by_reason(app: Any, now: datetime) -> Select[Any]:
    by = (_returns.reason_code, _returns.status)
    return select(*by, func.count()).group_by(*by)


def _returns_value(app: Any, now: datetime) -> Select[Any]:
    # OR-25: a return is worth what the goods checked come to; a rejected one returns nothing.
    kept = _values.amount.is_not(None) & ~_values.rejected
    by = (_values.reason_code, _values.currency)
    return select(*by, func.sum(_values.amount)).where(kept).group_by(*by)


def _return_cycles(measure: Any) -> Any:
    def query(app: Any, now: datetime) -> Select[Any]:
        cycle = _values.cycle_seconds
        return select(measure(cycle)).where(cycle.is_not(None))

    return query


def _authenticity_failures(app: Any, now: datetime) -> Select[Any]:
    failed = _values.authentic.is_(False)
    return select(func.count()).select_from(RETURN_VALUES.table).where(failed)


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
    Figure(
        "countersign_orders_go_no_go_decisions",
        "Inquiries and tenders whose go / no-go decision was taken, by decision (OR-01).",
        _go_no_go_decisions,
        labels=("decision",),
        counter=True,
        known=tuple((decision.value,) for decision in Decision),
        rule="OR-01",
    ),
    Figure(
        "countersign_orders_go_no_go_seconds",
        "How long those inquiries waited from their report to the manager to the go / no-go "
        "decision, added up, by decision; divided by countersign_orders_go_no_go_decisions_total, "
        "the mean time to decide (OR-01).",
        _go_no_go_seconds,
        labels=("decision",),
        counter=True,
        known=tuple((decision.value,) for decision in Decision),
        rule="OR-01",
    ),
    Figure(
        "countersign_orders_quote_turnarounds",
        "Quote turnaround stages completed: approved (from the inquiry's report to the quote's "
        "approval) and issued (from the approval to the issue to the customer) (OR-01, OR-03).",
        _turnaround(lambda seconds: func.count()),
        labels=("stage",),
        counter=True,
        known=tuple((stage,) for stage in STAGES),
        rule="OR-03",
    ),
    Figure(
        "countersign_orders_quote_turnaround_seconds",
        "Those stages' durations added up; divided by countersign_orders_quote_turnarounds_total, "
        "the mean time per stage (OR-01, OR-03).",
        _turnaround(lambda seconds: func.coalesce(func.sum(seconds), 0)),
        labels=("stage",),
        counter=True,
        known=tuple((stage,) for stage in STAGES),
        rule="OR-03",
    ),
    Figure(
        "countersign_orders_quotes",
        "Quotes by status; the win rate is won / (won + lost + expired) (OR-03, OR-05).",
        _quotes_by_status,
        labels=("status",),
        known=tuple((status.value,) for status in QuoteStatus),
        rule="OR-05",
    ),
    Figure(
        "countersign_orders_quotes_awaiting_follow_up",
        "Issued quotes whose customer's feedback is still to be followed up, by whether the "
        "follow-up date has passed (OR-05).",
        _quotes_awaiting_follow_up,
        labels=("overdue",),
        known=YES_NO,
        rule="OR-05",
    ),
    Figure(
        "countersign_orders_contract_deviations_reapproved",
        "Deviations from the quoted terms re-approved, over all contracts; divided by "
        "countersign_orders_contracts_drafted_total, the re-approvals per contract (OR-07, OR-08).",
        _deviations_reapproved,
        counter=True,
        rule="OR-08",
    ),
    Figure(
        "countersign_orders_contracts_drafted",
        "Sales contracts drafted (OR-06).",
        _contracts_drafted,
        counter=True,
        rule="OR-06",
    ),
    Figure(
        "countersign_orders_contracts_signed_with_open_deviations",
        "Contracts signed while deviations from the quote waited for confirmation; should be 0 "
        "(OR-07, OR-10).",
        _signed_with_open_deviations,
        rule="OR-07",
    ),
    Figure(
        "countersign_orders_placed",
        "Orders placed, by whether they came without a formal contract (uncontracted: phone, "
        "fax, verbal, confirmed by the sales manager); the uncontracted share is yes / (yes + "
        "no) (OR-14).",
        _orders_placed,
        labels=("uncontracted",),
        counter=True,
        known=YES_NO,
        rule="OR-14",
    ),
    Figure(
        "countersign_orders_delivered_value",
        "What the orders delivered to their customers come to, by currency: the base of the "
        "return rate by value (OR-24).",
        _delivered_value,
        labels=("currency",),
        rule="OR-24",
    ),
    Figure(
        "countersign_orders_returns",
        "Returns and exchanges by reason and status; the return rate by count is the returns "
        "not rejected over the orders delivered (OR-24, OR-29).",
        _returns_by_reason,
        labels=("reason", "status"),
        rule="OR-29",
    ),
    Figure(
        "countersign_orders_returns_value",
        "What the goods of the returns not rejected come to at the original prices, by reason "
        "and currency, once the salesperson checked them; over "
        "countersign_orders_delivered_value, the return rate by value (OR-25, OR-29).",
        _returns_value,
        labels=("reason", "currency"),
        rule="OR-29",
    ),
    Figure(
        "countersign_orders_return_cycles",
        "Returns whose cycle ended: billing issued the credit note for their goods (BI-18).",
        _return_cycles(lambda seconds: func.count()),
        counter=True,
        rule="OR-29",
    ),
    Figure(
        "countersign_orders_return_cycle_seconds",
        "Those returns' cycles, from the request to the credit note, added up; divided by "
        "countersign_orders_return_cycles_total, the mean return cycle time (OR-24, BI-18).",
        _return_cycles(lambda seconds: func.coalesce(func.sum(seconds), 0)),
        counter=True,
        rule="OR-29",
    ),
    Figure(
        "countersign_orders_return_authenticity_failures",
        "Returns whose goods the technical department found not genuine (OR-26).",
        _authenticity_failures,
        counter=True,
        rule="OR-26",
    ),
)


class OrderMetrics(ServiceApplication):
    feature = Feature(
        "order-metrics",
        projections=(pipeline_times, contract_deviations, return_values),
        figures=FIGURES,
    )
