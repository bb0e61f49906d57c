"""The take-back repair's rules at the aggregate: the pickup receipt and the promised time
(SD-14, SD-19), the repair card (SD-15), the charge of paid work only (SD-01) and the escalation
of a repair past its promised time, once (SD-19)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest

from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from service_desk.domain.repair import Repair, RepairStatus
from service_desk.domain.service_call import ReplacedPart, ServiceType

APPROVED = Decimal(100)
"""The call's fee as the unit leader approved it (SD-13)."""

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
PROMISED = NOW + timedelta(days=2)


@pytest.fixture(autouse=True)
def _acting() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def taken_back(service_type: ServiceType = ServiceType.PAID, receipt: str = "PR-1") -> Repair:
    return Repair.take_back(
        uuid4(),
        uuid4(),
        None,
        service_type,
        "P-1",
        "Stops after ten minutes",
        ("technician",),
        receipt,
        "technician",
        PROMISED,
        1,
        "Asia/Shanghai",
        NOW,
    )


def in_repair(service_type: ServiceType = ServiceType.PAID) -> Repair:
    repair = taken_back(service_type)
    repair.trigger_event(
        Repair.ProductTakenBack,
        call_id=repair.call_id,
        pickup_receipt_no=repair.pickup_receipt_no,
        customer_signature_id=uuid4(),
    )
    repair.check_in("IO-1", "RC-1", "service-clerk")
    return repair


def test_sd_14_sd_19_a_take_back_issues_a_receipt_and_promises_a_time_ahead() -> None:
    assert taken_back().status is RepairStatus.AWAITING_TAKE_BACK_SIGNATURE
    with pytest.raises(RuleViolation) as no_receipt:
        taken_back(receipt=" ")
    assert no_receipt.value.rule == "SD-14"
    with pytest.raises(RuleViolation) as past:
        Repair.take_back(
            uuid4(), uuid4(), None, ServiceType.PAID, "P-1", "x", ("technician",), "PR-1",
            "technician", NOW, 1, "Asia/Shanghai", NOW,
        )  # fmt: skip
    assert past.value.rule == "SD-19"


def test_sd_14_checked_in_only_after_the_customer_signed_for_the_take_back() -> None:
    with pytest.raises(RuleViolation) as unsigned:
        taken_back().check_in("IO-1", "RC-1", "service-clerk")
    assert unsigned.value.rule == "SD-14"
    assert in_repair().status is RepairStatus.IN_REPAIR


def test_sd_15_sd_01_the_card_records_time_and_parts_and_a_paid_repair_its_charge() -> None:
    repair = in_repair()
    with pytest.raises(RuleViolation) as stranger:
        repair.log_work("service-clerk", Decimal(1), "Rewound")
    assert stranger.value.rule == "SD-15"
    with pytest.raises(RuleViolation) as untimed:
        repair.complete("technician", Decimal(100), APPROVED)
    assert untimed.value.rule == "SD-15"
    repair.log_work("technician", Decimal("1.5"), "Rewound")
    repair.fit_part("technician", ReplacedPart("Bearing", 1, "worn"))
    with pytest.raises(RuleViolation) as uncharged:
        repair.complete("technician", None, APPROVED)
    assert uncharged.value.rule == "SD-01"
    repair.complete("technician", Decimal(100), APPROVED)
    assert (repair.status, repair.hours, repair.charge) == (
        RepairStatus.AWAITING_INSPECTION,
        Decimal("1.5"),
        Decimal(100),
    )
    warranty = in_repair(ServiceType.WARRANTY)
    warranty.log_work("technician", Decimal(1), "Seal")
    with pytest.raises(RuleViolation) as charged:
        warranty.complete("technician", Decimal(10), None)
    assert charged.value.rule == "SD-01"


def test_sd_13_a_paid_repair_is_charged_the_fee_the_unit_leader_approved_beforehand() -> None:
    repair = in_repair()
    repair.log_work("technician", Decimal(1), "Rewound")
    with pytest.raises(RuleViolation) as unapproved:
        repair.complete("technician", APPROVED, None)
    assert unapproved.value.rule == "SD-13"
    with pytest.raises(RuleViolation) as more:
        repair.complete("technician", APPROVED + 1, APPROVED)
    assert more.value.rule == "SD-13"
    repair.complete("technician", APPROVED, APPROVED)
    assert repair.charge == APPROVED


def test_sd_19_escalated_once_when_the_promised_time_passed_unfinished() -> None:
    repair = in_repair()
    assert not repair.escalate_delay(PROMISED)
    assert repair.escalate_delay(PROMISED + timedelta(seconds=1))
    assert not repair.escalate_delay(PROMISED + timedelta(hours=1))
    finished = in_repair()
    finished.log_work("technician", Decimal(1), "Rewound")
    finished.complete("technician", Decimal(100), APPROVED)
    assert not finished.escalate_delay(PROMISED + timedelta(seconds=1))


def test_sd_16_nothing_goes_back_before_the_supervisor_passed_it() -> None:
    repair = in_repair()
    repair.log_work("technician", Decimal(1), "Rewound")
    repair.complete("technician", Decimal(100), APPROVED)
    with pytest.raises(RuleViolation) as early:
        repair.retrieve_receipt("PR-1", "", "technician")
    assert early.value.rule == "SD-16"
