"""Approvals through the application layer on a real store (SQLite and PostgreSQL): the authority
matrix comes into force only with the general manager's signature, approvers sign with their own
keys, and the audit trail shows every step."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from chassis import clock
from chassis.approvals.deadlines import ApprovalDeadlines
from chassis.approvals.domain import (
    Capacity,
    Method,
    approval_signing_fields,
    signature_signing_fields,
    void_signing_fields,
)
from chassis.approvals.http import approval_view, audit_trail
from chassis.approvals.policy import policy_signing_fields
from chassis.approvals.service import Decision
from chassis.domain import CommandContext, RuleViolation
from chassis.settings import Settings
from chassis.signing import init_dev_keys, load_private_key, sign

from customers.application.service import CustomersApplication

USERS = ["salesperson", "sales-manager", "sales-manager-2", "finance", "gm", "dgm"]
GM = frozenset({"leadership_gm"})


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    directory = tmp_path / "keys"
    init_dev_keys(directory, USERS)
    return directory


@pytest.fixture
def app(store_settings: Settings, keys: Path) -> Iterator[CustomersApplication]:
    application = CustomersApplication(store_settings.model_copy(update={"keys_dir": keys}))
    yield application
    application.close()


def put_matrix_in_force(app: CustomersApplication, keys: Path) -> int:
    configured = app.approvals.configured
    fields = policy_signing_fields(configured.policy_key, configured.version, configured.digest)
    app.approvals.approve_policy(
        CommandContext("gm"), GM, configured.version, sign(load_private_key(keys, "gm"), fields)
    )
    return configured.version


def decide(
    app: CustomersApplication,
    keys: Path,
    user: str,
    roles: set[str],
    customer_id: UUID,
    signer: str | None = None,
    decision: Decision = "grant",
    note: str = "",
) -> None:
    view = approval_view(app.approvals.document(customer_id), user)
    assert view.next_step is not None and view.approval_id is not None
    fields = approval_signing_fields(
        "customer",
        customer_id,
        view.approval_id,
        decision,
        view.next_step,
        view.version_hash,
        view.policy_version or 0,
        user,
    )
    signature = sign(load_private_key(keys, signer or user), fields)
    app.approvals.decide(
        CommandContext(user),
        frozenset(roles),
        customer_id,
        decision,
        view.next_step,
        view.version_hash,
        signature,
        note,
    )


def test_xc07_no_approval_before_the_gm_signed_the_matrix(
    app: CustomersApplication, keys: Path
) -> None:
    customer_id = app.register_customer(CommandContext("salesperson"), "ACME", "salesperson")
    with pytest.raises(RuleViolation) as refused:
        app.submit_for_approval(CommandContext("salesperson"), customer_id, Decimal(0), "CNY")
    assert refused.value.rule == "XC-07"
    assert app.customer(customer_id).version == 1  # nothing half-written


def test_xc07_policy_change_without_the_gms_signed_approval_refused(
    app: CustomersApplication, keys: Path
) -> None:
    configured = app.approvals.configured
    fields = policy_signing_fields(configured.policy_key, configured.version, configured.digest)
    good = sign(load_private_key(keys, "gm"), fields)
    with pytest.raises(RuleViolation) as not_gm:
        app.approvals.approve_policy(
            CommandContext("dgm"),
            frozenset({"leadership_dgm"}),
            configured.version,
            sign(load_private_key(keys, "dgm"), fields),
        )
    assert not_gm.value.rule == "XC-07"
    forged = sign(load_private_key(keys, "dgm"), fields)  # someone else's key, in the GM's name
    with pytest.raises(RuleViolation) as bad_signature:
        app.approvals.approve_policy(CommandContext("gm"), GM, configured.version, forged)
    assert bad_signature.value.rule == "XC-07"
    with pytest.raises(RuleViolation):
        app.approvals.matrix_in_force()

    app.approvals.approve_policy(CommandContext("gm"), GM, configured.version, good)
    assert app.approvals.matrix_in_force().version == configured.version


def test_customer_approval_chain_with_signatures_and_audit_trail(
    app: CustomersApplication, keys: Path
) -> None:
    version = put_matrix_in_force(app, keys)
    customer_id = app.register_customer(CommandContext("salesperson"), "ACME", "salesperson")
    app.submit_for_approval(CommandContext("salesperson"), customer_id, Decimal(5000), "CNY")

    # XC-02: a signature made with another employee's key is a forgery and is refused.
    with pytest.raises(RuleViolation) as forged:
        decide(app, keys, "sales-manager", {"sales_manager"}, customer_id, signer="sales-manager-2")
    assert forged.value.rule == "XC-02"

    decide(app, keys, "sales-manager", {"sales_manager"}, customer_id)
    assert app.customer(customer_id).status == "pending_approval"  # finance still to give opinion
    decide(app, keys, "finance", {"finance"}, customer_id)
    customer = app.customer(customer_id)
    assert customer.status == "active"
    assert customer.credit_limit == Decimal(5000)

    trail = audit_trail(app, customer_id)
    steps = [
        (e.event, e.actor, e.details.get("step"), e.details.get("approver_role")) for e in trail
    ]
    assert [s[0].rsplit(".", 1)[-1] for s in steps] == [
        "Registered",
        "SubmittedForApproval",
        "ApprovalRequested",
        "ApprovalGranted",
        "ApprovalGranted",
        "Approved",
    ]
    assert steps[3][1:] == ("sales-manager", "sales_manager", "sales_manager")
    assert steps[4][1:] == ("finance", "finance", "finance")
    granted = [e for e in trail if e.event.endswith("ApprovalGranted")]
    assert {e.details["policy_version"] for e in granted} == {version}
    assert {e.details["subject_version_hash"] for e in granted} == {customer.version_hash}


def test_a_changed_credit_limit_invalidates_the_approval(
    app: CustomersApplication, keys: Path
) -> None:
    put_matrix_in_force(app, keys)
    customer_id = app.register_customer(CommandContext("salesperson"), "ACME", "salesperson")
    app.submit_for_approval(CommandContext("salesperson"), customer_id, Decimal(5000), "CNY")
    decide(app, keys, "sales-manager", {"sales_manager"}, customer_id)
    app.submit_for_approval(CommandContext("salesperson"), customer_id, Decimal(9000), "CNY")
    events = [e.event.rsplit(".", 1)[-1] for e in audit_trail(app, customer_id)]
    assert events[-3:] == ["SubmittedForApproval", "ApprovalInvalidated", "ApprovalRequested"]
    view = approval_view(app.approvals.document(customer_id), "sales-manager")
    assert view.next_step == "sales_manager"  # re-approval starts from the first step


def test_a_signed_rejection_with_its_reason_ends_the_request(
    app: CustomersApplication, keys: Path
) -> None:
    put_matrix_in_force(app, keys)
    customer_id = app.register_customer(CommandContext("salesperson"), "ACME", "salesperson")
    app.submit_for_approval(CommandContext("salesperson"), customer_id, Decimal(0), "CNY")
    decide(
        app,
        keys,
        "sales-manager",
        {"sales_manager"},
        customer_id,
        decision="reject",
        note="no credit rating form attached",
    )
    view = approval_view(app.approvals.document(customer_id), "sales-manager")
    assert view.status == "rejected"
    assert view.steps[0].decided_by == "sales-manager"
    rejected = [e for e in audit_trail(app, customer_id) if e.event.endswith("ApprovalRejected")]
    assert rejected[0].details["reason"] == "no credit rating form attached"
    assert app.customer(customer_id).status == "pending_approval"


@pytest.fixture
def moved_clock() -> Iterator[list[datetime]]:
    """The one clock, set by the test: a Monday morning in the company's time zone."""
    now = [datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))]
    clock.use(lambda: now[0])
    yield now
    clock.use(lambda: datetime.now(tz=UTC))


