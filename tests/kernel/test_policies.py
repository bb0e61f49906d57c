"""XC-07: the authority matrix, the rule parameters and the working calendar are policies, each
in force only once the general manager signed its configured version; through the routes every
service mounts, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eventsourcing.utils import resolve_topic
from fastapi.testclient import TestClient

from countersign.services import SPECS
from kernel.policy.domain import PolicyVersion
from kernel.settings import KernelSettings
from orders.application import OrdersApplication
from runtime.service import build_app
from tests.signers import Signers


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[TestClient]:
    http_app = build_app(SPECS["orders"], store_settings)
    application = OrdersApplication(store_settings)
    http_app.state.application = application
    yield TestClient(http_app)
    application.close()


def as_user(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer dev-{user}"}


def test_xc07_every_policy_comes_into_force_only_with_the_gms_signature(
    client: TestClient, store_settings: KernelSettings
) -> None:
    listed = client.get("/policies", headers=as_user("sales-clerk"))
    assert listed.status_code == 200, listed.text
    policies = {p["policy_key"]: p for p in listed.json()}
    assert sorted(policies) == ["authority-matrix", "calendar", "rule-parameters"]
    assert {p["in_force_version"] for p in policies.values()} == {None}

    parameters = policies["rule-parameters"]
    version = parameters["configured_version"]
    url = f"/policies/rule-parameters/{version}/approve"
    signers = Signers(store_settings.keys_path)

    # Refused: not the general manager; a signature by another key; another version.
    dgm_signed = {"signature": signers.sign("dgm", parameters["signing_fields"])}
    not_gm = client.post(url, json=dgm_signed, headers=as_user("dgm"))
    assert not_gm.status_code == 403
    forged = client.post(url, json=dgm_signed, headers=as_user("gm"))
    assert (forged.status_code, forged.json()["rule"]) == (422, "XC-07")
    gm_signed = {"signature": signers.sign("gm", parameters["signing_fields"])}
    other = client.post(
        f"/policies/rule-parameters/{version + 1}/approve", json=gm_signed, headers=as_user("gm")
    )
    assert (other.status_code, other.json()["rule"]) == (422, "XC-07")
    unknown = client.get("/policies/discount-table", headers=as_user("gm"))
    assert unknown.status_code == 404
    still = client.get("/policies/rule-parameters", headers=as_user("gm")).json()
    assert still["in_force_version"] is None

    # Allowed: the GM signs the very fields the service gives.
    approved = client.post(url, json=gm_signed, headers=as_user("gm"))
    assert approved.status_code == 200, approved.text
    assert approved.json()["in_force_version"] == version
    again = client.post(url, json=gm_signed, headers=as_user("gm"))
    assert (again.status_code, again.json()["rule"]) == (422, "XC-07")
    # The other policies are still not in force: each needs its own signature.
    after = {
        p["policy_key"]: p["in_force_version"]
        for p in client.get("/policies", headers=as_user("gm")).json()
    }
    assert after == {"authority-matrix": None, "calendar": None, "rule-parameters": version}


def test_policy_events_stored_under_their_former_module_still_resolve() -> None:
    # Stores written before the policy package name kernel.approvals.policy in their topics.
    assert resolve_topic("kernel.approvals.policy:PolicyVersion.Approved") is PolicyVersion.Approved
    assert resolve_topic("kernel.approvals.policy:PolicyVersion.Proposed") is PolicyVersion.Proposed
