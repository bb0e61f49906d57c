"""The spare and warranty parts' rules at the aggregates (RULES §4.11): the stock per ledger
(SD-28), the leader's approval before the issue (SD-24), the old part's monthly handling (SD-22),
the write-off (SD-25), the freight's two signatures (SD-26) and the supplier claim (SD-27),
allowed and refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest

from kernel.approvals.domain import Approvable, Approver, Capacity, Method, SignatureCapture
from kernel.approvals.matrix import AuthorityMatrix
from kernel.calendar import Calendar, Deadline
from kernel.settings import KernelSettings
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from service_desk.domain.freight import FREIGHT, FreightCost, FreightStatus
from service_desk.domain.spare_parts import (
    SPARE_PART_REQUISITION,
    WARRANTY_PART_WRITE_OFF,
    Disposition,
    Ledger,
    RequisitionStatus,
    SparePartRequisition,
    SparePartStock,
    disposal_due,
)
from service_desk.domain.supplier_claim import ClaimedPart, SupplierClaim

MATRIX = AuthorityMatrix.load(KernelSettings().authority_matrix_file)
CALENDAR = Calendar.load(Path(__file__).parents[2] / "config" / "calendar.toml")
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
DUE = Deadline(NOW + timedelta(days=7), 1)


@pytest.fixture(autouse=True)
def _acting() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def refused(rule: str, excinfo: pytest.ExceptionInfo[RuleViolation]) -> None:
    assert excinfo.value.rule == rule, excinfo.value


def grant(document: Approvable, leader: str = "unit-leader") -> None:
    approval = document.approval
    assert approval is not None
    step = approval.steps[0].step.name
    document.grant(step, Approver(leader, frozenset({"unit_leader"}), document.version_hash, "s"))


def approve(document: Approvable, kind: str) -> None:
    document.request_approval(uuid4(), MATRIX.rule(kind), MATRIX.version, "technician")
    grant(document)


def requisition(service_type: str = "C", qty: int = 2) -> SparePartRequisition:
    return SparePartRequisition.requisition(
        uuid4(),
        uuid4(),
        service_type,
        ("technician",),
        "SEAL-9",
        qty,
        Ledger.CENTRAL,
        None,
        "Seal worn",
        "technician",
    )


def issued(service_type: str = "C") -> SparePartRequisition:
    made = requisition(service_type)
    approve(made, SPARE_PART_REQUISITION)
    made.issue("warehouse", DUE)
    return made


def test_sd_28_the_stock_never_goes_negative() -> None:
    stock = SparePartStock.open(Ledger.CENTRAL, None, "SEAL-9")
    stock.receive("R-1", 2, "warehouse")
    with pytest.raises(RuleViolation) as short:
        stock.issue(uuid4(), 3)
    refused("SD-28", short)
    stock.issue(uuid4(), 2)
    assert stock.on_hand == 0
    with pytest.raises(RuleViolation) as again:
        stock.receive("R-1", 1, "warehouse")
    refused("SD-28", again)


def test_sd_28_a_service_station_keeps_its_own_ledger() -> None:
    with pytest.raises(RuleViolation) as unnamed:
        SparePartStock.open(Ledger.SERVICE_STATION, None, "SEAL-9")
    refused("SD-28", unnamed)
    station = SparePartStock.id_for(Ledger.SERVICE_STATION, "NINGBO-1", "SEAL-9")
    assert station != SparePartStock.id_for(Ledger.CENTRAL, None, "SEAL-9")


def test_sd_24_no_issue_before_the_leader_approved() -> None:
    made = requisition()
    with pytest.raises(RuleViolation) as early:
        made.issue("warehouse", DUE)
    refused("SD-24", early)
    approve(made, SPARE_PART_REQUISITION)
    assert made.status is RequisitionStatus.APPROVED
    made.issue("warehouse", DUE)
    assert (made.status, made.old_part_due_at) == (RequisitionStatus.ISSUED, DUE.at)
    with pytest.raises(RuleViolation) as off_call:
        SparePartRequisition.requisition(
            uuid4(), uuid4(), "C", ("t-2",), "SEAL-9", 1, Ledger.CENTRAL, None, "x", "technician"
        )
    refused("SD-24", off_call)


def test_sd_22_the_old_part_is_dealt_with_by_the_working_day_of_the_next_month() -> None:
    due = disposal_due(NOW, 5, CALENDAR)
    # New Year's Day is a holiday: the fifth working day of January 2027 is Friday the 8th.
    assert due.at == datetime(2027, 1, 8, 9, 30, tzinfo=UTC)
    made = issued()
    assert not made.flag_old_part(DUE.at)
    assert made.flag_old_part(DUE.at + timedelta(seconds=1))  # not back in time
    assert not made.flag_old_part(DUE.at + timedelta(days=1))  # once
    made.return_old_part(uuid4(), "technician", due)
    assert not made.flag_old_part(due.at)
    assert made.flag_old_part(due.at + timedelta(seconds=1))  # not dealt with in its month
    assert not made.flag_old_part(due.at + timedelta(days=1))
    made.dispose_old_part(Disposition.SCRAPPED, "warehouse")
    with pytest.raises(RuleViolation) as twice:
        made.dispose_old_part(Disposition.SCRAPPED, "warehouse")
    refused("SD-22", twice)


def test_sd_25_each_missing_piece_refuses_the_write_off() -> None:
    made = issued()
    signature = uuid4()
    with pytest.raises(RuleViolation) as unsigned:
        made.write_off(None, "warehouse")
    refused("SD-25", unsigned)
    with pytest.raises(RuleViolation) as no_consent:
        made.write_off(signature, "warehouse")
    refused("SD-25", no_consent)
    made.ask_write_off_consent(signature)
    approve(made, WARRANTY_PART_WRITE_OFF)
    with pytest.raises(RuleViolation) as no_old_part:
        made.write_off(signature, "warehouse")
    refused("SD-25", no_old_part)
    made.return_old_part(uuid4(), "technician", DUE)
    made.write_off(signature, "warehouse")
    assert made.status is RequisitionStatus.WRITTEN_OFF
    with pytest.raises(RuleViolation) as paid:
        issued("A").ask_write_off_consent(signature)
    refused("SD-25", paid)


def _signs(freight: FreightCost, user: str) -> None:
    now = datetime.now(tz=UTC)
    capture = SignatureCapture(user, user, Capacity.EMPLOYEE, "", Method.E_SIGN, None, "x", now)
    freight.capture_signature(uuid4(), capture, user, "seal", now)


def test_sd_26_the_handler_signs_then_the_leader_who_approved() -> None:
    freight = FreightCost.record(uuid4(), uuid4(), None, "SF-1", Decimal("36.50"), "technician")
    freight.request_approval(uuid4(), MATRIX.rule(FREIGHT), MATRIX.version, "technician")
    with pytest.raises(RuleViolation) as leader_first:
        grant(freight)
    refused("SD-26", leader_first)
    with pytest.raises(RuleViolation) as stranger:
        _signs(freight, "unit-leader")
    refused("SD-26", stranger)
    _signs(freight, "technician")
    grant(freight)
    assert freight.status is FreightStatus.RECORDED
    _signs(freight, "unit-leader")
    assert freight.status is FreightStatus.WRITTEN_OFF


def test_sd_27_a_claim_has_old_parts_and_is_settled_once_within_the_claim() -> None:
    with pytest.raises(RuleViolation) as empty:
        SupplierClaim.file(uuid4(), "Pump Co.", (), ("report",), Decimal(10), "supervisor")
    refused("SD-27", empty)
    part = ClaimedPart(uuid4(), "SEAL-9", 1, uuid4(), uuid4())
    claim = SupplierClaim.file(uuid4(), "Pump Co.", (part,), ("report",), Decimal(10), "s")
    with pytest.raises(RuleViolation) as too_much:
        claim.settle(Decimal(11), "supervisor")
    refused("SD-27", too_much)
    claim.settle(Decimal(8), "supervisor")
    assert claim.recovered == Decimal(8)
    with pytest.raises(RuleViolation) as twice:
        claim.settle(Decimal(8), "supervisor")
    refused("SD-27", twice)
