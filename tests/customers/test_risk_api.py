"""A customer's risk over HTTP on a real store: anyone reports an abnormality (CU-13), which opens
a dangerous-customer review that the sales manager and finance see; the review runs from the
owner's checklist through finance's assessment to the decision, whose hold or blacklisting only an
approved release lifts (CU-06). Refusals are 422s with the rule's id that change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import pytest

from customers.application import CustomersApplication
from customers.bootstrap import SPEC
from kernel.roles import Role
from kernel.settings import KernelSettings
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers

BOUNCED = {"source": "billing", "facts": "Cheque 0042 bounced", "severity": "high"}


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        Signers(store_settings.keys_path).put_policies_in_force(client.app)
        yield client


@pytest.fixture
def signers(store_settings: KernelSettings) -> Signers:
    return Signers(store_settings.keys_path)


def register(client: ServiceClient, name: str = "ACME Valves") -> str:
    customer = client.ok("POST", "/customers", "salesperson", {"legal_name": name})
    return str(customer["customer_id"])


def refused(client: ServiceClient, path: str, user: str, body: Any, rule: str) -> dict[str, Any]:
    response = client.call("POST", path, user, body)
    assert response.status_code == 422, response.text
    answer: dict[str, Any] = response.json()
    assert set(answer) == {"rule", "reason", "details"}
    assert answer["rule"] == rule, answer
    return answer


def reported(client: ServiceClient, customer_id: str, user: str = "warehouse") -> str:
    """``user`` reports an abnormality; returns the review it opened or joined."""
    customer = client.ok("POST", f"/customers/{customer_id}/abnormalities", user, BOUNCED)
    return str(customer["open_review_id"])


def prepared(client: ServiceClient, customer_id: str, exposure: str = "5000.00") -> str:
    """A review with the owner's checklist and finance's assessment in."""
    review_id = reported(client, customer_id)
    path = f"/risk-reviews/{review_id}"
    client.ok("POST", f"{path}/checklist", "salesperson", {"checklist": "Late twice"})
    body = {"payment_history": "60 days late", "exposure": exposure}
    client.ok("POST", f"{path}/assessment", "finance", body)
    return review_id


def test_cu_13_anyone_reports_and_sales_manager_and_finance_see_open_abnormalities(
    client: ServiceClient,
) -> None:
    customer_id = register(client)
    review_id = reported(client, customer_id, "warehouse")
    assert reported(client, customer_id, "technician") == review_id  # joins the review

    review = client.ok("GET", f"/risk-reviews/{review_id}", "sales-manager")
    assert (review["customer_id"], review["trigger"], review["decision"]) == (
        customer_id,
        "abnormality",
        None,
    )
    for watcher in ("sales-manager", "finance"):
        seen = client.page("/abnormalities?open=true", watcher)
        assert [(a["reported_by"], a["review_id"]) for a in seen["items"]] == [
            ("warehouse", review_id),
            ("technician", review_id),
        ]
    assert client.call("GET", "/abnormalities", "salesperson").status_code == 403

    response = client.call("POST", f"/customers/{customer_id}/abnormalities", "warehouse", {})
    assert response.status_code == 422  # source, facts and severity are required


def test_cu_13_only_sales_manager_or_finance_place_a_provisional_hold(
    client: ServiceClient,
) -> None:
    customer_id = register(client)
    path = f"/customers/{customer_id}/provisional-hold"
    refused(client, path, "finance", {"reason": "rumours"}, "CU-13")  # no review under way

    reported(client, customer_id)
    before = client.ok("GET", f"/customers/{customer_id}", "finance")
    refused(client, path, "salesperson", {"reason": "Bounced cheque"}, "CU-13")
    refused(client, path, "gm", {"reason": "Bounced cheque"}, "CU-13")
    assert client.ok("GET", f"/customers/{customer_id}", "finance") == before

    held = client.ok("POST", path, "finance", {"reason": "Bounced cheque"})
    assert held["standing"] == "provisional_hold"
    listed = client.page("/customers?standing=provisional_hold", "sales-manager")
    assert [c["customer_id"] for c in listed["items"]] == [customer_id]


def test_cu_06_the_review_runs_from_checklist_and_assessment_to_the_managers_decision(
    client: ServiceClient,
) -> None:
    customer_id = register(client)
    review_id = reported(client, customer_id)
    path = f"/risk-reviews/{review_id}"
    decide = {"decision": "credit_hold", "reason": "late on every invoice"}
    refused(client, f"{path}/decision", "sales-manager", decide, "CU-06")  # nothing in yet

    checklist = {"checklist": "Late twice; management changed"}
    refused(client, f"{path}/checklist", "salesperson-2", checklist, "CU-06")  # not the owner
    client.ok("POST", f"{path}/checklist", "salesperson", checklist)
    assessment = {"payment_history": "60 days late on average", "exposure": "5000.00"}
    refused(client, f"{path}/assessment", "sales-manager", assessment, "CU-06")
    assessed = client.ok("POST", f"{path}/assessment", "finance", assessment)
    assert (assessed["exposure"], assessed["assessed_by"]) == ("5000.00", "finance")

    refused(client, f"{path}/decision", "finance", decide, "CU-06")
    refused(client, f"{path}/decision", "gm", decide, "CU-06")  # not major: the manager's
    decided = client.ok("POST", f"{path}/decision", "sales-manager", decide)
    assert (decided["decision"], decided["decided_by"]) == ("credit_hold", "sales-manager")
    customer = client.ok("GET", f"/customers/{customer_id}", "salesperson")
    assert (customer["standing"], customer["open_review_id"]) == ("credit_hold", None)
    assert client.page("/abnormalities?open=true", "finance")["total"] == 0
    held = client.page("/customers?standing=credit_hold", "finance")
    assert [c["customer_id"] for c in held["items"]] == [customer_id]


def test_cu_06_leadership_decides_for_a_grade_a_customer_or_a_high_exposure(
    client: ServiceClient,
) -> None:
    graded = register(client)
    client.ok("POST", f"/customers/{graded}/grade", "sales-manager", {"grade": "A"})
    exposed = register(client, "Bravo Pumps")
    blacklist = {"decision": "blacklisted", "reason": "absconded with the goods"}
    for customer_id, exposure in ((graded, "10.00"), (exposed, "100000.00")):
        path = f"/risk-reviews/{prepared(client, customer_id, exposure)}/decision"
        answer = refused(client, path, "sales-manager", blacklist, "CU-06")
        assert answer["details"]["required_roles"] == ["leadership_gm", "leadership_dgm"]
        assert client.ok("POST", path, "gm", blacklist)["decided_by"] == "gm"
        customer = client.ok("GET", f"/customers/{customer_id}", "finance")
        assert customer["standing"] == "blacklisted"


@pytest.mark.parametrize(
    ("decision", "kind"), [("credit_hold", "credit_hold_release"), ("blacklisted", "blacklist")]
)
def test_cu_06_a_hold_or_blacklisting_is_lifted_only_by_an_approved_release(
    client: ServiceClient,
    signers: Signers,
    decision: str,
    kind: str,
) -> None:
    app = client.app
    assert isinstance(app, CustomersApplication)
    customer_id = register(client)
    review_id = prepared(client, customer_id)
    path = f"/risk-reviews/{review_id}"
    client.ok("POST", f"{path}/decision", "sales-manager", {"decision": decision, "reason": "x"})
    refused(client, f"{path}/release", "sales-manager", None, "CU-06")  # nothing requested

    client.ok("POST", f"{path}/release-request", "salesperson", {"reason": "Debt settled"})
    approval = client.ok("GET", f"{path}/approval", "finance")
    assert approval["kind"] == kind
    refused(client, f"{path}/release", "sales-manager", None, "CU-06")  # not approved yet
    assert client.ok("GET", f"/customers/{customer_id}", "finance")["standing"] == decision

    signers.decide(app, UUID(review_id), "finance", Role.FINANCE)
    signers.decide(app, UUID(review_id), "sales-manager", Role.SALES_MANAGER)
    released = client.ok("POST", f"{path}/release", "salesperson", None)
    assert released["standing"] == "good"
    assert client.ok("GET", path, "finance")["released"] is True
    refused(client, f"{path}/release", "salesperson", None, "CU-06")  # once


def test_cu_21_a_review_shows_finance_s_figures_only_at_the_confidential_levels_each_read_logged(
    client: ServiceClient,
) -> None:
    customer_id = register(client)
    review_id = prepared(client, customer_id, exposure="7500.00")
    path = f"/risk-reviews/{review_id}"

    below = client.ok("GET", path, "salesperson")
    assert below["checklist"] == "Late twice"
    assert below["payment_history"] is None and below["exposure"] is None
    answered = client.ok("POST", f"{path}/checklist", "salesperson", {"checklist": "Late thrice"})
    assert answered["exposure"] is None, "a command's answer shows no more than a read"

    shown = client.ok("GET", path, "sales-manager")
    assert shown["payment_history"] == "60 days late"
    assert shown["exposure"] == "7500.00"

    log = client.page(f"/customer-files/sensitive-reads?customer_id={customer_id}", "gm")
    fields = {(read["reader"], tuple(read["fields"])) for read in log["items"]}
    assert ("salesperson", ("open_review_id",)) in fields
    assert ("sales-manager", ("open_review_id", "payment_history", "exposure")) in fields
