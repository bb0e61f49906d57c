"""The service ledger (SD-46, BI-16, BI-26): service-desk never books money; billing turns what
it reports into accounting entries. Each entry traces the public event it was booked from (its
type and the id of what it is about), and is derived from that source, so a redelivered or
republished event finds its entry instead of booking it twice. The one entry booked by hand is
finance's adjustment, with its reason; service income, warranty cost and supplier claims never
are."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Self
from uuid import NAMESPACE_OID, UUID, uuid5

from billing.domain.duties import handles_money
from runtime.aggregate import Aggregate, RuleViolation


class EntryKind(StrEnum):
    SERVICE_FEE = "service_fee"
    """SD-46, BI-16: service income, a type-A fee collected on site (cash receipts)."""
    SERVICE_INVOICE = "service_invoice"
    """SD-46, BI-16: service income, a type-A job's invoice issued by finance."""
    WARRANTY_PART = "warranty_part"
    """BI-26: a warranty (C) part written off, at its cost (inventory accounting)."""
    WARRANTY_FREIGHT = "warranty_freight"
    """BI-26, SD-26: the postage or freight of a mailed warranty part."""
    SUPPLIER_CLAIM = "supplier_claim"
    """BI-26, SD-27: a secondary claim filed: a receivable from the supplier."""
    SUPPLIER_CLAIM_COLLECTED = "supplier_claim_collected"
    """BI-26, SD-27: what the supplier paid on its claim."""
    ADJUSTMENT = "adjustment"
    """Finance's correction by hand, with its reason."""


SOURCED = frozenset(EntryKind) - {EntryKind.ADJUSTMENT}
"""SD-46: the kinds booked only from service-desk's events."""

_RULE = {
    EntryKind.SERVICE_FEE: "SD-46",
    EntryKind.SERVICE_INVOICE: "SD-46",
    EntryKind.ADJUSTMENT: "SD-46",
}


def rule_of(kind: EntryKind) -> str:
    """The rule an entry of ``kind`` is booked under: service income SD-46, the rest BI-26."""
    return _RULE.get(kind, "BI-26")


class LedgerEntry(Aggregate):
    def __init__(self) -> None:
        self.kind: EntryKind
        self.amount: Decimal
        self.currency: str
        self.source_event: str
        self.source_id: UUID
        self.reference: str | None
        self.call_id: UUID | None
        self.customer_id: UUID | None
        self.supplier: str | None
        self.booked_on: date
        self.booked_by: str

    class Booked(Aggregate.Created):
        """SD-46, BI-26: ``amount`` booked as ``kind`` from ``source_event`` about
        ``source_id`` (a call, a requisition, a shipment, a claim, an invoice);
        ``reference`` tells apart two entries of one source (a receipt number)."""

        kind: EntryKind
        amount: Decimal
        currency: str
        source_event: str
        source_id: UUID
        reference: str | None
        call_id: UUID | None
        customer_id: UUID | None
        supplier: str | None
        booked_on: date
        booked_by: str

    @property
    def month(self) -> str:
        return self.booked_on.strftime("%Y-%m")

    @staticmethod
    def id_for(kind: EntryKind, source_id: UUID, reference: str | None = None) -> UUID:
        # One entry per source: a redelivered or republished event finds it.
        return uuid5(NAMESPACE_OID, f"ledger:{kind.value}:{source_id}:{reference or ''}")

    @classmethod
    def book(
        cls,
        kind: EntryKind,
        amount: Decimal,
        currency: str,
        source_event: str,
        source_id: UUID,
        booked_on: date,
        booked_by: str,
        *,
        reference: str | None = None,
        call_id: UUID | None = None,
        customer_id: UUID | None = None,
        supplier: str | None = None,
    ) -> Self:
        """SD-46, BI-26: an entry from service-desk's event ``source_event``, booked by billing."""
        rule = rule_of(kind)
        # SD-46: nothing is booked that does not trace its source event.
        if kind not in SOURCED or not source_event:
            raise RuleViolation(rule, "an entry of this kind is booked from its source event")
        # SD-46, BI-26: money booked is a positive amount; a refund is its own document.
        if amount <= 0:
            raise RuleViolation(rule, "an entry books a positive amount", amount=str(amount))
        return cls._create(
            cls.Booked,
            id=cls.id_for(kind, source_id, reference),
            kind=kind,
            amount=amount,
            currency=currency,
            source_event=source_event,
            source_id=source_id,
            reference=reference,
            call_id=call_id,
            customer_id=customer_id,
            supplier=supplier,
            booked_on=booked_on,
            booked_by=booked_by,
        )

    @classmethod
    def adjust(
        cls,
        entry_id: UUID,
        kind: EntryKind,
        amount: Decimal,
        currency: str,
        reason: str,
        booked_by: str,
        roles: Iterable[str],
        booked_on: date,
    ) -> Self:
        """Finance's adjustment by hand; SD-46: never service income, warranty cost or a
        supplier claim, which only service-desk's events book."""
        if kind is not EntryKind.ADJUSTMENT:
            raise RuleViolation(
                rule_of(kind),
                "service income, warranty cost and supplier claims are booked only from "
                "service-desk's events, never by hand",
                kind=kind.value,
            )
        handles_money(booked_by, roles, "a ledger adjustment")
        if amount <= 0:
            raise RuleViolation("SD-46", "an entry books a positive amount", amount=str(amount))
        return cls._create(
            cls.Booked,
            id=entry_id,
            kind=kind,
            amount=amount,
            currency=currency,
            source_event="",
            source_id=entry_id,
            reference=reason,
            call_id=None,
            customer_id=None,
            supplier=None,
            booked_on=booked_on,
            booked_by=booked_by,
        )
