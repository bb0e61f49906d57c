"""The customer-information policy (CU-19): drafted by customer service, reviewed by the
customer-service director and approved by the GM through the authority matrix's chain; at the
aggregate and over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest

from customers.bootstrap import SPEC
from customers.domain.information_policy import (
    APPROVAL_KIND,
    InformationPolicy,
    PolicyStatus,
)
from kernel.application import KernelApplication
from kernel.approvals.domain import ApprovalStatus, Approver
from kernel.approvals.matrix import AuthorityMatrix
from kernel.roles import Role
from kernel.settings import KernelSettings
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers

MATRIX = AuthorityMatrix.load(KernelSettings().authority_matrix_file)
CUSTOMER_SERVICE = frozenset({Role.SERVICE_DEPARTMENT})
ITEMS = ["Organisation structure", "Payment behaviour", "Usage setting"]


@pytest.fixture
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def submitted() -> InformationPolicy:
    policy = InformationPolicy.draft("Customer information 2027", ITEMS, "cs", CUSTOMER_SERVICE)
    policy.submit("cs")
    policy.request_approval(uuid4(), MATRIX.rule(APPROVAL_KIND), 1, "cs")
    return policy


def grant(policy: InformationPolicy, step: str, user: str, role: str) -> None:
    policy.grant(step, Approver(user, frozenset({role}), policy.version_hash, "signature"))


def test_cu_19_the_director_reviews_and_the_gm_approves_the_policy(command_context: None) -> None:
    policy = submitted()
    assert policy.approval is not None
    assert [s.step.name for s in policy.approval.steps] == ["cs_director", "general_manager"]
    grant(policy, "cs_director", "director", Role.CS_DIRECTOR)
    assert policy.status is PolicyStatus.DRAFT
    grant(policy, "general_manager", "gm", Role.LEADERSHIP_GM)
    assert (policy.status, policy.approved_by) == (PolicyStatus.IN_FORCE, "gm")


def test_cu_19_sales_do_not_draft_and_a_policy_in_force_is_not_revised(
    command_context: None,
) -> None:
    for roles in ({Role.SALESPERSON}, {Role.SALES_MANAGER}):
        with pytest.raises(RuleViolation) as excinfo:
            InformationPolicy.draft("Policy", ITEMS, "someone", roles)
        assert excinfo.value.rule == "CU-19"
    for items in ([], ["Phone", "Phone"], [" "]):
        with pytest.raises(RuleViolation) as excinfo:
            InformationPolicy.draft("Policy", items, "cs", CUSTOMER_SERVICE)
        assert excinfo.value.rule == "CU-19"

    policy = submitted()
    with pytest.raises(RuleViolation) as excinfo:
        policy.submit("cs")  # already under review
    assert excinfo.value.rule == "CU-19"
    grant(policy, "cs_director", "director", Role.CS_DIRECTOR)
    grant(policy, "general_manager", "gm", Role.LEADERSHIP_GM)
    with pytest.raises(RuleViolation) as excinfo:
        policy.revise("Policy", ITEMS, "cs", CUSTOMER_SERVICE)
    assert excinfo.value.rule == "CU-19"


def test_cu_19_a_rejected_policy_records_why_and_may_be_resubmitted(command_context: None) -> None:
    policy = submitted()
    policy.reject(
        "cs_director",
        Approver("director", frozenset({Role.CS_DIRECTOR}), policy.version_hash, "signature"),
        "Add the delivery situation",
    )
    assert (policy.status, policy.rejection_reason) == (
        PolicyStatus.DRAFT,
        "Add the delivery situation",
    )
    policy.revise(
        "Customer information 2027", [*ITEMS, "Delivery situation"], "cs", CUSTOMER_SERVICE
    )
    policy.submit("cs")


def test_cu_19_a_revision_under_review_sends_the_policy_back_to_the_start(
    command_context: None,
) -> None:
    policy = submitted()
    grant(policy, "cs_director", "director", Role.CS_DIRECTOR)
    policy.revise(
        "Customer information 2027", [*ITEMS, "Delivery situation"], "cs", CUSTOMER_SERVICE
    )
    assert policy.approval is not None
    assert policy.approval.status is ApprovalStatus.INVALIDATED
    policy.submit("cs")  # may go to review again


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        assert isinstance(client.app, KernelApplication)
        Signers(store_settings.keys_path).put_policies_in_force(client.app)
        yield client


def test_cu_19_customer_service_drafts_and_submits_to_the_matrix_chain_over_http(
    client: ServiceClient,
) -> None:
    body = {"title": "Customer information 2027", "collected_items": ITEMS}
    refused = client.call("POST", "/information-policies", "salesperson", body)
    assert (refused.status_code, refused.json()["rule"]) == (422, "CU-19"), refused.text

    drafted = client.ok("POST", "/information-policies", "service-department", body)
    assert (drafted["status"], drafted["drafted_by"]) == ("draft", "service-department")
    path = f"/information-policies/{drafted['policy_id']}"
    client.ok("POST", f"{path}/submit", "service-department")
    again = client.call("POST", f"{path}/submit", "service-department")
    assert (again.status_code, again.json()["rule"]) == (422, "CU-19"), again.text

    approval = client.ok("GET", f"{path}/approval", "gm")
    assert [(s["name"], s["roles"]) for s in approval["steps"]] == [
        ("cs_director", ["cs_director"]),
        ("general_manager", ["leadership_gm"]),
    ]
    assert (approval["kind"], approval["next_step"]) == ("customer_info_policy", "cs_director")
    assert client.ok("GET", path, "salesperson")["status"] == "draft"
