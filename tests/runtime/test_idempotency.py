"""Idempotent commands (runtime.idempotency): a command request sent again with its
``Idempotency-Key`` (its answer was lost) gets the first answer and has no second effect; the
same key with another request is refused (IDEMPOTENCY) and writes nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import httpx
import pytest

from customers.bootstrap import SPEC as CUSTOMERS
from kernel.settings import KernelSettings
from tests.service_client import ServiceClient, service_client


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(CUSTOMERS, store_settings) as client:
        yield client


def _headers(key: str, user: str = "salesperson") -> dict[str, str]:
    return {"Authorization": f"Bearer dev-{user}", "Idempotency-Key": key}


def _named(client: ServiceClient, name: str) -> list[dict[str, Any]]:
    items = client.page("/customers?limit=100", "sales-manager")["items"]
    return [c for c in items if c["legal_name"] == name]


def test_a_retried_command_is_answered_again_without_a_second_effect(
    client: ServiceClient,
) -> None:
    body, key = {"legal_name": "Harbin Pumps"}, str(uuid4())
    first = client.http.post("/customers", json=body, headers=_headers(key))
    assert first.status_code == 201, first.text
    events = client.app.recorder.max_notification_id()

    again = client.http.post("/customers", json=body, headers=_headers(key))

    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert client.app.recorder.max_notification_id() == events  # nothing written
    assert [c["customer_id"] for c in _named(client, "Harbin Pumps")] == [
        first.json()["customer_id"]
    ]


def test_a_key_reused_for_another_request_is_refused_and_writes_nothing(
    client: ServiceClient,
) -> None:
    key = str(uuid4())
    first = client.http.post(
        "/customers", json={"legal_name": "Ningbo Valves"}, headers=_headers(key)
    )
    assert first.status_code == 201, first.text
    events = client.app.recorder.max_notification_id()

    other = client.http.post("/customers", json={"legal_name": "Other Co"}, headers=_headers(key))

    assert other.status_code == 422, other.text
    assert other.json()["rule"] == "IDEMPOTENCY"
    assert set(other.json()) == {"rule", "reason", "details"}
    assert client.app.recorder.max_notification_id() == events
    assert _named(client, "Other Co") == []


def test_each_actor_has_their_own_keys(client: ServiceClient) -> None:
    body, key = {"legal_name": "Dalian Motors"}, str(uuid4())
    mine = client.http.post("/customers", json=body, headers=_headers(key, "salesperson"))
    theirs = client.http.post("/customers", json=body, headers=_headers(key, "salesperson-2"))
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert mine.json()["customer_id"] != theirs.json()["customer_id"]
    assert len(_named(client, "Dalian Motors")) == 2


def test_a_refused_command_keeps_no_receipt_so_its_retry_runs_it(client: ServiceClient) -> None:
    """A refusal writes nothing, receipt included: once the cause is gone, the same key runs."""
    created = client.ok("POST", "/customers", "salesperson", {"legal_name": "Wuxi Gears"})
    path, key = f"/customers/{created['customer_id']}/submit", str(uuid4())
    body = {"credit_limit": "50000.00"}
    refused = client.http.post(path, json=body, headers=_headers(key, "finance"))
    assert refused.status_code == 403, refused.text
    events = client.app.recorder.max_notification_id()
    assert client.http.post(path, json=body, headers=_headers(key, "finance")).status_code == 403
    assert client.app.recorder.max_notification_id() == events


@pytest.mark.parametrize("key", ["", "x" * 201, "tab\there"], ids=["empty", "long", "control"])
def test_a_key_that_is_not_a_key_is_refused_as_input(client: ServiceClient, key: str) -> None:
    response = client.http.post("/customers", json={"legal_name": "A"}, headers=_headers(key))
    assert (response.status_code, response.json()["rule"]) == (400, "INPUT")
    assert client.app.recorder.max_notification_id() in (0, None)


def test_concurrent_duplicates_have_one_effect_and_one_answer(client: ServiceClient) -> None:
    """Sent at once, the duplicates race to commit; the store takes one receipt, the others fail
    as a whole and are answered from it."""
    body, key = {"legal_name": "Qingdao Seals"}, str(uuid4())

    async def send_all() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=client.http.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            return await asyncio.gather(
                *(http.post("/customers", json=body, headers=_headers(key)) for _ in range(6))
            )

    answers = asyncio.run(send_all())

    assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
    assert len({a.json()["customer_id"] for a in answers}) == 1
    assert len(_named(client, "Qingdao Seals")) == 1
