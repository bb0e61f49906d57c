"""Approvals and signatures on any document (XC-01, XC-02, XC-05, XC-07), at the domain level."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from kernel.approvals.domain import (
    Approvable,
    ApprovalStatus,
    Approver,
    Capacity,
    Method,
)
from kernel.approvals.matrix import AuthorityMatrix
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from tests.signers import on_paper

MATRIX = AuthorityMatrix.parse("""
policy_key = "authority-matrix"
version = 3

[approvals.purchase]
title = "Purchase"
rules = ["OR-17"]
major_amount = "1000"
[[approvals.purchase.steps]]
name = "branch"
roles = ["branch_manager"]
[[approvals.purchase.steps]]
name = "manager"
roles = ["sales_manager"]
[[approvals.purchase.steps]]
name = "finance"
roles = ["finance"]
when = "credit"
[[approvals.purchase.steps]]
name = "leadership"
roles = ["leadership_gm"]
when = "major"

[approvals.signature_void]
[[approvals.signature_void.steps]]
name = "manager"
roles = ["sales_manager"]
""")
PURCHASE = MATRIX.rule("purchase")
BRANCH = frozenset({"branch_manager"})
MANAGER = frozenset({"sales_manager"})


class Report(Approvable):
    """A stand-in document: its customer may sign only after the work is completed (SD-11)."""

    document_type = "report"

    def __init__(self) -> None:
        self.text: str
        self.author: str
        self.completed = False

    class Written(Approvable.Created):
        text: str
        author: str

    class Completed(Approvable.Event):
        def apply(self, report: Report) -> None:
            report.completed = True

    class Edited(Approvable.Event):
        text: str

        def apply(self, report: Report) -> None:
            report.text = self.text

    @classmethod
    def write(cls, text: str, author: str) -> Report:
        return cls._create(cls.Written, text=text, author=author)

    def approval_content(self) -> Mapping[str, Any]:
        return {"text": self.text}

    def interested_parties(self) -> set[str]:
        return {self.author}

    def signature_allowed(self, capacity: Capacity) -> None:
        if capacity is Capacity.CUSTOMER and not self.completed:
            raise RuleViolation("SD-11", "the customer signs only after the work is completed")

    def complete(self) -> None:
        self.trigger_event(self.Completed)

    def edit(self, text: str) -> None:
        self.trigger_event(self.Edited, text=text)
        self.content_changed()


@pytest.fixture(autouse=True)
def context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def requested(amount: str = "10", conditions: tuple[str, ...] = ()) -> Report:
    report = Report.write("pump replaced", author="author")
    report.request_approval(
        uuid4(), PURCHASE, MATRIX.version, "requester", Decimal(amount), conditions
    )
    return report


def test_steps_follow_the_matrix_with_conditions_and_major_amounts() -> None:
    assert [s.name for s in PURCHASE.steps_for(Decimal(10), ())] == ["branch", "manager"]
    assert [s.name for s in PURCHASE.steps_for(Decimal(10), ("credit",))] == [
        "branch",
        "manager",
        "finance",
    ]
    major = PURCHASE.steps_for(Decimal(1000), ())
    assert [(s.order, s.name) for s in major] == [(1, "branch"), (2, "manager"), (3, "leadership")]


def test_granted_in_order_by_the_right_roles_approves_the_document() -> None:
    report = requested()
    report.grant("branch", Approver("b1", BRANCH, report.version_hash, "sig-1"))
    report.grant("manager", Approver("m1", MANAGER, report.version_hash, "sig-2"))
    assert report.approval is not None
    assert report.approval.status is ApprovalStatus.APPROVED
    granted = [e for e in report.collect_events() if isinstance(e, Approvable.ApprovalGranted)]
    assert [(e.step, e.approver_role, e.policy_version) for e in granted] == [
        ("branch", "branch_manager", 3),
        ("manager", "sales_manager", 3),
    ]
    assert {e.subject_version_hash for e in granted} == {report.version_hash}


@pytest.mark.parametrize("approver", ["requester", "author"])
def test_xc05_self_approval_refused(approver: str) -> None:
    report = requested()
    with pytest.raises(RuleViolation) as refused:
        report.grant("branch", Approver(approver, BRANCH, report.version_hash, "sig"))
    assert refused.value.rule == "XC-05"


def test_xc05_one_person_cannot_decide_two_steps() -> None:
    report = requested()
    report.grant("branch", Approver("both", BRANCH | MANAGER, report.version_hash, "sig"))
    with pytest.raises(RuleViolation) as refused:
        report.grant("manager", Approver("both", BRANCH | MANAGER, report.version_hash, "sig"))
    assert refused.value.rule == "XC-05"


def test_xc07_wrong_role_refused() -> None:
    report = requested()
    with pytest.raises(RuleViolation) as refused:
        report.grant("branch", Approver("m1", MANAGER, report.version_hash, "sig"))
    assert refused.value.rule == "XC-07"
    assert refused.value.details["required_roles"] == ["branch_manager"]


def test_xc01_out_of_order_step_refused() -> None:
    report = requested()
    with pytest.raises(RuleViolation) as refused:
        report.grant("manager", Approver("m1", MANAGER, report.version_hash, "sig"))
    assert refused.value.rule == "XC-01"
    assert refused.value.details["next_step"] == "branch"


def test_xc01_content_change_invalidates_and_requires_reapproval() -> None:
    report = requested()
    approved_hash = report.version_hash
    report.grant("branch", Approver("b1", BRANCH, approved_hash, "sig"))
    report.grant("manager", Approver("m1", MANAGER, approved_hash, "sig"))
    report.edit("pump and valve replaced")
    assert report.approval is not None
    assert report.approval.status is ApprovalStatus.INVALIDATED
    invalidated = [
        e for e in report.collect_events() if isinstance(e, Approvable.ApprovalInvalidated)
    ]
    assert invalidated[0].approved_hash == approved_hash
    assert invalidated[0].current_hash == report.version_hash != approved_hash
    with pytest.raises(RuleViolation):  # nothing to grant on the old request any more
        report.grant("branch", Approver("b1", BRANCH, report.version_hash, "sig"))
    report.request_approval(uuid4(), PURCHASE, MATRIX.version, "requester", Decimal(10))
    report.grant("branch", Approver("b1", BRANCH, report.version_hash, "sig"))
    assert report.approval.next_step().step.name == "manager"  # type: ignore[union-attr]


def test_xc01_approver_must_have_seen_the_current_version() -> None:
    report = requested()
    seen = report.version_hash
    report.trigger_event(Report.Edited, text="changed behind the approver's back")
    with pytest.raises(RuleViolation) as refused:
        report.grant("branch", Approver("b1", BRANCH, seen, "sig"))
    assert refused.value.rule == "XC-01"


def test_a_rejection_needs_a_reason_and_ends_the_request() -> None:
    report = requested()
    with pytest.raises(RuleViolation) as refused:
        report.reject("branch", Approver("b1", BRANCH, report.version_hash, "sig"), reason="  ")
    assert refused.value.rule == "XC-01"
    report.reject(
        "branch", Approver("b1", BRANCH, report.version_hash, "sig"), reason="price too low"
    )
    assert report.approval is not None
    assert report.approval.status is ApprovalStatus.REJECTED


def test_only_one_request_at_a_time() -> None:
    report = requested()
    with pytest.raises(RuleViolation) as refused:
        report.request_approval(uuid4(), PURCHASE, MATRIX.version, "requester")
    assert refused.value.rule == "XC-01"


def _sign(report: Report, capacity: Capacity, signer_id: str | None, captured_by: str) -> None:
    method = Method.PAPER_SCAN if capacity is Capacity.CUSTOMER else Method.HANDWRITTEN
    capture = replace(on_paper(), capacity=capacity, signer_id=signer_id, method=method)
    report.capture_signature(uuid4(), capture, captured_by, "seal", clock.now())


def _void(
    report: Report, signature_id: UUID, approver: str, roles: frozenset[str], by: str
) -> None:
    rule = MATRIX.rule("signature_void")
    approver_signs = Approver(approver, roles, report.version_hash, "sig")
    report.void_signature(signature_id, "wrong person signed", rule, approver_signs, by)


def test_sd11_signature_before_its_required_predecessor_refused() -> None:
    report = Report.write("work", author="technician")
    with pytest.raises(RuleViolation) as refused:
        _sign(report, Capacity.CUSTOMER, None, "technician")
    assert refused.value.rule == "SD-11"
    report.complete()
    _sign(report, Capacity.CUSTOMER, None, "technician")
    captured = [e for e in report.collect_events() if isinstance(e, Approvable.SignatureCaptured)]
    assert captured[0].document_version_hash == report.version_hash
    assert captured[0].capture.capacity == "customer"


def test_xc02_employees_sign_only_for_themselves_and_a_paper_signature_needs_its_scan() -> None:
    report = Report.write("work", author="technician")
    with pytest.raises(RuleViolation) as refused:
        _sign(report, Capacity.EMPLOYEE, "someone-else", "technician")
    assert refused.value.rule == "XC-02"
    report.complete()
    with pytest.raises(RuleViolation) as no_image:
        unseen = replace(on_paper(), image_hash=None)
        report.capture_signature(uuid4(), unseen, "technician", "s", clock.now())
    assert no_image.value.rule == "XC-02"


@pytest.mark.parametrize("method", [Method.E_SIGN, Method.HANDWRITTEN, Method.SEAL])
def test_xc02_staff_never_enter_a_customer_s_signature(method: Method) -> None:
    """Only the scan of what the customer signed on paper; e-signatures come from their link."""
    report = Report.write("work", author="technician")
    report.complete()
    with pytest.raises(RuleViolation) as refused:
        entered = replace(on_paper(), method=method)
        report.capture_signature(uuid4(), entered, "technician", "s", clock.now())
    assert refused.value.rule == "XC-02"
    assert "signing link" in refused.value.reason
    assert not report.signatures


def test_xc02_xc05_a_signature_is_voided_only_with_an_approval_by_someone_else() -> None:
    report = Report.write("work", author="technician")
    report.complete()
    _sign(report, Capacity.CUSTOMER, None, "technician")
    (signature_id,) = report.signatures
    with pytest.raises(RuleViolation) as own:
        _void(report, signature_id, "m1", MANAGER, by="m1")
    assert own.value.rule == "XC-05"
    with pytest.raises(RuleViolation) as role:
        _void(report, signature_id, "b1", BRANCH, by="technician")
    assert role.value.rule == "XC-07"
    _void(report, signature_id, "m1", MANAGER, by="technician")
    assert report.signatures[signature_id].voided
    with pytest.raises(RuleViolation):
        _void(report, signature_id, "m1", MANAGER, by="technician")
