"""Service fees collected on site at the fee that guards them, allowed and refused (BI-16, BI-17,
BI-15): booked once by the accountant against a cash handover to them that both signed, for
exactly the fee; flagged once when not handed in by the close of its day."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from billing.domain.cash_handover import CashHandover
from billing.domain.service_fee import ServiceFee, ServiceFeeStatus
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from tests.billing.test_collections_api import own_signature

DUE = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def unit_of_work() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def fee() -> ServiceFee:
    return ServiceFee.collect(uuid4(), uuid4(), Decimal(80), "CNY", "SR-1", uuid4(), DUE)


def handover(amount: str = "80", signed: bool = True, to: str = "accountant") -> CashHandover:
    cash = CashHandover.record(uuid4(), to, "technician", to, Decimal(amount), "CNY", None, "fee")
    if signed:
        for user in ("technician", to):
            cash.capture_signature(uuid4(), own_signature(user), user, "seal", clock.now())
    return cash


def test_bi_16_the_accountant_books_the_fee_once_against_a_signed_handover_of_it() -> None:
    collected = fee()
    for cash, rule in (
        (handover(signed=False), "BI-17"),
        (handover(to="finance"), "BI-17"),
        (handover("79.99"), "BI-16"),
    ):
        with pytest.raises(RuleViolation) as refused:
            collected.hand_in("accountant", ["accountant"], cash, DUE)
        assert refused.value.rule == rule
    with pytest.raises(RuleViolation) as technician:
        collected.hand_in("technician", ["technician"], handover(), DUE)
    assert technician.value.rule == "BI-15"
    collected.hand_in("accountant", ["accountant"], handover(), DUE)
    assert (collected.status, collected.handover_missed) == (ServiceFeeStatus.HANDED_IN, False)
    with pytest.raises(RuleViolation) as twice:
        collected.hand_in("accountant", ["accountant"], handover(), DUE)
    assert twice.value.rule == "BI-16"


def test_bi_16_a_fee_not_handed_in_by_the_close_of_its_day_is_flagged_once() -> None:
    collected = fee()
    assert not collected.flag_handover_missed(DUE)
    assert collected.flag_handover_missed(DUE + timedelta(seconds=1))
    assert not collected.flag_handover_missed(DUE + timedelta(hours=1))
    collected.hand_in("accountant", ["accountant"], handover(), DUE + timedelta(hours=2))
    assert collected.handover_missed
