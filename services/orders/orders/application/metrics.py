"""Orders' dashboard figures (RULES §8 "Orders"), read from the orders' read tables when
``/metrics`` is scraped: special fees by status, their count and value (OR-15)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select

from orders.domain.special_fee import SpecialFeeStatus
from orders.request_projections import SPECIAL_FEES
from runtime.application import Feature, ServiceApplication
from runtime.figures import Figure

_fees = SPECIAL_FEES.table.c


def _special_fees(app: Any, now: datetime) -> Select[Any]:
    return select(_fees.status, func.count()).group_by(_fees.status)


def _special_fees_amount(app: Any, now: datetime) -> Select[Any]:
    amount = func.coalesce(func.sum(_fees.amount), 0)
    return select(_fees.status, _fees.currency, amount).group_by(_fees.status, _fees.currency)


FIGURES = (
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
)


class OrderMetrics(ServiceApplication):
    feature = Feature("order-metrics", figures=FIGURES)
