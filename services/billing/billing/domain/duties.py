"""Segregation of duties (BI-15, resolution C9): outside sales request and chase payment; inside
staff handle money and receipts. Finance (or the accountant) records money, books what changes a
receivable and issues every invoice, credit note and payout; a salesperson never does, even one
who also holds a finance role, and nobody records what they themselves requested or collected."""

from __future__ import annotations

from collections.abc import Collection, Iterable

from runtime.aggregate import RuleViolation

MONEY_HANDLERS = frozenset({"finance", "accountant"})
OUTSIDE_SALES = "salesperson"


def handles_money(
    user: str, roles: Iterable[str], what: str, requested_by: Collection[str] = ()
) -> None:
    """BI-15: ``user`` may record ``what`` only as inside finance staff, and not having
    requested or collected it (``requested_by``)."""
    held = set(roles)
    if OUTSIDE_SALES in held or not MONEY_HANDLERS & held:
        raise RuleViolation(
            "BI-15", f"finance records {what}, never a salesperson", roles=sorted(held)
        )
    if user in requested_by:
        raise RuleViolation(
            "BI-15", f"the one who requested or collected it does not also record {what}"
        )
