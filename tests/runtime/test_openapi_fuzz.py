"""Every service's HTTP API fuzzed from its own OpenAPI document (schemathesis), each request as
a caller the route admits, in turn every development user holding one of its roles, so that the
fuzzed input reaches the route's own code past the role check (the refusals of everyone else are
tests/runtime/test_auth.py's): no server error, no status code the document does not list, no
response that does not match its schema. Bounded in time: a few examples per operation."""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.openapi import from_asgi
from schemathesis.schemas import BaseSchema

from countersign.services import SPECS
from kernel.settings import KernelSettings
from runtime.signing import init_dev_keys
from tests.routes import allowed_roles, api_routes, link_authorised, tokens_holding
from tests.service_client import ServiceClient

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
FUZZ = settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def served(service: str) -> ServiceClient:
    """The service on a store of its own, for the module (schemathesis reads the schema when
    the tests are collected)."""
    data = Path(tempfile.mkdtemp(prefix=f"fuzz-{service}-"))
    init_dev_keys(data / "keys", ["gm"])
    return ServiceClient(SPECS[service], KernelSettings(data_dir=data))


CLIENTS = {service: served(service) for service in SPECS}


@pytest.fixture(scope="module", autouse=True)
def close_the_stores() -> Iterator[None]:
    yield
    for client in CLIENTS.values():
        client.app.close()


def insiders(service: str) -> dict[tuple[str, str], Iterator[dict[str, str]]]:
    """(method, path) -> the headers to call it with, in turn: each development user the route
    admits; no credentials at all for a signing page, whose link is its only credential."""
    found: dict[tuple[str, str], Iterator[dict[str, str]]] = {}
    for method, path, route in api_routes(SPECS[service]):
        if link_authorised(route):
            callers: list[dict[str, str]] = [{}]
        else:
            tokens = tokens_holding(allowed_roles(route))
            assert tokens, f"no development user may call {method} {path}"
            callers = [{"Authorization": f"Bearer {token}"} for token in tokens]
        found[method, path] = itertools.cycle(callers)
    return found


CALLERS = {service: insiders(service) for service in SPECS}


def call(service: str, case: Case) -> None:
    """The request as the next user the route admits (none for the routes every caller may
    read: /health, /metrics)."""
    callers = CALLERS[service].get((case.method.upper(), case.operation.path))
    headers = {} if callers is None else next(callers)
    case.call_and_validate(headers=headers, checks=CHECKS)


def schema(service: str) -> BaseSchema:
    # /ready answers 503 by design until Kafka is connected, which never happens here.
    return from_asgi("/openapi.json", CLIENTS[service].http.app).exclude(path="/ready")


customers = schema("customers")
orders = schema("orders")
service_desk = schema("service-desk")
billing = schema("billing")


@customers.parametrize()
@FUZZ
def test_customers_api(case: Case) -> None:
    call("customers", case)


@orders.parametrize()
@FUZZ
def test_orders_api(case: Case) -> None:
    call("orders", case)


@service_desk.parametrize()
@FUZZ
def test_service_desk_api(case: Case) -> None:
    call("service-desk", case)


@billing.parametrize()
@FUZZ
def test_billing_api(case: Case) -> None:
    call("billing", case)
