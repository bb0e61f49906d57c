"""CU-21 on the lists of customers over HTTP: every list shows the confidential fields only to
the levels allowed them, logs each customer's sensitive fields read, and sorts by a field only
for whoever sees it; no route lists customers any other way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

import pytest
from fastapi.routing import APIRoute

from customers.adapters.http.customers import LISTED_SENSITIVE, customer_pages
from customers.bootstrap import SPEC
from customers.domain.access import CONFIDENTIAL_FIELDS, RISK_FIELDS, SENSITIVE_FIELDS
from customers.domain.credit_investigation import FORM_ITEMS
from kernel.settings import KernelSettings
from runtime.views import Page
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers

LISTS = ("/customers", "/customers/grade-review-due", "/credit-reviews/due")
"""Every list of customers: each holds the customer below once its reviews fall due."""
LOG = "/customer-files/sensitive-reads"


@pytest.fixture
def client(store_settings: KernelSettings, moved_clock: list[datetime]) -> Iterator[ServiceClient]:
    moved_clock[0] = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    with service_client(SPEC, store_settings) as client:
        Signers(store_settings.keys_path).put_policies_in_force(client.app)
        yield client


@pytest.fixture
def customer_id(client: ServiceClient, moved_clock: list[datetime]) -> str:
    """A customer with a credit limit, investigated and graded half a year ago: on every list."""
    customer = client.ok("POST", "/customers", "salesperson", {"legal_name": "ACME Valves"})
    customer_id = str(customer["customer_id"])
    client.ok("POST", f"/customers/{customer_id}/submit", "salesperson", {"credit_limit": "5000"})
    body = {"customer_id": customer_id, "method": "internal", "investigator_id": "salesperson"}
    opened = client.ok("POST", "/credit-investigations", "sales-manager", body)
    path = f"/credit-investigations/{opened['investigation_id']}"
    answers = {item: f"checked: {item}" for item in FORM_ITEMS}
    client.ok("POST", f"{path}/form", "salesperson", {"answers": answers})
    client.ok("POST", f"{path}/complete", "salesperson", {"conclusion": "pays on time"})
    client.ok("POST", f"/customers/{customer_id}/grade", "sales-manager", {"grade": "B"})
    moved_clock[0] += timedelta(days=183)
    return customer_id


def listed(client: ServiceClient, path: str, user: str, customer_id: str) -> dict[str, Any]:
    page = client.page(path, user)
    (item,) = [i for i in page["items"] if i["customer_id"] == customer_id]
    return dict(item)


def reads(client: ServiceClient, customer_id: str) -> list[tuple[str, list[str]]]:
    log = client.page(f"{LOG}?customer_id={customer_id}&limit=500", "gm")
    return sorted((r["reader"], r["fields"]) for r in log["items"])


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("user", ["sales-manager", "finance", "gm"])
def test_cu_21_allowed_levels_see_the_confidential_fields_on_every_list(
    client: ServiceClient, customer_id: str, path: str, user: str
) -> None:
    item = listed(client, path, user, customer_id)
    assert (item["credit_limit"], item["standing"]) == ("5000.00", "good")
    assert reads(client, customer_id) == [(user, list(LISTED_SENSITIVE))]


@pytest.mark.parametrize("path", LISTS)
@pytest.mark.parametrize("user", ["salesperson", "sales-clerk"])
def test_cu_21_other_levels_get_the_confidential_fields_redacted_on_every_list(
    client: ServiceClient, customer_id: str, path: str, user: str
) -> None:
    item = listed(client, path, user, customer_id)
    assert all(item[field] is None for field in CONFIDENTIAL_FIELDS if field in item)
    assert (item["standing"], item["credit_terms_allowed"]) == ("good", False)  # the risk tier
    assert reads(client, customer_id) == [(user, list(RISK_FIELDS))]


def test_cu_21_each_customer_on_a_page_has_its_read_logged_and_an_empty_page_none(
    client: ServiceClient, customer_id: str
) -> None:
    other = client.ok("POST", "/customers", "salesperson", {"legal_name": "Bravo Pumps"})
    client.page("/customers", "finance")
    client.page("/customers?name=nobody", "finance")
    for listed_id in (customer_id, str(other["customer_id"])):
        assert reads(client, listed_id) == [("finance", list(LISTED_SENSITIVE))]


@pytest.mark.parametrize("path", LISTS)
def test_cu_21_a_list_is_sorted_by_a_confidential_field_only_for_the_levels_that_see_it(
    client: ServiceClient, customer_id: str, path: str
) -> None:
    for sort in ("credit_limit", "-credit_limit"):
        refused = client.call("GET", f"{path}?sort={sort}", "salesperson")
        assert (refused.status_code, refused.json()["rule"]) == (422, "CU-21"), refused.text
        assert client.page(f"{path}?sort={sort}", "finance")["total"] == 1
    assert reads(client, customer_id) == [("finance", list(LISTED_SENSITIVE))] * 2


def test_cu_21_every_route_listing_sensitive_fields_answers_through_the_tiered_pages() -> None:
    checked = set()
    for route in (r for router in SPEC.all_routers() for r in router.routes):
        assert isinstance(route, APIRoute)
        model = route.response_model
        if "GET" not in route.methods or not (isinstance(model, type) and issubclass(model, Page)):
            continue
        (item,) = get_args(model.model_fields["items"].annotation)
        if set(item.model_fields) & set(SENSITIVE_FIELDS):
            calls = {dependency.call for dependency in route.dependant.dependencies}
            assert customer_pages in calls, f"{route.path} lists customers untiered (CU-21)"
            checked.add(route.path)
    assert checked == set(LISTS)


def test_cu_21_a_command_answers_with_the_file_as_the_caller_s_level_shows_it(
    client: ServiceClient,
) -> None:
    customer = client.ok("POST", "/customers", "salesperson", {"legal_name": "Charlie Gears"})
    path = f"/customers/{customer['customer_id']}"
    submitted = client.ok("POST", f"{path}/submit", "salesperson", {"credit_limit": "7000"})
    assert (submitted["credit_limit"], submitted["standing"]) == (None, "good")
    reported = client.ok(
        "POST",
        f"{path}/abnormalities",
        "warehouse",
        {"source": "sales", "facts": "Goods refused at the gate", "severity": "low"},
    )
    assert reported["credit_limit"] is None and reported["open_review_id"] is not None

    graded = client.ok("POST", f"{path}/grade", "sales-manager", {"grade": "C"})
    assert graded["credit_limit"] == "7000.00"
