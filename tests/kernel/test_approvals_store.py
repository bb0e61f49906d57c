"""Approvals through the application layer on a real store (SQLite and PostgreSQL): the authority
matrix comes into force only with the general manager's signature, approvers sign with their own
keys, and the audit trail shows every step."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from contracts import governance
from countersign.services import SPECS
from customers.application import CustomersApplication
from customers.domain.customer import Customer
from kernel.application import AUTHORITY_MATRIX
from kernel.approvals import escalate_overdue_steps
from kernel.approvals.http import ApprovalView
from kernel.approvals.projections import overdue_documents
from kernel.policy.domain import policy_signing_fields
from kernel.roles import Role
from kernel.settings import KernelSettings
from runtime.aggregate import RuleViolation
from tests.kernel.approval_story import every_signed_event
from tests.signers import Signers, as_user, on_paper

SALESPERSON = as_user("salesperson", Role.SALESPERSON)


@pytest.fixture
def app(store_settings: KernelSettings) -> Iterator[CustomersApplication]:
    application = CustomersApplication(store_settings)
    yield application
    application.close()


@pytest.fixture
def signers(store_settings: KernelSettings) -> Signers:
    return Signers(store_settings.keys_path)


def submitted(app: CustomersApplication, credit_limit: str = "5000") -> Customer:
    customer = app.register_customer(SALESPERSON, "ACME", "salesperson")
    return app.submit_for_approval(SALESPERSON, customer.id, Decimal(credit_limit), "CNY")


def events_of(app: CustomersApplication, customer: Customer) -> list[str]:
    return [e.event.rsplit(".", 1)[-1] for e in app.audit_trail(customer.id)]


def test_xc07_no_approval_before_the_gm_signed_the_matrix(app: CustomersApplication) -> None:
    customer = app.register_customer(SALESPERSON, "ACME", "salesperson")
    with pytest.raises(RuleViolation) as refused:
        app.submit_for_approval(SALESPERSON, customer.id, Decimal(0), "CNY")
    assert refused.value.rule == "XC-07"
    assert app.customer(customer.id).version == 1  # nothing half-written


def test_xc07_policy_change_without_the_gms_signed_approval_refused(
    app: CustomersApplication, signers: Signers
) -> None:
    configured = app.configured_policy(AUTHORITY_MATRIX)
    fields = policy_signing_fields(configured.policy_key, configured.version, configured.digest)
    with pytest.raises(RuleViolation) as not_gm:
        app.approve_policy(
            as_user("dgm", Role.LEADERSHIP_DGM),
            AUTHORITY_MATRIX,
            configured.version,
            signers.sign("dgm", fields),
        )
    assert not_gm.value.rule == "XC-07"
    gm = as_user("gm", Role.LEADERSHIP_GM)
    forged = signers.sign("dgm", fields)  # someone else's key, in the GM's name
    with pytest.raises(RuleViolation) as bad_signature:
        app.approve_policy(gm, AUTHORITY_MATRIX, configured.version, forged)
    assert bad_signature.value.rule == "XC-07"
    with pytest.raises(RuleViolation):
        app.matrix_in_force()

    app.approve_policy(gm, AUTHORITY_MATRIX, configured.version, signers.sign("gm", fields))
    assert app.matrix_in_force().version == configured.version


def test_xc02_xc07_customer_approval_chain_with_signatures_and_audit_trail(
    app: CustomersApplication, signers: Signers
) -> None:
    version = signers.put_policies_in_force(app)[AUTHORITY_MATRIX]
    customer = submitted(app)

    # XC-02: a signature made with another employee's key is a forgery and is refused.
    with pytest.raises(RuleViolation) as forged:
        signers.decide(
            app, customer.id, "sales-manager", Role.SALES_MANAGER, signer="sales-manager-2"
        )
    assert forged.value.rule == "XC-02"

    signers.decide(app, customer.id, "finance", Role.FINANCE)  # CU-12: finance reviews first
    assert app.customer(customer.id).status == "pending_approval"  # the sales manager decides
    signers.decide(app, customer.id, "sales-manager", Role.SALES_MANAGER)
    approved = app.customer(customer.id)
    assert approved.status == "active"
    assert approved.credit_limit == Decimal(5000)

    trail = app.audit_trail(customer.id)
    assert events_of(app, customer) == [
        "Registered",
        "SubmittedForApproval",
        "ApprovalRequested",
        "ApprovalGranted",
        "ApprovalGranted",
        "Approved",
    ]
    steps = [(e.actor, e.details.get("step"), e.details.get("approver_role")) for e in trail]
    assert steps[3] == ("finance", "finance", "finance")
    assert steps[4] == ("sales-manager", "sales_manager", "sales_manager")
    granted = [e for e in trail if e.event.endswith("ApprovalGranted")]
    assert {e.details["policy_version"] for e in granted} == {version}
    assert {e.details["subject_version_hash"] for e in granted} == {approved.version_hash}


def test_xc01_a_changed_credit_limit_invalidates_the_approval(
    app: CustomersApplication, signers: Signers
) -> None:
    signers.put_policies_in_force(app)
    customer = submitted(app)
    signers.decide(app, customer.id, "finance", Role.FINANCE)
    app.submit_for_approval(SALESPERSON, customer.id, Decimal(9000), "CNY")
    assert events_of(app, customer)[-3:] == [
        "SubmittedForApproval",
        "ApprovalInvalidated",
        "ApprovalRequested",
    ]
    view = ApprovalView.of(app.document(customer.id), "sales-manager")
    assert view.next_step == "finance"  # re-approval starts from the first step


def test_xc01_a_signed_rejection_with_its_reason_ends_the_request(
    app: CustomersApplication, signers: Signers
) -> None:
    signers.put_policies_in_force(app)
    customer = submitted(app, "0")
    reason = "no credit rating form attached"
    signers.decide(app, customer.id, "sales-manager", Role.SALES_MANAGER, "reject", reason)
    view = ApprovalView.of(app.document(customer.id), "sales-manager")
    assert view.status == "rejected"
    assert view.steps[0].decided_by == "sales-manager"
    trail = app.audit_trail(customer.id)
    rejected = [e for e in trail if e.event.endswith("ApprovalRejected")]
    assert rejected[0].details["reason"] == reason
    customer = app.customer(customer.id)  # CU-02: rejected, to correct and resubmit
    assert (customer.status, customer.rejection_reason) == ("rejected", reason)


def test_xc01_an_overdue_step_is_recorded_once_and_escalates_to_the_next_role(
    app: CustomersApplication, signers: Signers, moved_clock: list[datetime]
) -> None:
    moved_clock[0] = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Monday
    signers.put_policies_in_force(app)
    customer = submitted(app)
    rule = app.matrix_in_force().rule("customer_approval")
    assert rule.due_working_hours == 16  # two working days of the calendar

    def overdue(at: datetime) -> list[UUID]:
        app.catch_up_projections()
        with app.read_models.read() as db:
            return overdue_documents(db, at)

    moved_clock[0] += timedelta(days=1)  # Tuesday 09:00: 8 working hours on, not yet due
    assert overdue(moved_clock[0]) == []
    moved_clock[0] += timedelta(days=1, hours=1)  # Wednesday 10:00: past Tuesday 17:30
    assert overdue(moved_clock[0]) == [customer.id]

    escalate_overdue_steps(app)  # the timer's tick
    assert not app.escalate_overdue(as_user("customers:timer"), customer.id)  # recorded once
    assert overdue(moved_clock[0]) == []
    trail = app.audit_trail(customer.id)
    late = [e for e in trail if e.event.endswith("ApprovalOverdue")]
    assert len(late) == 1
    assert late[0].details["step"] == "finance"
    assert late[0].details["escalated_to"] == ["leadership_gm"]
    assert late[0].actor == "customers:timer"

    # The general manager may now decide the step finance left waiting.
    signers.decide(app, customer.id, "gm", Role.LEADERSHIP_GM)
    view = ApprovalView.of(app.document(customer.id), "finance")
    assert view.steps[0].decided_by == "gm"
    # The next step has its own deadline, counted from the grant.
    assert overdue(moved_clock[0]) == []
    assert overdue(moved_clock[0] + timedelta(days=7)) == [customer.id]


def test_xc02_signatures_are_sealed_by_the_capturing_employee_and_voided_only_with_approval(
    app: CustomersApplication, signers: Signers
) -> None:
    signers.put_policies_in_force(app)
    customer = app.register_customer(SALESPERSON, "ACME", "salesperson")
    image_hash = hashlib.sha256(b"scan of the page the customer signed").hexdigest()
    handwritten = replace(on_paper(), image_hash=image_hash)
    # XC-02: a seal made with someone else's key (or over other bytes) is refused.
    with pytest.raises(RuleViolation) as forged:
        signers.seal(app, customer.id, "salesperson", handwritten, sealer="sales-manager")
    assert forged.value.rule == "XC-02"
    signature_id = signers.seal(app, customer.id, "salesperson", handwritten)

    signers.void(app, customer.id, signature_id, "signed on the wrong form")
    assert events_of(app, customer)[-2:] == ["SignatureCaptured", "SignatureVoided"]
    captured = next(
        e for e in app.audit_trail(customer.id) if e.event.endswith("SignatureCaptured")
    )
    assert captured.details["capture"]["capacity"] == "customer"
    assert captured.details["capture"]["image_hash"] == image_hash
    assert captured.details["captured_by"] == "salesperson"


def test_xc01_xc02_xc07_every_approval_and_signature_is_published_as_its_public_contract(
    app: CustomersApplication, signers: Signers, moved_clock: list[datetime]
) -> None:
    moved_clock[0] = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    story = every_signed_event(app, signers)
    invalidated = submitted(app)  # requested, then changed: invalidated and requested again
    app.submit_for_approval(SALESPERSON, invalidated.id, Decimal(9000), "CNY")
    moved_clock[0] += timedelta(days=3)
    app.catch_up_projections()
    escalate_overdue_steps(app)

    spec = SPECS["customers"]
    published: dict[str, list[dict[str, Any]]] = {}
    for notification in app.recorder.select_notifications(1, 1000):
        contract = spec.publishing(app.mapper.to_domain_event(notification))
        if contract is not None and type(contract) in governance.PUBLISHED:
            # What a subscriber reads back validates against the same contract.
            again = type(contract).model_validate_json(contract.model_dump_json())
            published.setdefault(contract.event_type, []).append(again.model_dump(mode="json"))
    approvals_and_signatures = (
        governance.ApprovalRequested,
        governance.ApprovalGranted,
        governance.ApprovalRejected,
        governance.ApprovalInvalidated,
        governance.ApprovalOverdue,
        governance.SignatureCaptured,
        governance.SignatureVoided,
        governance.PolicyVersionApproved,
    )
    assert sorted(published) == sorted(c.event_type for c in approvals_and_signatures)

    policies = {p["policy_key"]: p for p in published["PolicyVersionApproved"]}
    assert sorted(policies) == ["authority-matrix", "calendar", "rule-parameters"]
    policy = policies["authority-matrix"]
    assert (policy["actor"], policy["actor_role"]) == ("gm", "leadership_gm")
    granted = published["ApprovalGranted"][0]
    assert (granted["actor"], granted["actor_role"], granted["step"]) == (
        "finance",
        "finance",
        "finance",
    )
    assert granted["policy_version"] == policy["number"]
    # Deadlines name the calendar they were counted on (XC-07, XC-10).
    calendar = policies["calendar"]["number"]
    assert {r["calendar_version"] for r in published["ApprovalRequested"]} == {calendar}
    assert granted["signature"] and granted["canonical_form"] == "rfc8785"
    captured = published["SignatureCaptured"][0]
    assert captured["actor"] == story.signed["SignatureCaptured"].signer
    assert captured["document_version_hash"] == granted["subject_version_hash"]
    voided = published["SignatureVoided"][0]
    assert voided["signature_id"] == captured["signature_id"]
    assert published["ApprovalRejected"][0]["reason"] == "no credit rating form"
    [change] = published["ApprovalInvalidated"]
    assert change["document_id"] == str(invalidated.id)
    assert {late["step"] for late in published["ApprovalOverdue"]} == {"finance"}
