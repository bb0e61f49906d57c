"""Receivables aging and days sales outstanding (BI-13, RULES §8): the one definition billing's
live read models and the analysts' replayed tables both compute from."""

from __future__ import annotations

from decimal import Decimal

AGING_BUCKETS: tuple[tuple[str, int], ...] = (
    ("current", 0),
    ("1-30", 30),
    ("31-60", 60),
    ("61-90", 90),
)
"""Each bucket with the most days past due it holds; not due yet (or due today) is current."""
OLDEST_BUCKET = "over_90"
BUCKETS = (*(name for name, _ in AGING_BUCKETS), OLDEST_BUCKET)


def bucket_of(days_overdue: int) -> str:
    """The aging bucket of a receivable ``days_overdue`` days past its due date."""
    for name, most in AGING_BUCKETS:
        if days_overdue <= most:
            return name
    return OLDEST_BUCKET


def days_sales_outstanding(
    receivables: Decimal, credit_sales: Decimal, period_days: int
) -> Decimal | None:
    """DSO: receivables over the credit sales of the period, times its days, to a tenth of a
    day; none without sales."""
    if not credit_sales:
        return None
    return (receivables / credit_sales * period_days).quantize(Decimal("0.1"))
