"""The HTTP contract every route keeps: one refusal shape, documented in the OpenAPI; bodies that
cannot be read or are too large are INPUT, never a server error."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from countersign.services import SPECS
from customers.bootstrap import SPEC as CUSTOMERS
from kernel.settings import KernelSettings
from runtime.service import ServiceSpec, build_app
from tests.service_client import ServiceClient, service_client

SALESPERSON = {"Authorization": "Bearer dev-salesperson"}
JSON = {**SALESPERSON, "Content-Type": "application/json"}


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(CUSTOMERS, store_settings) as client:
        yield client


@pytest.mark.parametrize(
    "body",
    [b'{"legal_name": ', b"\xff\xfe{}", b"[1, 2", b"legal_name=ACME"],
    ids=["truncated", "not UTF-8", "not an object", "a form"],
)
def test_a_malformed_body_is_refused_as_input(client: ServiceClient, body: bytes) -> None:
    response = client.http.post("/customers", content=body, headers=JSON)
    assert response.status_code in (400, 422), response.text
    assert response.json()["rule"] == "INPUT"


def test_a_body_over_the_limit_is_refused_before_it_is_read(client: ServiceClient) -> None:
    huge = b'{"legal_name": "' + b"x" * 1_200_000 + b'"}'
    declared = client.http.post("/customers", content=huge, headers=JSON)
    assert (declared.status_code, declared.json()["rule"]) == (413, "INPUT")

    def streamed() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(20):
            yield b"x" * 100_000

    chunked = client.http.post("/customers", content=streamed(), headers=JSON)
    assert (chunked.status_code, chunked.json()["rule"]) == (413, "INPUT")
    assert client.app.recorder.max_notification_id() in (0, None)


@pytest.mark.parametrize(
    "body",
    [
        b'{"legal_name": "A\\u0000B"}',
        b'{"legal_name": "' + b"x" * 201 + b'"}',
        b'{"legal_name": "ACME", "owner_id": "' + b"o" * 1_000_000 + b'"}',
        b'{"legal_name": "ACME", "owner_id": "not an id"}',
        b'{"legal_name": "\\ud800"}',
    ],
    ids=["NUL", "too long", "a huge owner", "spaces in an id", "a lone surrogate"],
)
def test_every_string_is_bounded_and_printable(client: ServiceClient, body: bytes) -> None:
    response = client.http.post("/customers", content=body, headers=JSON)
    assert response.status_code in (413, 422), response.text
    assert response.json()["rule"] == "INPUT"
    assert client.app.recorder.max_notification_id() in (0, None)


@pytest.mark.parametrize("spec", SPECS.values(), ids=lambda s: s.name)
def test_every_route_documents_its_refusals(spec: ServiceSpec) -> None:
    document = build_app(spec, KernelSettings()).openapi()
    refusal = {"$ref": "#/components/schemas/Refusal"}
    for path, operations in document["paths"].items():
        if path in ("/health", "/ready", "/relay", "/inbox"):  # operations: no input, no auth
            continue
        for method, operation in operations.items():
            documented = operation["responses"]
            for status in ("400", "401", "403", "404", "409", "413", "422", "503"):
                assert status in documented, f"{spec.name} {method} {path}: no {status}"
                content = documented[status]["content"]["application/json"]
                assert content["schema"] == refusal, f"{spec.name} {method} {path} {status}"
