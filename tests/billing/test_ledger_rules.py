"""The service ledger and the receivables from suppliers at the aggregates that guard them,
allowed and refused (SD-46, BI-26): an entry traces its source event and books a positive
amount; service income, warranty cost and supplier claims are never booked by hand; a supplier's
one settlement is collected up to what it owes, the rest left open, and flagged beyond it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from billing.domain.ledger import EntryKind, LedgerEntry
from billing.domain.supplier_receivable import SupplierReceivable
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting

TODAY = date(2026, 3, 2)


@pytest.fixture(autouse=True)
def unit_of_work() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def test_sd_46_an_entry_is_booked_from_its_source_event() -> None:
    call_id = uuid4()
    entry = LedgerEntry.book(
        EntryKind.SERVICE_FEE,
        Decimal(80),
        "CNY",
        "ServiceFeeCollectedOnSite",
        call_id,
        TODAY,
        "billing:policy",
        reference="SR-1",
        call_id=call_id,
    )
    assert (entry.kind, entry.source_event, entry.source_id, entry.month) == (
        EntryKind.SERVICE_FEE,
        "ServiceFeeCollectedOnSite",
        call_id,
        "2026-03",
    )
    # One entry per source: the same source finds the same id.
    assert entry.id == LedgerEntry.id_for(EntryKind.SERVICE_FEE, call_id, "SR-1")
    assert entry.id != LedgerEntry.id_for(EntryKind.SERVICE_FEE, call_id, "SR-2")


@pytest.mark.parametrize(
    ("kind", "amount", "source", "rule"),
    [
        (EntryKind.SERVICE_FEE, Decimal(0), "ServiceFeeCollectedOnSite", "SD-46"),
        (EntryKind.SERVICE_INVOICE, Decimal(-5), "ServiceInvoiceRequested", "SD-46"),
        (EntryKind.SERVICE_FEE, Decimal(80), "", "SD-46"),
        (EntryKind.ADJUSTMENT, Decimal(80), "ServiceFeeCollectedOnSite", "SD-46"),
        (EntryKind.WARRANTY_FREIGHT, Decimal(-1), "FreightWrittenOff", "BI-26"),
        (EntryKind.WARRANTY_PART, Decimal(0), "SparePartWrittenOff", "BI-26"),
    ],
)
def test_sd_46_bi_26_an_unsourced_or_non_positive_entry_is_refused(
    kind: EntryKind, amount: Decimal, source: str, rule: str
) -> None:
    with pytest.raises(RuleViolation) as refused:
        LedgerEntry.book(kind, amount, "CNY", source, uuid4(), TODAY, "billing:policy")
    assert refused.value.rule == rule


def test_sd_46_finance_books_an_adjustment_by_hand() -> None:
    entry = LedgerEntry.adjust(
        uuid4(), EntryKind.ADJUSTMENT, Decimal(10), "CNY", "rounding", "finance", ["finance"], TODAY
    )
    assert (entry.kind, entry.source_event, entry.reference) == (
        EntryKind.ADJUSTMENT,
        "",
        "rounding",
    )


@pytest.mark.parametrize(
    ("kind", "user", "rule"),
    [
        (EntryKind.SERVICE_FEE, "finance", "SD-46"),
        (EntryKind.SERVICE_INVOICE, "finance", "SD-46"),
        (EntryKind.WARRANTY_PART, "finance", "BI-26"),
        (EntryKind.SUPPLIER_CLAIM, "finance", "BI-26"),
        (EntryKind.ADJUSTMENT, "salesperson", "BI-15"),
    ],
)
def test_sd_46_service_income_and_warranty_cost_by_hand_are_refused(
    kind: EntryKind, user: str, rule: str
) -> None:
    with pytest.raises(RuleViolation) as refused:
        LedgerEntry.adjust(uuid4(), kind, Decimal(10), "CNY", "by hand", user, [user], TODAY)
    assert refused.value.rule == rule


def claim(amount: str = "500") -> SupplierReceivable:
    return SupplierReceivable.file(uuid4(), "Axle Works", Decimal(amount), "CNY", TODAY, 30)


def test_bi_26_a_partial_settlement_is_collected_and_leaves_the_rest_open() -> None:
    receivable = claim()
    assert (receivable.due_on, receivable.outstanding) == (date(2026, 4, 1), Decimal(500))
    assert receivable.settle(Decimal(300), TODAY) is True
    assert (receivable.collected, receivable.outstanding, receivable.settled) == (
        Decimal(300),
        Decimal(200),
        False,
    )
    # The supplier settles once: a second report of it changes nothing.
    assert receivable.settle(Decimal(200), TODAY) is False
    assert receivable.outstanding == Decimal(200)


def test_bi_26_a_settlement_beyond_what_is_owed_is_flagged_not_collected_refused() -> None:
    receivable = claim()
    assert receivable.settle(Decimal("500.01"), TODAY) is False
    assert (receivable.collected, receivable.over_settlement) == (Decimal(0), Decimal("500.01"))


@pytest.mark.parametrize(("supplier", "amount"), [("Axle Works", "0"), (" ", "10")])
def test_bi_26_a_supplier_receivable_without_a_supplier_or_an_amount_is_refused(
    supplier: str, amount: str
) -> None:
    with pytest.raises(RuleViolation) as refused:
        SupplierReceivable.file(uuid4(), supplier, Decimal(amount), "CNY", TODAY, 30)
    assert refused.value.rule == "BI-26"
