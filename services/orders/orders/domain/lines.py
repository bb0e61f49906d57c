"""What every priced line of a document (quote, contract, order, return) is, and how an approver
or a customer signs it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Protocol


class PricedLine(Protocol):
    @property
    def product_code(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def quantity(self) -> int: ...

    @property
    def unit_price(self) -> Decimal: ...


def signed_line(line: PricedLine) -> dict[str, Any]:
    """A line as its document's approval content holds it (the price as its text, so the signed
    bytes never depend on how a number is written)."""
    return {
        "product_code": line.product_code,
        "description": line.description,
        "quantity": line.quantity,
        "unit_price": str(line.unit_price),
    }
