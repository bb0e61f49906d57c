"""Tiered, confidential access to customer files (CU-21): the confidential fields are shown only
to the levels allowed them, and every read that shows a sensitive field is logged."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Self
from uuid import UUID

from kernel.roles import Role
from runtime.aggregate import Aggregate, RuleViolation

CONFIDENTIAL_FIELDS = ("credit_limit", "proposed_credit_limit", "industry_standing")
"""CU-21: the credit granted or proposed and the customer's standing in its industry, shown only
to the ``CONFIDENTIAL_READERS``."""

RISK_FIELDS = ("standing", "open_review_id", "credit_terms_allowed")
"""CU-21: the hold, blacklist and dangerous-customer status, and whether credit terms are
allowed. Sales see them, since they must not sell to a held or blacklisted customer on credit
(CU-06, CU-07), but each read is logged like the others'."""

SENSITIVE_FIELDS = (*CONFIDENTIAL_FIELDS, *RISK_FIELDS)

REVIEW_ASSESSMENT_FIELDS = ("payment_history", "exposure")
"""CU-21: finance's assessment in a dangerous-customer review, the customer's credit in figures:
shown, like the confidential fields, only to the ``CONFIDENTIAL_READERS``."""

CREDIT_FIGURE_FIELDS = ("credit_review_figures", "open_pipeline")
"""CU-21: billing's receivables and exposure and orders' open pipeline reported for the credit
review (CU-11), shown only to the ``CONFIDENTIAL_READERS``."""

CONFIDENTIAL_READERS = frozenset({Role.SALES_MANAGER, Role.FINANCE, Role.LEADERSHIP_GM})
"""CU-21: the levels that decide on credit and grade."""


def shows_confidential(roles: Collection[str]) -> bool:
    """CU-21: whether a reader in ``roles`` is at a level that decides on credit and grade."""
    return not CONFIDENTIAL_READERS.isdisjoint(roles)


def sensitive_fields_shown(roles: Collection[str]) -> tuple[str, ...]:
    """CU-21: the sensitive fields of a customer's file a reader in ``roles`` sees."""
    return SENSITIVE_FIELDS if shows_confidential(roles) else RISK_FIELDS


def review_fields_shown(roles: Collection[str]) -> tuple[str, ...]:
    """CU-21: the sensitive fields of a dangerous-customer review a reader in ``roles`` sees:
    that the customer is under review (risk status), and finance's figures at the
    confidential levels."""
    if not shows_confidential(roles):
        return ("open_review_id",)
    return ("open_review_id", *REVIEW_ASSESSMENT_FIELDS)


def credit_figures_shown(roles: Collection[str]) -> tuple[str, ...]:
    """CU-21: what billing and orders reported for the credit review, at the confidential
    levels only."""
    return CREDIT_FIGURE_FIELDS if shows_confidential(roles) else ()


class SensitiveRead(Aggregate):
    """CU-21: who read which customer's sensitive fields, and when (the event's timestamp)."""

    def __init__(self) -> None:
        self.customer_id: UUID
        self.reader: str
        self.fields: tuple[str, ...]

    class Logged(Aggregate.Created):
        customer_id: UUID
        reader: str
        fields: tuple[str, ...]

    @classmethod
    def log(
        cls, customer_id: UUID, reader: str, roles: Collection[str], fields: Sequence[str]
    ) -> Self:
        # CU-21: read access is tiered by level: nobody reads a field above theirs.
        shown = {
            *sensitive_fields_shown(roles),
            *review_fields_shown(roles),
            *credit_figures_shown(roles),
        }
        above = sorted(set(fields) - shown)
        if above:
            raise RuleViolation(
                "CU-21", "these fields of the customer are not shown at this level", fields=above
            )
        return cls._create(cls.Logged, customer_id=customer_id, reader=reader, fields=tuple(fields))
