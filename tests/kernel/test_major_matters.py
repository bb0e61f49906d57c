"""XC-06: major matters reach leadership, on any approvable document: what counts as major comes
from the authority matrix in force; the report and leadership's decision are events in the
document's stream, published like every approval. On SQLite and PostgreSQL, and over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from uuid import UUID

import pytest
from fastapi.testclient import TestClient

from countersign.services import SPECS
from customers.application import CustomersApplication
from kernel.approvals.domain import MajorMatterReport
from kernel.roles import Role
from kernel.settings import KernelSettings
from runtime.aggregate import RuleViolation
from runtime.service import build_app
from tests.signers import Signers, as_user

SALES_MANAGER = as_user("sales-manager", Role.SALES_MANAGER)
SALESPERSON = as_user("salesperson", Role.SALESPERSON)
GM = as_user("gm", Role.LEADERSHIP_GM)
REPORT = MajorMatterReport(
    summary="Harbin Pumps asks for a 250,000 CNY credit line before its first order",
    proposal="Grant 150,000 now and review after two paid invoices",
    customer_demand="250,000 CNY at 60 days",
)
# customer_approval is major from 200,000 CNY or for an A-grade customer (authority matrix).
MAJOR = Decimal("250000")


@pytest.fixture
def app(store_settings: KernelSettings) -> Iterator[CustomersApplication]:
    application = CustomersApplication(store_settings)
    Signers(store_settings.keys_path).put_policies_in_force(application)
    yield application
    application.close()


@pytest.fixture
def customer_id(app: CustomersApplication) -> UUID:
    return app.register_customer(SALESPERSON, "Harbin Pumps Ltd", "salesperson").id


def test_xc06_a_major_matter_is_reported_to_leadership_who_decide(
    app: CustomersApplication, customer_id: UUID
) -> None:
    matter_id = app.report_major_matter(
        SALES_MANAGER, customer_id, "customer_approval", MAJOR, (), REPORT
    )
    reported = app.document(customer_id).major_matters[matter_id]
    assert (reported.why_major, reported.reporter_role) == (
        ("amount 250000 >= 200000.00",),
        "sales_manager",
    )
    assert reported.policy_version == app.matrix_in_force().version
    assert reported.document_version_hash == app.document(customer_id).version_hash

    app.decide_major_matter(GM, customer_id, matter_id, "Grant 150,000; review in 90 days")
    decided = app.document(customer_id).major_matters[matter_id]
    assert (decided.decision, decided.decided_by, decided.decider_role) == (
        "Grant 150,000; review in 90 days",
        "gm",
        "leadership_gm",
    )

    # Both are events in the customer's own stream, published as the kernel's contracts.
    spec = SPECS["customers"]
    stream = app.repository.get(customer_id)
    published = [
        spec.publishing(app.mapper.to_domain_event(n))
        for n in app.recorder.select_notifications(1, 100)
        if app.mapper.to_domain_event(n).originator_id == stream.id
    ]
    public = {type(p).__name__: p.model_dump() for p in published if p is not None}
    assert public["MajorMatterReported"]["actor"] == "sales-manager"
    assert public["MajorMatterReported"]["proposal"] == REPORT.proposal
    assert public["MajorMatterReported"]["customer_demand"] == REPORT.customer_demand
    assert (public["LeadershipDecided"]["actor"], public["LeadershipDecided"]["actor_role"]) == (
        "gm",
        "leadership_gm",
    )


def test_xc06_a_flagged_matter_is_major_whatever_its_amount(
    app: CustomersApplication, customer_id: UUID
) -> None:
    matter_id = app.report_major_matter(
        SALES_MANAGER, customer_id, "customer_approval", Decimal(10), ("a_grade",), REPORT
    )
    assert app.document(customer_id).major_matters[matter_id].why_major == ("a_grade",)


@pytest.mark.parametrize(
    ("who", "kind", "amount", "report", "reason"),
    [
        (SALES_MANAGER, "customer_approval", Decimal(1000), REPORT, "is not major"),
        (SALESPERSON, "customer_approval", MAJOR, REPORT, "sales manager or the unit leader"),
        (
            SALES_MANAGER,
            "customer_approval",
            MAJOR,
            MajorMatterReport(REPORT.summary, " ", REPORT.customer_demand),
            "your own proposal",
        ),
        (SALES_MANAGER, "discount_table", MAJOR, REPORT, "has no 'discount_table' matters"),
    ],
    ids=["not-major", "not-a-reporter", "no-proposal", "unknown-kind"],
)
def test_xc06_report_refused(
    app: CustomersApplication,
    customer_id: UUID,
    who: object,
    kind: str,
    amount: Decimal,
    report: MajorMatterReport,
    reason: str,
) -> None:
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolation) as refused:
        app.report_major_matter(who, customer_id, kind, amount, (), report)  # type: ignore[arg-type]
    assert refused.value.rule == "XC-06"
    assert reason in refused.value.reason
    assert app.recorder.max_notification_id() == before  # nothing written


def test_xc06_only_leadership_decides_and_only_once(
    app: CustomersApplication, customer_id: UUID
) -> None:
    matter_id = app.report_major_matter(
        SALES_MANAGER, customer_id, "customer_approval", MAJOR, (), REPORT
    )
    with pytest.raises(RuleViolation) as not_leadership:
        app.decide_major_matter(SALES_MANAGER, customer_id, matter_id, "grant it")
    assert (not_leadership.value.rule, not_leadership.value.details["required_roles"]) == (
        "XC-06",
        ["leadership_gm", "leadership_dgm"],
    )
    app.decide_major_matter(GM, customer_id, matter_id, "grant 150,000")
    with pytest.raises(RuleViolation) as twice:
        app.decide_major_matter(as_user("dgm", Role.LEADERSHIP_DGM), customer_id, matter_id, "no")
    assert twice.value.rule == "XC-06"
    assert app.document(customer_id).major_matters[matter_id].decided_by == "gm"


def test_xc06_major_matters_over_http(app: CustomersApplication, customer_id: UUID) -> None:
    http_app = build_app(SPECS["customers"], app.settings)
    http_app.state.application = app
    client = TestClient(http_app)
    url = f"/customers/{customer_id}/major-matters"
    body = {
        "kind": "customer_approval",
        "amount": "250000.00",
        "summary": REPORT.summary,
        "proposal": REPORT.proposal,
        "customer_demand": REPORT.customer_demand,
    }
    refused = client.post(url, json=body, headers={"Authorization": "Bearer dev-salesperson"})
    assert (refused.status_code, refused.json()["rule"]) == (422, "XC-06")
    reported = client.post(url, json=body, headers={"Authorization": "Bearer dev-sales-manager"})
    assert reported.status_code == 201, reported.text
    matter_id = reported.json()["matter_id"]
    decided = client.post(
        f"{url}/{matter_id}/decision",
        json={"decision": "grant 150,000"},
        headers={"Authorization": "Bearer dev-gm"},
    )
    assert decided.status_code == 200, decided.text
    listed = client.get(url, headers={"Authorization": "Bearer dev-finance"}).json()
    assert [(m["matter_id"], m["decision"], m["decider_role"]) for m in listed] == [
        (matter_id, "grant 150,000", "leadership_gm")
    ]