def test_an_overdue_step_is_recorded_once_and_escalates_to_the_next_role(
    app: CustomersApplication, keys: Path, moved_clock: list[datetime]
) -> None:
    put_matrix_in_force(app, keys)
    customer_id = app.register_customer(CommandContext("salesperson"), "ACME", "salesperson")
    app.submit_for_approval(CommandContext("salesperson"), customer_id, Decimal(5000), "CNY")
    deadlines = ApprovalDeadlines(app)
    rule = app.approvals.configured.rule("customer_approval")
    assert rule.due_working_hours == 16  # two working days of the calendar

    moved_clock[0] += timedelta(days=1)  # Tuesday 09:00: 8 working hours on, not yet due
    assert deadlines.overdue(moved_clock[0]) == []
    moved_clock[0] += timedelta(days=1, hours=1)  # Wednesday 10:00: past Tuesday 17:30
    assert deadlines.overdue(moved_clock[0]) == [customer_id]

    assert app.approvals.escalate_overdue(customer_id)
    assert not app.approvals.escalate_overdue(customer_id)  # recorded once
    assert deadlines.overdue(moved_clock[0]) == []
    overdue = [e for e in audit_trail(app, customer_id) if e.event.endswith("ApprovalOverdue")]
    assert overdue[0].details["step"] == "sales_manager"
    assert overdue[0].details["escalated_to"] == ["leadership_gm"]

    # The general manager may now decide the step the sales manager left waiting.
    decide(app, keys, "gm", {"leadership_gm"}, customer_id)
    view = approval_view(app.approvals.document(customer_id), "finance")
    assert view.steps[0].decided_by == "gm"
    assert view.steps[0].role == "leadership_gm"
    assert view.next_step == "finance"
    assert deadlines.overdue(moved_clock[0] + timedelta(days=7)) == [customer_id]


