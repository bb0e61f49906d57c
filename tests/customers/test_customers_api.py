"""The customers API on a real store: commands answer from the aggregate, the list from the
``customers`` read table, filtered, sorted and paged."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from customers.bootstrap import SPEC
from kernel.settings import KernelSettings
from tests.service_client import ServiceClient, service_client


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        yield client


def test_the_customer_list_pages_sorts_and_filters(client: ServiceClient) -> None:
    names = ["Delta Pumps", "Alpha Valves", "Echo Motors", "Bravo Pumps", "Charlie Gears"]
    registered = [
        client.ok("POST", "/customers", "salesperson", {"legal_name": name}) for name in names
    ]
    # A command answers at once from the aggregate, a lookup by id too, at the caller's level.
    customer_id = registered[0]["customer_id"]
    assert client.ok("GET", f"/customers/{customer_id}", "salesperson") == registered[0]

    first = client.page("/customers?limit=2", "salesperson")
    assert (first["total"], first["limit"], first["offset"]) == (5, 2, 0)
    assert [c["legal_name"] for c in first["items"]] == names[:2]  # oldest first
    row = first["items"][0]  # the row and the aggregate give the same view
    assert row == {field: registered[0][field] for field in row}

    by_name = client.page("/customers?sort=-legal_name&limit=3&offset=1", "sales-manager")
    assert [c["legal_name"] for c in by_name["items"]] == [
        "Delta Pumps",
        "Charlie Gears",
        "Bravo Pumps",
    ]

    pumps = client.page("/customers?name=Pumps&sort=legal_name", "finance")
    assert [c["legal_name"] for c in pumps["items"]] == ["Bravo Pumps", "Delta Pumps"]
    assert client.page("/customers?status=active", "finance")["total"] == 0
    assert client.page("/customers?owner_id=salesperson", "finance")["total"] == 5


@pytest.mark.parametrize(
    "query", ["sort=credit", "limit=0", "limit=501", "offset=-1", "status=deleted"]
)
def test_a_bad_list_request_is_refused_as_input(client: ServiceClient, query: str) -> None:
    response = client.call("GET", f"/customers?{query}", "finance")
    assert response.status_code == 422, response.text
    assert response.json()["rule"] == "INPUT"
