"""The daily collections check (BI-07): each day finance and the sales clerk go through how the
payments came in (``CollectionsCheckCompleted``) and list the problems found, each with an owner
(unapplied cash, a short payment, the wrong customer); an exception stays open, carried into each
day's check, until its owner or finance resolves it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Self
from uuid import NAMESPACE_OID, UUID, uuid5

from runtime.aggregate import Aggregate, RuleViolation

CHECKERS = frozenset({"finance", "accountant", "sales_clerk"})
"""BI-07: the sales clerk checks the collections with finance."""
FINANCE = frozenset({"finance", "accountant"})


class ExceptionKind(StrEnum):
    UNAPPLIED_CASH = "unapplied_cash"
    SHORT_PAYMENT = "short_payment"
    WRONG_CUSTOMER = "wrong_customer"
    OTHER = "other"


class ExceptionStatus(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


@dataclass(frozen=True)
class ExceptionFound:
    """BI-07: a problem the check found, and who deals with it."""

    kind: ExceptionKind
    description: str
    owner_id: str
    customer_id: UUID | None = None


class CollectionsCheck(Aggregate):
    """BI-07: one a day."""

    def __init__(self) -> None:
        self.day: date
        self.checked_by: str
        self.exception_ids: tuple[UUID, ...]
        self.carried_over: tuple[UUID, ...]

    class Completed(Aggregate.Created):
        """BI-07 (``CollectionsCheckCompleted``): the day's new exceptions, and those still open
        from earlier days."""

        day: date
        checked_by: str
        exception_ids: tuple[UUID, ...]
        carried_over: tuple[UUID, ...]

    @staticmethod
    def id_for(day: date) -> UUID:
        return uuid5(NAMESPACE_OID, f"collections-check:{day.isoformat()}")

    @classmethod
    def complete(
        cls,
        day: date,
        today: date,
        checked_by: str,
        roles: Iterable[str],
        exception_ids: tuple[UUID, ...],
        carried_over: tuple[UUID, ...],
    ) -> Self:
        if not CHECKERS & set(roles):
            raise RuleViolation("BI-07", "the sales clerk and finance check the day's collections")
        if day > today:
            raise RuleViolation("BI-07", "a day is checked once it has come", day=day.isoformat())
        return cls._create(
            cls.Completed,
            id=cls.id_for(day),
            day=day,
            checked_by=checked_by,
            exception_ids=exception_ids,
            carried_over=carried_over,
        )


class CollectionException(Aggregate):
    """BI-07: a problem found in a daily check, open until resolved."""

    def __init__(self) -> None:
        self.check_id: UUID
        self.day: date
        self.kind: ExceptionKind
        self.description: str
        self.owner_id: str
        self.customer_id: UUID | None
        self.status = ExceptionStatus.OPEN
        self.resolved_by: str | None = None
        self.resolution: str | None = None

    class Raised(Aggregate.Created):
        check_id: UUID
        day: date
        kind: ExceptionKind
        description: str
        owner_id: str
        customer_id: UUID | None

    class Resolved(Aggregate.Event):
        resolved_by: str
        resolution: str

        def apply(self, exception: CollectionException) -> None:
            exception.status = ExceptionStatus.RESOLVED
            exception.resolved_by, exception.resolution = self.resolved_by, self.resolution

    @classmethod
    def raise_in(
        cls,
        exception_id: UUID,
        check_id: UUID,
        day: date,
        kind: ExceptionKind,
        description: str,
        owner_id: str,
        customer_id: UUID | None,
    ) -> Self:
        if not description.strip() or not owner_id.strip():
            raise RuleViolation("BI-07", "each exception says what is wrong and who deals with it")
        return cls._create(
            cls.Raised,
            id=exception_id,
            check_id=check_id,
            day=day,
            kind=kind,
            description=description,
            owner_id=owner_id,
            customer_id=customer_id,
        )

    def resolve(self, user: str, roles: Iterable[str], resolution: str) -> None:
        """BI-07: its owner, or finance, resolves it, saying how."""
        if user != self.owner_id and not FINANCE & set(roles):
            raise RuleViolation(
                "BI-07", "the exception's owner or finance resolves it", owner_id=self.owner_id
            )
        if self.status is ExceptionStatus.RESOLVED:
            raise RuleViolation("BI-07", "the exception is already resolved")
        if not resolution.strip():
            raise RuleViolation("BI-07", "a resolution says how the exception was dealt with")
        self.trigger_event(self.Resolved, resolved_by=user, resolution=resolution)
