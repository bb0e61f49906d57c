"""The bounded values of Countersign's public language, declared once.

The published contracts and the HTTP APIs use these types, so what a service accepts from a
client is exactly what it promises its consumers, and a consumer validates each message against
the same bounds. Every string is bounded in length and holds printable text only (no NUL, no
control character, no lone surrogate: neither PostgreSQL nor UTF-8 could store them); every
number has a range; every instant and day lies in a sane window.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
"""No business instant of this company lies outside this window."""
LAST_DAY = date(2200, 1, 1)
"""Days run further: a date derived from an instant (a warranty's end, a contract's expiry) must
still be a valid day."""

_ALLOWED_CONTROLS = frozenset("\t\n\r")


def _printable(text: str) -> str:
    for character in text:
        if unicodedata.category(character) in ("Cc", "Cs") and character not in _ALLOWED_CONTROLS:
            raise ValueError(f"control character {character!r} not allowed")
    return text


def _in_window(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("give a time zone (e.g. 2026-11-20T10:00:00+08:00)")
    if not EARLIEST <= at < LATEST:
        raise ValueError(f"must lie between {EARLIEST.date()} and {LATEST.date()}")
    return at


def _day_in_window(day: date) -> date:
    if not EARLIEST.date() <= day < LAST_DAY:
        raise ValueError(f"must lie between {EARLIEST.date()} and {LAST_DAY}")
    return day


_PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]*$"
"""No control character but tab, line feed and carriage return (stated in the schemas; the
validator also refuses lone surrogates, which a pattern cannot)."""


def text(max_length: int, min_length: int = 1) -> object:
    """The metadata of a printable string of at most ``max_length`` characters."""
    return StringConstraints(min_length=min_length, max_length=max_length, pattern=_PRINTABLE)


Name = Annotated[str, text(200), AfterValidator(_printable)]
"""A person's or an organisation's name."""

Label = Annotated[str, text(200), AfterValidator(_printable)]
"""A name the policy or the kernel gives: an approval kind, a step, a role, a document type."""

UserId = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")
]
"""An employee's user id (the identity provider's subject)."""

Code = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[!-~]+$")]
"""A product code or a serial number: visible ASCII, no space."""

ShortText = Annotated[str, text(200, min_length=0), AfterValidator(_printable)]
"""A description, a place."""

LONG_TEXT = 2000
LongText = Annotated[str, text(LONG_TEXT), AfterValidator(_printable)]
"""A reason, a finding, an outcome, a comment."""

Phone = Annotated[
    str, StringConstraints(min_length=3, max_length=40, pattern=r"^\+?[0-9][0-9 ()./-]*$")
]
"""A telephone number as written: digits, an optional leading +, spaces and punctuation."""

CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
"""ISO 4217, e.g. CNY."""

Amount = Annotated[Decimal, Field(max_digits=14, decimal_places=2, allow_inf_nan=False)]
"""An amount of money: at most 12 digits before the point and 2 after (the read tables keep
amounts to the cent in 64-bit integers, which this bound leaves far from overflowing)."""

Price = Annotated[Decimal, Field(ge=0, max_digits=14, decimal_places=2, allow_inf_nan=False)]

MAX_AMOUNT = Decimal("999999999999.99")
"""The largest amount Countersign books; a sum of amounts (an order's total) is held to it too."""

Quantity = Annotated[int, Field(gt=0, le=100_000)]

Instant = Annotated[datetime, AfterValidator(_in_window)]
"""A moment, with its time zone, between 2000 and 2100."""

Day = Annotated[date, AfterValidator(_day_in_window)]

Rating = Annotated[int, Field(ge=1, le=4)]
"""SD-31: one of four satisfaction levels: 1 very dissatisfied, 2 dissatisfied, 3 satisfied,
4 very satisfied."""

Days = Annotated[int, Field(ge=0, le=36_500)]
"""A count of days (how long a receivable is overdue)."""

Hours = Annotated[
    Decimal, Field(gt=0, le=1_000, max_digits=6, decimal_places=2, allow_inf_nan=False)
]
"""Working time spent on one piece of work, in hours to the hundredth (SD-15)."""

Signature = Annotated[str, StringConstraints(max_length=200, pattern=r"^[A-Za-z0-9+/]+={0,2}$")]
"""An Ed25519 signature, base64."""

Digest = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
"""A SHA-256, lowercase hex: a document's version hash."""

StepName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
"""An approval step of the authority matrix."""