def test_signatures_are_sealed_by_the_capturing_employee_and_voided_only_with_approval(
    app: CustomersApplication, keys: Path
) -> None:
    put_matrix_in_force(app, keys)
    customer_id = app.register_customer(CommandContext("salesperson"), "ACME", "salesperson")
    document = app.approvals.document(customer_id)
    image = b"stroke data of the customer's signature"
    signed_at = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    fields = signature_signing_fields(
        "customer",
        customer_id,
        document.version_hash,
        "Wang Wei",
        "customer",
        "handwritten",
        hashlib.sha256(image).hexdigest(),
        "Harbin",
        signed_at,
        "salesperson",
    )
    capture = partial(
        app.approvals.capture_signature,
        CommandContext("salesperson"),
        customer_id,
        None,
        "Wang Wei",
        Capacity.CUSTOMER,
        "ACME",
        Method.HANDWRITTEN,
        image,
        "Harbin",
        signed_at,
    )
    # XC-02: a seal made with someone else's key (or over other bytes) is refused.
    with pytest.raises(RuleViolation) as forged:
        capture(sign(load_private_key(keys, "sales-manager"), fields))
    assert forged.value.rule == "XC-02"
    signature_id = capture(sign(load_private_key(keys, "salesperson"), fields))

    void = void_signing_fields(
        customer_id, signature_id, "signed on the wrong form", "sales-manager"
    )
    app.approvals.void_signature(
        CommandContext("sales-manager"),
        frozenset({"sales_manager"}),
        customer_id,
        signature_id,
        "signed on the wrong form",
        "salesperson",
        sign(load_private_key(keys, "sales-manager"), void),
    )
    events = [e.event.rsplit(".", 1)[-1] for e in audit_trail(app, customer_id)]
    assert events[-2:] == ["SignatureCaptured", "SignatureVoided"]
    captured = next(
        e for e in audit_trail(app, customer_id) if e.event.endswith("SignatureCaptured")
    )
    assert captured.details["signer_capacity"] == "customer"
    assert captured.details["image_hash"] == hashlib.sha256(image).hexdigest()
    assert captured.details["captured_by"] == "salesperson"
