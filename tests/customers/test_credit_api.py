"""Customers' credit over HTTP on a real store: the onboarding chain and its rejection (CU-02,
CU-12), an investigation from opening to completion (CU-08, CU-09, CU-10), the credit terms it
opens (CU-07), a change of limit through the chain (CU-12) and the reviews due (CU-11); refusals
are 422s with the rule's id that change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from customers.application import CustomersApplication
from customers.bootstrap import SPEC
from customers.domain.credit_investigation import FORM_ITEMS
from kernel.roles import Role
from kernel.settings import KernelSettings
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers

ANSWERS = {item: f"checked: {item}" for item in FORM_ITEMS}


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        Signers(store_settings.keys_path).put_policies_in_force(application(client))
        yield client


@pytest.fixture
def signers(store_settings: KernelSettings) -> Signers:
    return Signers(store_settings.keys_path)


def application(client: ServiceClient) -> CustomersApplication:
    app = client.app
    assert isinstance(app, CustomersApplication)
    return app


def refused(client: ServiceClient, path: str, user: str, body: Any, rule: str) -> dict[str, Any]:
    response = client.call("POST", path, user, body)
    assert response.status_code == 422, response.text
    answer: dict[str, Any] = response.json()
    assert set(answer) == {"rule", "reason", "details"}
    assert answer["rule"] == rule, answer
    return answer


def submitted(client: ServiceClient, limit: str = "5000") -> str:
    customer = client.ok("POST", "/customers", "salesperson", {"legal_name": "ACME Valves"})
    customer_id = str(customer["customer_id"])
    client.ok("POST", f"/customers/{customer_id}/submit", "salesperson", {"credit_limit": limit})
    return customer_id


def decide(
    client: ServiceClient, signers: Signers, customer_id: str, *deciders: str, reject: str = ""
) -> None:
    roles = {"finance": Role.FINANCE, "sales-manager": Role.SALES_MANAGER}
    for user in deciders:
        action = "reject" if reject else "grant"
        signers.decide(application(client), UUID(customer_id), user, roles[user], action, reject)


def opened(client: ServiceClient, signers: Signers, limit: str = "5000") -> str:
    customer_id = submitted(client, limit)
    decide(client, signers, customer_id, "finance", "sales-manager")
    return customer_id


def investigate(client: ServiceClient, customer_id: str, doubt: bool = False) -> dict[str, Any]:
    investigation = client.ok(
        "POST",
        "/credit-investigations",
        "sales-manager",
        {"customer_id": customer_id, "method": "internal", "investigator_id": "salesperson"},
    )
    path = f"/credit-investigations/{investigation['investigation_id']}"
    client.ok("POST", f"{path}/form", "salesperson", {"answers": ANSWERS})
    completed: dict[str, Any] = client.ok(
        "POST", f"{path}/complete", "salesperson", {"conclusion": "pays on time"}
    )
    return completed


def test_cu02_cu12_finance_then_sales_manager_and_a_rejection_can_be_resubmitted(
    client: ServiceClient, signers: Signers
) -> None:
    customer_id = submitted(client)
    decide(client, signers, customer_id, "finance", reject="no credit rating form attached")
    rejected = client.ok("GET", f"/customers/{customer_id}", "finance")
    assert (rejected["status"], rejected["rejection_reason"]) == (
        "rejected",
        "no credit rating form attached",
    )
    assert client.page("/customers?status=rejected", "finance")["total"] == 1

    client.ok("POST", f"/customers/{customer_id}/submit", "salesperson", {"credit_limit": "3000"})
    decide(client, signers, customer_id, "finance", "sales-manager")
    active = client.ok("GET", f"/customers/{customer_id}", "finance")
    assert (active["status"], active["credit_limit"]) == ("active", "3000.00")
    refused(
        client, f"/customers/{customer_id}/submit", "salesperson", {"credit_limit": "1"}, "CU-02"
    )


def test_cu07_cu08_cu10_an_investigation_opens_credit_terms(
    client: ServiceClient, signers: Signers
) -> None:
    customer_id = opened(client, signers)
    assert client.ok("GET", f"/customers/{customer_id}", "finance")["credit_terms_allowed"] is False

    investigation = client.ok(
        "POST",
        "/credit-investigations",
        "sales-manager",
        {
            "customer_id": customer_id,
            "method": "both",
            "investigator_id": "salesperson",
            "agency": "Dun & Co",
            "agency_chosen_because": "coverage of the region's manufacturers",
        },
    )
    path = f"/credit-investigations/{investigation['investigation_id']}"
    client.ok("POST", f"{path}/form", "salesperson", {"answers": ANSWERS})
    client.ok("POST", f"{path}/agency-report", "salesperson", {"report": "rating BB"})
    doubted = client.ok("POST", f"{path}/doubts", "finance", {"question": "who owns plant 2?"})
    (doubt_id,) = doubted["open_doubts"]

    listed = client.page(f"/credit-investigations?customer_id={customer_id}", "finance")
    assert [
        (i["investigator_id"], i["status"], i["open_doubt_count"]) for i in listed["items"]
    ] == [("salesperson", "open", 1)]
    before = client.ok("GET", path, "finance")
    refused(client, f"{path}/complete", "salesperson", {"conclusion": "ok"}, "CU-08")  # as is
    client.ok("POST", f"{path}/assessment", "sales-manager", {"assessment": "BB fits our record"})
    refused(client, f"{path}/complete", "salesperson", {"conclusion": "ok"}, "CU-10")
    assert client.ok("GET", path, "finance")["status"] == before["status"] == "open"
    client.ok(
        "POST", f"{path}/doubts/{doubt_id}/resolution", "salesperson", {"resolution": "leased"}
    )
    completed = client.ok("POST", f"{path}/complete", "salesperson", {"conclusion": "ok"})
    assert (completed["status"], completed["open_doubts"]) == ("completed", {})

    (row,) = client.page("/credit-investigations?status=completed", "finance")["items"]
    assert (row["investigation_id"], row["open_doubt_count"], row["version"]) == (
        investigation["investigation_id"],
        0,
        completed["version"],
    )
    assert row["completed_at"] is not None
    customer = client.ok("GET", f"/customers/{customer_id}", "finance")
    assert customer["credit_terms_allowed"] is True
    assert customer["credit_investigation_id"] == investigation["investigation_id"]
    on_credit = client.page("/customers?credit_terms_allowed=true", "finance")
    assert [c["customer_id"] for c in on_credit["items"]] == [customer_id]


def test_cu09_the_investigator_of_record_is_assigned_by_rule_and_others_refused(
    client: ServiceClient,
) -> None:
    customer_id = submitted(client, "0")
    client.ok("POST", f"/customers/{customer_id}/file", "salesperson", {"important": True})
    body = {"customer_id": customer_id, "method": "internal", "investigator_id": "salesperson"}
    refused(client, "/credit-investigations", "sales-manager", body, "CU-09")
    refused(client, "/credit-investigations", "salesperson", body, "CU-09")  # self-assigned
    assert client.page(f"/credit-investigations?customer_id={customer_id}", "finance")["total"] == 0
    own = client.ok(
        "POST",
        "/credit-investigations",
        "sales-manager",
        {**body, "investigator_id": "sales-manager"},
    )
    path = f"/credit-investigations/{own['investigation_id']}"
    refused(client, f"{path}/form", "salesperson", {"answers": ANSWERS}, "CU-09")
    assert client.ok("GET", path, "finance")["answers"] == {}
    answered = client.ok("POST", f"{path}/form", "sales-manager", {"answers": ANSWERS})
    assert answered["missing_items"] == []


def test_cu12_a_limit_change_is_approved_through_the_chain(
    client: ServiceClient, signers: Signers
) -> None:
    customer_id = opened(client, signers)
    path = f"/customers/{customer_id}/credit-limit-change"
    change = {"credit_limit": "8000", "reason": "orders doubled"}
    refused(client, path, "salesperson", change, "CU-12")  # no investigation yet
    refused(client, path, "salesperson", {**change, "credit_limit": "-1"}, "CU-12")
    investigate(client, customer_id)

    requested = client.ok("POST", path, "salesperson", change)
    assert requested["proposed_credit_limit"] is None  # CU-21: not shown at the proposer's level
    proposed = client.ok("GET", f"/customers/{customer_id}", "finance")
    assert (proposed["proposed_credit_limit"], proposed["credit_limit"]) == ("8000.00", "5000.00")
    decide(client, signers, customer_id, "finance", "sales-manager")
    changed = client.ok("GET", f"/customers/{customer_id}", "finance")
    assert (changed["credit_limit"], changed["proposed_credit_limit"]) == ("8000.00", None)
    assert changed["credit_terms_allowed"] is True
    row = client.page("/customers?owner_id=salesperson", "finance")["items"][0]
    assert row == {field: changed[field] for field in row}


def test_cu11_credit_reviews_fall_due_on_the_cycle_of_the_rule_parameters(
    client: ServiceClient, signers: Signers, moved_clock: list[datetime]
) -> None:
    customer_id = opened(client, signers)
    investigate(client, customer_id)
    assert client.page("/credit-reviews/due", "sales-manager")["total"] == 0

    app = application(client)
    days = app.rule_parameters().customers.credit_review_interval_days
    moved_clock[0] += timedelta(days=days + 1)
    due = client.page("/credit-reviews/due", "sales-manager")
    assert [c["customer_id"] for c in due["items"]] == [customer_id]

    (timer,) = [timer for timer in SPEC.timers() if timer.name == "credit-reviews"]
    timer.tick(app)
    noted = client.ok("GET", f"/customers/{customer_id}", "finance")
    assert noted["credit_review_due_since"] is not None
    timer.tick(app)  # once per cycle
    assert client.ok("GET", f"/customers/{customer_id}", "finance") == noted
    assert [e.event for e in app.audit_trail(UUID(customer_id))].count(
        "Customer.CreditReviewDue"
    ) == 1

    investigate(client, customer_id)  # the re-investigation starts a new cycle
    assert client.page("/credit-reviews/due", "sales-manager")["total"] == 0


def test_cu11_grade_a_credit_is_reviewed_on_the_shorter_cycle(
    client: ServiceClient, signers: Signers, moved_clock: list[datetime]
) -> None:
    ordinary = opened(client, signers)
    large = opened(client, signers)
    client.ok("POST", f"/customers/{large}/grade", "sales-manager", {"grade": "A"})
    investigate(client, ordinary)
    # CU-09: the sales manager investigates a grade-A customer personally.
    own = client.ok(
        "POST",
        "/credit-investigations",
        "sales-manager",
        {"customer_id": large, "method": "internal", "investigator_id": "sales-manager"},
    )
    path = f"/credit-investigations/{own['investigation_id']}"
    client.ok("POST", f"{path}/form", "sales-manager", {"answers": ANSWERS})
    client.ok("POST", f"{path}/complete", "sales-manager", {"conclusion": "strong"})

    parameters = application(client).rule_parameters().customers
    assert parameters.a_grade_credit_review_interval_days < parameters.credit_review_interval_days
    moved_clock[0] += timedelta(days=parameters.a_grade_credit_review_interval_days + 1)
    due = client.page("/credit-reviews/due", "sales-manager")
    assert [c["customer_id"] for c in due["items"]] == [large]


def test_cu11_no_credit_review_falls_due_before_the_rule_parameters_are_in_force(
    store_settings: KernelSettings,
) -> None:
    with service_client(SPEC, store_settings) as bare:
        response = bare.call("GET", "/credit-reviews/due", "sales-manager")
        assert (response.status_code, response.json()["rule"]) == (422, "XC-07"), response.text
        (timer,) = [timer for timer in SPEC.timers() if timer.name == "credit-reviews"]
        timer.tick(bare.app)  # records nothing, raises nothing
