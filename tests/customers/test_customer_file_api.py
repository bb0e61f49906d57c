"""The customer file over HTTP on a real store: what sales record (CU-01), the grade the sales
manager decides and reviews (CU-03, CU-05), the account's owners (CU-15); refusals are 422s with
the rule's id that change nothing, and the list filters by grade, importance and owner."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from customers.application import CustomersApplication
from customers.bootstrap import SPEC
from customers.domain.customer import MAX_CONTACTS
from kernel.settings import KernelSettings
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers

ALICE = {"name": "Alice Wang", "role": "Purchasing manager", "phone": "+86 21 5555 0101"}


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        yield client


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


def test_cu01_sales_record_the_file_and_the_list_filters_by_importance(
    client: ServiceClient,
) -> None:
    customer_id = register(client)
    register(client, "Bravo Pumps")
    recorded = client.ok(
        "POST",
        f"/customers/{customer_id}/file",
        "salesperson",
        {
            "org_structure": "Holding with two plants",
            "contacts": [ALICE],
            "premises": ["1 Harbour Road, Ningbo"],
            "industry_standing": "Second-largest valve maker in the region",
            "important": True,
        },
    )
    noted = client.ok(
        "POST",
        f"/customers/{customer_id}/file",
        "sales-clerk",
        {"business_notes": "Pays in 60 days; expanding line 2"},
    )
    assert noted["contacts"] == [ALICE] == recorded["contacts"]  # kept: not given again
    assert noted["business_notes"] == "Pays in 60 days; expanding line 2"
    assert (noted["important"], noted["org_structure"]) == (True, "Holding with two plants")
    assert client.ok("GET", f"/customers/{customer_id}", "salesperson") == noted

    important = client.page("/customers?important=true", "sales-manager")
    assert [c["customer_id"] for c in important["items"]] == [customer_id]
    assert important["items"][0]["version"] == noted["version"]
    assert client.page("/customers?important=false", "sales-manager")["total"] == 1


@pytest.mark.parametrize(
    ("body", "rule"),
    [
        ({"contacts": [ALICE] * (MAX_CONTACTS + 1)}, "INPUT"),
        ({"contacts": [{**ALICE, "phone": "call me"}]}, "INPUT"),
        ({"contacts": [{**ALICE, "name": ""}]}, "INPUT"),
        ({"contacts": [{"name": "Bob"}]}, "INPUT"),
        ({"org_structure": "x" * 2001}, "INPUT"),
        ({"premises": ["Plant 1\x00"]}, "INPUT"),
        ({"important": "perhaps"}, "INPUT"),
        ({"contacts": [ALICE, ALICE]}, "CU-01"),
        ({"premises": ["Plant 1", "Plant 1"]}, "CU-01"),
        ({"premises": [" "]}, "CU-01"),
    ],
)
def test_cu01_a_bad_file_is_refused_with_422_and_nothing_written(
    client: ServiceClient, body: dict[str, Any], rule: str
) -> None:
    customer_id = register(client)
    before = client.ok("GET", f"/customers/{customer_id}", "finance")
    refused(client, f"/customers/{customer_id}/file", "salesperson", body, rule)
    assert client.ok("GET", f"/customers/{customer_id}", "finance") == before


def test_cu01_only_sales_record_the_file(client: ServiceClient) -> None:
    customer_id = register(client)
    response = client.call(
        "POST", f"/customers/{customer_id}/file", "finance", {"org_structure": "x"}
    )
    assert response.status_code == 403, response.text
    assert client.ok("GET", f"/customers/{customer_id}", "finance")["org_structure"] == ""


def test_cu03_salesperson_proposes_and_cannot_set_grade(client: ServiceClient) -> None:
    customer_id = register(client)
    register(client, "Bravo Pumps")
    path = f"/customers/{customer_id}/grade"
    proposed = client.ok(
        "POST",
        f"{path}-proposal",
        "salesperson",
        {"grade": "A", "reason": "Urgent tender for 40 pumps"},
    )
    assert (proposed["grade"], proposed["proposed_grade"]) == (None, "A")

    refused(client, path, "salesperson", {"grade": "A", "reason": "I say so"}, "CU-03")
    assert client.ok("GET", f"/customers/{customer_id}", "salesperson") == proposed

    assigned = client.ok("POST", path, "sales-manager", {"grade": "A"})
    assert (assigned["grade"], assigned["proposed_grade"]) == ("A", None)
    assert assigned["grade_decided_by"] == "sales-manager"
    graded = client.page("/customers?grade=A", "finance")
    assert [c["customer_id"] for c in graded["items"]] == [customer_id]
    assert client.page("/customers?grade=B", "finance")["total"] == 0


def test_cu03_a_grade_outside_a_b_c_is_refused_as_input(client: ServiceClient) -> None:
    customer_id = register(client)
    refused(client, f"/customers/{customer_id}/grade", "sales-manager", {"grade": "D"}, "INPUT")


def test_cu05_grade_changes_are_the_managers_decision_with_a_reason_and_reviews_fall_due(
    client: ServiceClient, store_settings: KernelSettings, moved_clock: list[datetime]
) -> None:
    app = client.app
    assert isinstance(app, CustomersApplication)
    Signers(store_settings.keys_path).put_policies_in_force(app)
    customer_id = register(client)
    path = f"/customers/{customer_id}/grade"
    client.ok("POST", path, "sales-manager", {"grade": "B", "reason": "ordinary demand"})

    refused(client, path, "sales-manager", {"grade": "A"}, "CU-05")  # no reason
    refused(client, path, "salesperson", {"grade": "A", "reason": "big order"}, "CU-05")
    assert client.ok("GET", f"/customers/{customer_id}", "finance")["grade"] == "B"

    changed = client.ok(
        "POST", path, "sales-manager-2", {"grade": "A", "reason": "volume doubled, urgent"}
    )
    assert (changed["grade"], changed["grade_reason"], changed["grade_decided_by"]) == (
        "A",
        "volume doubled, urgent",
        "sales-manager-2",
    )

    assert client.page("/customers/grade-review-due", "sales-manager")["total"] == 0
    interval = app.rule_parameters().customers.grade_review_interval_days
    moved_clock[0] += timedelta(days=interval + 1)
    due = client.page("/customers/grade-review-due", "sales-manager")
    assert [c["customer_id"] for c in due["items"]] == [customer_id]


def test_cu05_no_review_list_before_the_rule_parameters_are_in_force(
    client: ServiceClient,
) -> None:
    response = client.call("GET", "/customers/grade-review-due", "sales-manager")
    assert (response.status_code, response.json()["rule"]) == (422, "XC-07"), response.text


def test_cu15_only_the_sales_manager_names_owner_and_deputy(
    client: ServiceClient, store_settings: KernelSettings
) -> None:
    Signers(store_settings.keys_path).put_policies_in_force(client.app)  # CU-15's margin
    customer_id = register(client)
    register(client, "Bravo Pumps")
    path = f"/customers/{customer_id}/owners"
    body = {"owner_id": "salesperson", "deputy_id": "salesperson-2", "reason": "business grew"}

    refused(client, path, "salesperson", body, "CU-15")
    same = {**body, "deputy_id": "salesperson"}
    refused(client, path, "sales-manager", same, "CU-15")
    assert client.ok("GET", f"/customers/{customer_id}", "finance")["deputy_id"] is None

    assigned = client.ok("POST", path, "sales-manager", body)
    assert (assigned["owner_id"], assigned["deputy_id"]) == ("salesperson", "salesperson-2")
    deputy = client.page("/customers?deputy_id=salesperson-2", "finance")
    assert [c["customer_id"] for c in deputy["items"]] == [customer_id]

    moved = {"owner_id": "salesperson-2", "deputy_id": "salesperson", "reason": "rebalancing"}
    client.ok("POST", path, "sales-manager", moved)
    owned = client.page("/customers?owner_id=salesperson-2", "finance")
    assert [c["customer_id"] for c in owned["items"]] == [customer_id]
    assert client.page("/customers?owner_id=salesperson", "finance")["total"] == 1
