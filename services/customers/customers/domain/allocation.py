"""CU-15: the sales manager spreads the accounts roughly evenly across the sales staff."""

from __future__ import annotations

from collections.abc import Mapping

from runtime.aggregate import RuleViolation


def check_balanced(
    new_owner: str, old_owner: str, accounts: Mapping[str, int], margin: int
) -> None:
    """Refuse moving one account from ``old_owner`` to ``new_owner`` when that leaves the new
    owner more than ``margin`` accounts above the average owner; ``accounts`` counts each
    owner's accounts before the move."""
    after = dict(accounts)
    after[old_owner] = after.get(old_owner, 1) - 1
    after[new_owner] = after.get(new_owner, 0) + 1
    holding = [count for count in after.values() if count > 0]
    average = sum(holding) / len(holding)
    # CU-15: a refusal, not an override: the manager first moves other accounts away.
    if after[new_owner] > average + margin:
        raise RuleViolation(
            "CU-15",
            "the new owner would hold more accounts than the allocation margin allows",
            owner=new_owner,
            accounts=after[new_owner],
            average=round(average, 2),
            margin=margin,
        )
