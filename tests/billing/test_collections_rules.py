"""The instrument register's rules on the aggregate (BI-06, BI-14)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from billing.domain.cash_handover import CashHandover, CashHandoverStatus
from billing.domain.collection_request import CollectionRequest, CollectionStatus
from billing.domain.collections_check import (
    CollectionException,
    CollectionsCheck,
    ExceptionKind,
    ExceptionStatus,
)
from billing.domain.instrument import Instrument, InstrumentStatus
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting

RECEIVED_AT = datetime(2026, 3, 3, 10, tzinfo=UTC)
DUE = datetime(2026, 3, 3, 17, tzinfo=UTC)


@pytest.fixture(autouse=True)
def unit_of_work() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def received(by: str = "salesperson", kind: str = "bank_draft") -> Instrument:
    return Instrument.receive(
        uuid4(), by, uuid4(), kind, "BD-1", Decimal(100), "CNY", date(2026, 6, 1), RECEIVED_AT, DUE
    )


def test_bi_06_only_cheques_bills_and_drafts_with_an_amount_are_registered() -> None:
    for kind in ("cheque", "acceptance_bill", "bank_draft"):
        assert received(kind=kind).status is InstrumentStatus.RECEIVED
    with pytest.raises(RuleViolation) as refused:
        received(kind="cash")
    assert refused.value.rule == "BI-06"


def test_bi_06_finance_signs_for_it_on_the_day_never_the_one_who_received_it() -> None:
    for roles in (("salesperson",), ("sales_clerk",), ("sales_manager",)):
        with pytest.raises(RuleViolation) as refused:
            received().hand_to_finance("someone", roles, RECEIVED_AT)
        assert refused.value.rule == "BI-06"
    with pytest.raises(RuleViolation) as refused:
        received("finance").hand_to_finance("finance", ("finance",), RECEIVED_AT)
    assert refused.value.rule == "BI-06"
    instrument = received()
    instrument.hand_to_finance("finance", ("finance",), RECEIVED_AT)
    assert (instrument.status, instrument.handed_to) == (InstrumentStatus.WITH_FINANCE, "finance")
    assert not instrument.handover_missed
    with pytest.raises(RuleViolation) as refused:
        instrument.hand_to_finance("accountant", ("accountant",), RECEIVED_AT)
    assert refused.value.rule == "BI-06"


def test_bi_06_a_handover_after_the_close_of_its_day_is_flagged_once() -> None:
    instrument = received()
    assert not instrument.flag_handover_missed(DUE)
    assert instrument.flag_handover_missed(DUE + timedelta(seconds=1))
    assert not instrument.flag_handover_missed(DUE + timedelta(days=1))
    late = received()
    late.hand_to_finance("finance", ("finance",), DUE + timedelta(hours=1))
    assert late.handover_missed
    assert not late.flag_handover_missed(DUE + timedelta(days=1))


def test_bi_14_finance_records_a_dishonoured_instrument_it_holds() -> None:
    instrument = received()
    with pytest.raises(RuleViolation) as refused:
        instrument.dishonour("finance", ("finance",), "bounced")
    assert refused.value.rule == "BI-14"
    instrument.hand_to_finance("finance", ("finance",), RECEIVED_AT)
    with pytest.raises(RuleViolation) as refused:
        instrument.dishonour("salesperson", ("salesperson",), "bounced")
    assert refused.value.rule == "BI-14"
    instrument.dishonour("finance", ("finance",), "bounced")
    assert instrument.status is InstrumentStatus.DISHONOURED


def test_bi_04_sales_raise_collection_requests_for_what_is_owed_never_finance() -> None:
    owed = {uuid4(): Decimal(60), uuid4(): Decimal(40)}

    def raised(amount: str, *roles: str) -> CollectionRequest:
        return CollectionRequest.raise_for(
            uuid4(), "salesperson", roles, uuid4(), "CNY", "ICBC 1", Decimal(amount), owed
        )

    for amount, roles in (
        ("100", ("finance",)),
        ("100.01", ("salesperson",)),
        ("0", ("salesperson",)),
    ):
        with pytest.raises(RuleViolation) as refused:
            raised(amount, *roles)
        assert refused.value.rule == "BI-04"
    request = raised("100", "salesperson")
    assert (request.status, request.invoice_ids) == (CollectionStatus.SUBMITTED, tuple(owed))
    with pytest.raises(RuleViolation) as refused:
        request.notify_customer("salesperson", ("salesperson",), "phone")
    assert refused.value.rule == "BI-04"
    with pytest.raises(RuleViolation) as refused:
        request.chase("someone-else", ("salesperson",), "called")
    assert refused.value.rule == "BI-04"
    request.chase("salesperson", ("salesperson",), "called")
    assert request.chases == 1


def test_bi_17_a_cash_handover_needs_two_people_one_of_whom_records_it() -> None:
    def record(by: str, giver: str, receiver: str, amount: str = "10") -> CashHandover:
        return CashHandover.record(
            uuid4(), by, giver, receiver, Decimal(amount), "CNY", None, "on-site fee"
        )

    for by, giver, receiver, amount in (
        ("finance", "finance", "finance", "10"),
        ("someone", "technician", "accountant", "10"),
        ("technician", "technician", "accountant", "0"),
    ):
        with pytest.raises(RuleViolation) as refused:
            record(by, giver, receiver, amount)
        assert refused.value.rule == "BI-17"
    handover = record("technician", "technician", "accountant")
    assert handover.status is CashHandoverStatus.AWAITING_SIGNATURES
    assert handover.signers == set()


def test_bi_07_exceptions_have_an_owner_and_stay_open_until_resolved() -> None:
    with pytest.raises(RuleViolation) as refused:
        CollectionException.raise_in(
            uuid4(), uuid4(), date(2026, 3, 3), ExceptionKind.SHORT_PAYMENT, "short", "", None
        )
    assert refused.value.rule == "BI-07"
    exception = CollectionException.raise_in(
        uuid4(), uuid4(), date(2026, 3, 3), ExceptionKind.SHORT_PAYMENT, "short", "clerk", None
    )
    for user, roles, resolution in (("salesperson", ("salesperson",), "paid"), ("clerk", (), "")):
        with pytest.raises(RuleViolation) as refused:
            exception.resolve(user, roles, resolution)
        assert refused.value.rule == "BI-07"
    exception.resolve("finance", ("finance",), "customer paid the rest")
    assert exception.status is ExceptionStatus.RESOLVED


def test_bi_07_the_clerk_or_finance_checks_a_day_that_came() -> None:
    day = date(2026, 3, 3)
    for today, roles in ((day, ("salesperson",)), (day - timedelta(days=1), ("finance",))):
        with pytest.raises(RuleViolation) as refused:
            CollectionsCheck.complete(day, today, "someone", roles, (), ())
        assert refused.value.rule == "BI-07"
    check = CollectionsCheck.complete(day, day, "clerk", ("sales_clerk",), (), ())
    assert check.id == CollectionsCheck.id_for(day)
