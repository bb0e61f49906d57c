"""Every API route refuses a missing token (401) and a caller without the route's role (403)."""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from countersign.services import SPECS
from kernel.settings import KernelSettings
from runtime.auth import UserDirectory, hash_token
from runtime.service import ServiceSpec, build_app
from tests.routes import allowed_roles, api_routes, link_authorised, outsider_token

SAMPLE_ID = "00000000-0000-0000-0000-000000000001"


def url(path_template: str) -> str:
    return "/".join(
        SAMPLE_ID if part.startswith("{") else part for part in path_template.split("/")
    )


@functools.cache
def client_of(service: str) -> TestClient:
    """One app per service for every case: no lifespan, so nothing opens a store, and the
    refusals come before any I/O."""
    return TestClient(build_app(SPECS[service], KernelSettings()))


@pytest.fixture(scope="module")
def users() -> UserDirectory:
    return UserDirectory.load(KernelSettings().users_file)


CASES = [
    (spec, *route)
    for spec in SPECS.values()
    for route in api_routes(spec)
    if not link_authorised(route[2])
]
LINK_AUTHORISED = [
    (spec, *route)
    for spec in SPECS.values()
    for route in api_routes(spec)
    if link_authorised(route[2])
]


@pytest.mark.parametrize(
    ("spec", "method", "path", "route"),
    CASES,
    ids=[f"{spec.name} {method} {path}" for spec, method, path, _ in CASES],
)
def test_every_route_needs_a_token_and_the_right_role(
    spec: ServiceSpec, method: str, path: str, route: APIRoute, users: UserDirectory
) -> None:
    client = client_of(spec.name)
    target = url(route.path)
    body: dict[str, Any] = {}

    missing = client.request(method, target, json=body)
    assert missing.status_code == 401, missing.text
    assert missing.json()["rule"] == "AUTH"

    forged = client.request(method, target, json=body, headers={"Authorization": "Bearer nope"})
    assert forged.status_code == 401

    roles = allowed_roles(route)
    outsider = outsider_token(roles)
    assert asyncio.run(users.authenticate(outsider)) is not None
    wrong_role = client.request(
        method, target, json=body, headers={"Authorization": f"Bearer {outsider}"}
    )
    assert wrong_role.status_code == 403, wrong_role.text
    assert wrong_role.json()["rule"] == "AUTH"
    assert "requires one of the roles" in wrong_role.json()["reason"]


@pytest.mark.parametrize(
    ("spec", "method", "path", "route"),
    LINK_AUTHORISED,
    ids=[f"{spec.name} {method} {path}" for spec, method, path, _ in LINK_AUTHORISED],
)
def test_xc02_a_signing_page_refuses_any_employee_s_credentials(
    spec: ServiceSpec, method: str, path: str, route: APIRoute
) -> None:
    client = client_of(spec.name)
    for token in ("dev-sales-clerk", "dev-gm", "nope"):
        sent = client.request(
            method, url(route.path), json={}, headers={"Authorization": f"Bearer {token}"}
        )
        assert (sent.status_code, sent.json()["rule"]) == (422, "XC-02"), sent.text


def test_tokens_are_stored_hashed() -> None:
    text = Path(KernelSettings().users_file).read_text()
    assert "dev-salesperson" not in text.replace("# ", "")
    assert hash_token("dev-salesperson") in text
