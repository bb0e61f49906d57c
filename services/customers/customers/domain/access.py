"""Tiered, confidential access to customer files (CU-21): the sensitive fields are shown only to
the roles whose level allows them, and each read of them is logged."""

from __future__ import annotations

from collections.abc import Collection
from typing import Self
from uuid import UUID

from kernel.roles import Role
from runtime.aggregate import Aggregate, RuleViolation

SENSITIVE_FIELDS = ("credit_limit", "industry_standing")
"""CU-21: the credit granted and the customer's standing (the blacklist status joins them once
the file holds it, CU-06)."""

SENSITIVE_READERS = frozenset({Role.SALES_MANAGER, Role.FINANCE, Role.LEADERSHIP_GM})
"""CU-21: the levels that decide on credit and grade; sales staff see the file without them."""


def may_read_sensitive(roles: Collection[str]) -> bool:
    return not SENSITIVE_READERS.isdisjoint(roles)


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
    def log(cls, customer_id: UUID, reader: str, roles: Collection[str]) -> Self:
        # CU-21: read access is tiered by role: only the allowed levels read these fields.
        if not may_read_sensitive(roles):
            raise RuleViolation(
                "CU-21",
                "the customer's sensitive fields are not shown at this level",
                fields=list(SENSITIVE_FIELDS),
            )
        return cls._create(
            cls.Logged, customer_id=customer_id, reader=reader, fields=SENSITIVE_FIELDS
        )
