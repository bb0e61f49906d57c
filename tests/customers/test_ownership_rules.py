"""Account ownership at the aggregates that guard it: the balanced allocation (CU-15) and the
handover list signed by the transferor, the receiver and the witness (CU-22)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from customers.domain.allocation import check_balanced
from customers.domain.customer import Customer
from customers.domain.handover import (
    Handover,
    HandoverReason,
    HandoverStatus,
    MatterKind,
    OpenMatter,
    Party,
)
from kernel.approvals.domain import Capacity, Method, SignatureCapture
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting

TRANSFEROR, RECEIVER, WITNESS = "salesperson", "salesperson-2", "handover-witness"
DUE = datetime(2030, 1, 8, 18, tzinfo=UTC)


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def owned(owner: str = TRANSFEROR) -> Customer:
    return Customer.register("ACME", owner_id=owner, registered_by=owner)


def drawn_up(*customers: Customer) -> Handover:
    customers = customers or (owned(),)
    quote = OpenMatter(MatterKind.QUOTE, "Q-2026-17", customers[0].id)
    return Handover.initiate(
        TRANSFEROR,
        RECEIVER,
        WITNESS,
        HandoverReason.DEPARTURE,
        [c.id for c in customers],
        [quote],
        "sales-manager",
        DUE,
        1,
    )


def capture(signer: str, capacity: Capacity | None = None) -> SignatureCapture:
    if capacity is None:
        capacity = Capacity.WITNESS if signer == WITNESS else Capacity.EMPLOYEE
    return SignatureCapture(
        signer_id=signer,
        signer_name=signer,
        capacity=capacity,
        signer_org="",
        method=Method.E_SIGN,
        image_hash=None,
        place="Shanghai",
        signed_at=clock.now(),
    )


def sign(handover: Handover, signer: str, captured_by: str | None = None) -> None:
    by = captured_by or signer
    handover.capture_signature(uuid4(), capture(signer), by, "seal", clock.now())


def refused(rule: str, excinfo: pytest.ExceptionInfo[RuleViolation]) -> None:
    assert excinfo.value.rule == rule, excinfo.value


# CU-15: balanced allocation


def test_cu_15_assignment_within_the_margin_is_allowed() -> None:
    check_balanced("c", "a", {"a": 4, "b": 3, "c": 3}, margin=1)
    check_balanced("new-hire", "a", {"a": 4, "b": 4}, margin=0)


def test_cu_15_assignment_beyond_the_margin_above_average_is_refused() -> None:
    with pytest.raises(RuleViolation) as excinfo:
        check_balanced("b", "a", {"a": 2, "b": 6, "c": 1}, margin=2)
    refused("CU-15", excinfo)
    assert excinfo.value.details["accounts"] == 7


# CU-22: the handover list


def test_cu_22_handover_needs_all_three_signatures() -> None:
    handover = drawn_up()
    sign(handover, TRANSFEROR)
    sign(handover, RECEIVER)
    assert handover.signed_parties == {Party.TRANSFEROR, Party.RECEIVER}
    with pytest.raises(RuleViolation) as excinfo:
        handover.complete()
    refused("CU-22", excinfo)
    assert excinfo.value.details["missing"] == [Party.WITNESS]
    assert handover.status is HandoverStatus.OPEN

    sign(handover, WITNESS)
    assert handover.fully_signed
    handover.complete()
    assert handover.status is HandoverStatus.SIGNED
    signed = [e for e in handover.collect_events() if isinstance(e, Handover.Signed)]
    assert signed[0].version_hash == handover.version_hash


def test_cu_22_the_parties_are_three_different_people() -> None:
    customer = owned()
    with pytest.raises(RuleViolation) as excinfo:
        Handover.initiate(
            TRANSFEROR,
            RECEIVER,
            RECEIVER,
            HandoverReason.TRANSFER,
            [customer.id],
            [],
            "sales-manager",
            DUE,
            1,
        )
    refused("CU-22", excinfo)


@pytest.mark.parametrize(
    ("customers", "matters"),
    [
        ([], []),
        (["a", "a"], []),
        (["a"], [OpenMatter(MatterKind.CONTRACT, "C-1", UUID(int=9))]),
        (["a"], [OpenMatter(MatterKind.RECEIVABLE, "R-1", UUID(int=1))] * 2),
    ],
)
def test_cu_22_a_bad_list_is_refused(customers: list[str], matters: list[OpenMatter]) -> None:
    ids = [UUID(int=1) for _ in customers]
    with pytest.raises(RuleViolation) as excinfo:
        Handover.initiate(
            TRANSFEROR,
            RECEIVER,
            WITNESS,
            HandoverReason.TRANSFER,
            ids,
            matters,
            "sales-manager",
            DUE,
            1,
        )
    refused("CU-22", excinfo)


def test_cu_22_each_party_signs_once() -> None:
    handover = drawn_up()
    sign(handover, RECEIVER)
    with pytest.raises(RuleViolation) as excinfo:
        sign(handover, RECEIVER)
    refused("CU-22", excinfo)
    assert len(handover.signatures) == 1


def test_cu_22_nobody_signs_for_someone_else_or_off_the_list() -> None:
    handover = drawn_up()
    with pytest.raises(RuleViolation) as for_other:
        sign(handover, RECEIVER, captured_by=TRANSFEROR)
    refused("CU-22", for_other)
    with pytest.raises(RuleViolation) as outsider:
        sign(handover, "sales-manager")
    refused("CU-22", outsider)
    with pytest.raises(RuleViolation) as capacity:
        handover.capture_signature(
            uuid4(), capture(WITNESS, Capacity.EMPLOYEE), WITNESS, "seal", clock.now()
        )
    refused("CU-22", capacity)
    assert handover.signatures == {}


def test_cu_22_signatures_on_an_earlier_version_do_not_count() -> None:
    first, second = owned(), owned()
    handover = drawn_up(first)
    seen = handover.version_hash
    sign(handover, TRANSFEROR)
    sign(handover, RECEIVER)
    handover.revise([first.id, second.id], [], TRANSFEROR)

    with pytest.raises(RuleViolation) as excinfo:
        handover.check_seen(seen)  # the witness reviewed the list before it changed
    refused("CU-22", excinfo)
    sign(handover, WITNESS)
    assert handover.signed_parties == {Party.WITNESS}
    assert not handover.fully_signed
    sign(handover, TRANSFEROR)  # on the new version: not twice
    sign(handover, RECEIVER)
    handover.complete()
    assert handover.status is HandoverStatus.SIGNED


def test_cu_22_a_signed_handover_is_not_changed_or_signed_again() -> None:
    handover = drawn_up()
    for party in (TRANSFEROR, RECEIVER, WITNESS):
        sign(handover, party)
    handover.complete()
    with pytest.raises(RuleViolation) as revised:
        handover.revise(handover.customer_ids, [], TRANSFEROR)
    refused("CU-22", revised)
    with pytest.raises(RuleViolation) as again:
        handover.complete()
    refused("CU-22", again)


def test_cu_22_an_unsigned_handover_falls_overdue_once_escalated_to_the_unit_head() -> None:
    handover = drawn_up()
    assert not handover.flag_overdue(DUE)
    assert handover.escalated_to is None
    assert handover.flag_overdue(DUE + timedelta(minutes=1))
    assert not handover.flag_overdue(DUE + timedelta(days=1))
    assert (handover.overdue, handover.escalated_to) == (True, "unit_leader")


def test_cu_22_the_receiver_or_the_witness_records_the_customer_data_returned_once() -> None:
    handover = drawn_up()
    for outsider in (TRANSFEROR, "sales-manager"):
        with pytest.raises(RuleViolation) as not_theirs:
            handover.record_data_returned(outsider)
        refused("CU-22", not_theirs)
    assert handover.data_returned_at is None
    handover.record_data_returned(WITNESS)
    assert handover.data_received_by == WITNESS
    assert handover.data_returned_at is not None
    with pytest.raises(RuleViolation) as twice:
        handover.record_data_returned(RECEIVER)
    refused("CU-22", twice)
    [returned] = [e for e in handover.collect_events() if isinstance(e, Handover.DataReturned)]
    assert (returned.transferor_id, returned.received_by) == (TRANSFEROR, WITNESS)


def test_cu_22_the_receiver_takes_the_transferors_place_on_the_account() -> None:
    as_owner, as_deputy = owned(), owned("sales-manager-2")
    as_deputy.assign_owners("sales-manager-2", TRANSFEROR, "grew", "mgr", {"sales_manager"})
    handover_id = uuid4()
    as_owner.hand_over(handover_id, TRANSFEROR, RECEIVER)
    as_deputy.hand_over(handover_id, TRANSFEROR, RECEIVER)
    assert (as_owner.owner_id, as_owner.deputy_id) == (RECEIVER, None)
    assert (as_deputy.owner_id, as_deputy.deputy_id) == ("sales-manager-2", RECEIVER)
    moved = [e for e in as_owner.collect_events() if isinstance(e, Customer.HandedOver)]
    assert moved[0].handover_id == handover_id


def test_cu_22_only_an_account_the_transferor_holds_is_handed_over() -> None:
    customer = owned("salesperson-3")
    with pytest.raises(RuleViolation) as excinfo:
        customer.hand_over(uuid4(), TRANSFEROR, RECEIVER)
    refused("CU-22", excinfo)
    assert customer.owner_id == "salesperson-3"
