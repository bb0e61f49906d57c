"""Production mode: callers are who the company's OpenID Connect identity provider says. A small
issuer runs here (its RSA key made in the test, its discovery document and JWKS served over
HTTP), and a service in production mode takes its tokens and nothing else."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient

from customers.bootstrap import SPEC
from kernel.roles import Role
from kernel.settings import KernelSettings
from runtime.auth import IdentityProvider
from runtime.service import build_app
from runtime.settings import SettingsError

AUDIENCE = "countersign"
LIST = "/visit-plans"
"""A list any reader of customers (the finance department among them) may read."""


@dataclass
class Issuer:
    """A local identity provider: it signs tokens with its key ``kid``."""

    url: str
    key: rsa.RSAPrivateKey
    kid: str = "issuer-key-1"

    def token(self, claims: dict[str, Any] | None = None, **overrides: Any) -> str:
        now = int(time.time())
        payload = {
            "iss": self.url,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 300,
            "sub": "0f6a-finance",
            "preferred_username": "finance",
            "name": "Zhou Hui",
            "roles": [Role.FINANCE.value],
            **(claims or {}),
        }
        payload.update(overrides)
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": self.kid})


def _serve(documents: dict[str, bytes]) -> tuple[ThreadingHTTPServer, str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = documents.get(self.path)
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body or b"{}")

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    documents: dict[str, bytes] = {}
    server, url = _serve(documents)
    found = Issuer(url, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    public = jwt.algorithms.RSAAlgorithm.to_jwk(found.key.public_key(), as_dict=True)
    documents["/jwks.json"] = json.dumps(
        {"keys": [{**public, "kid": found.kid, "use": "sig", "alg": "RS256"}]}
    ).encode()
    documents["/.well-known/openid-configuration"] = json.dumps(
        {"issuer": url, "jwks_uri": f"{url}/jwks.json"}
    ).encode()
    yield found
    server.shutdown()
    server.server_close()


def production(tmp_path: Path, issuer: Issuer, **settings: Any) -> KernelSettings:
    given: dict[str, Any] = {
        "data_dir": tmp_path,
        "mode": "production",
        "oidc_issuer": issuer.url,
        "oidc_audience": AUDIENCE,
        "oidc_employee_claim": "preferred_username",
    }
    return KernelSettings(**{**given, **settings})


@pytest.fixture
def client(tmp_path: Path, issuer: Issuer) -> Iterator[TestClient]:
    settings = production(tmp_path, issuer)
    application = SPEC.application(settings)
    try:
        yield TestClient(build_app(SPEC, settings, application=application))
    finally:
        application.close()


def called(client: TestClient, token: str) -> tuple[int, str]:
    answer = client.get(LIST, headers={"Authorization": f"Bearer {token}"})
    return answer.status_code, answer.json().get("rule", "")


def test_a_valid_token_of_the_identity_provider_is_accepted(
    client: TestClient, issuer: Issuer
) -> None:
    answer = client.get(LIST, headers={"Authorization": f"Bearer {issuer.token()}"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["items"] == []


def test_the_employee_and_the_roles_come_from_the_configured_claims(
    tmp_path: Path, issuer: Issuer
) -> None:
    provider = IdentityProvider.of(
        production(tmp_path, issuer, oidc_roles_claim="realm_access.roles")
    )
    token = issuer.token({"realm_access": {"roles": ["finance", 7]}}, roles=["gm"])
    principal = provider.verify(token)
    assert principal is not None
    assert (principal.user_id, principal.name, principal.roles) == (
        "finance",
        "Zhou Hui",
        frozenset({"finance"}),
    )
    assert provider.verify(issuer.token(preferred_username="")) is None


def test_an_expired_token_is_refused(client: TestClient, issuer: Issuer) -> None:
    past = int(time.time()) - 3600
    assert called(client, issuer.token(iat=past - 300, exp=past)) == (401, "AUTH")


def test_a_token_of_another_issuer_is_refused(client: TestClient, issuer: Issuer) -> None:
    assert called(client, issuer.token(iss="https://idp.example.com")) == (401, "AUTH")


def test_a_token_for_another_audience_is_refused(client: TestClient, issuer: Issuer) -> None:
    assert called(client, issuer.token(aud="another-application")) == (401, "AUTH")


def test_a_tampered_token_is_refused(client: TestClient, issuer: Issuer) -> None:
    header, _, signature = issuer.token().split(".")
    raised = jwt.utils.base64url_encode(
        json.dumps(
            {
                "iss": issuer.url,
                "aud": AUDIENCE,
                "exp": int(time.time()) + 300,
                "preferred_username": "gm",
                "roles": [Role.LEADERSHIP_GM.value],
            }
        ).encode()
    ).decode()
    assert called(client, f"{header}.{raised}.{signature}") == (401, "AUTH")


def test_a_token_signed_with_another_key_under_the_issuer_s_key_id_is_refused(
    client: TestClient, issuer: Issuer
) -> None:
    forger = Issuer(issuer.url, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    assert called(client, forger.token()) == (401, "AUTH")


def test_an_unsigned_token_is_refused(client: TestClient, issuer: Issuer) -> None:
    unsigned = jwt.encode(
        {"iss": issuer.url, "aud": AUDIENCE, "exp": int(time.time()) + 300, "sub": "gm"},
        key=None,
        algorithm="none",
    )
    assert called(client, unsigned) == (401, "AUTH")


def test_a_development_token_is_refused_in_production(client: TestClient) -> None:
    assert called(client, "dev-gm") == (401, "AUTH")


def test_a_token_without_the_route_s_role_is_refused_with_403(
    client: TestClient, issuer: Issuer
) -> None:
    assert called(client, issuer.token(roles=[])) == (403, "AUTH")
    assert called(client, issuer.token(roles=[Role.WAREHOUSE_KEEPER.value])) == (403, "AUTH")


def test_an_unreachable_identity_provider_answers_503_not_a_refusal(tmp_path: Path) -> None:
    server, url = _serve({})
    server.shutdown()
    server.server_close()  # nothing listens there any more
    nowhere = Issuer(url, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    settings = production(tmp_path, nowhere)
    application = SPEC.application(settings)
    try:
        client = TestClient(build_app(SPEC, settings, application=application))
        assert called(client, nowhere.token()) == (503, "AUTH")
    finally:
        application.close()


def test_production_mode_refuses_to_start_with_development_users(
    tmp_path: Path, issuer: Issuer
) -> None:
    settings = production(tmp_path, issuer, users_file=KernelSettings().users_file)
    with pytest.raises(SettingsError, match="COUNTERSIGN_USERS_FILE"):
        build_app(SPEC, settings)


def test_production_mode_refuses_to_start_without_an_identity_provider(tmp_path: Path) -> None:
    settings = KernelSettings(data_dir=tmp_path, mode="production", oidc_audience=AUDIENCE)
    with pytest.raises(SettingsError, match="COUNTERSIGN_OIDC_ISSUER"):
        build_app(SPEC, settings)


def test_production_mode_refuses_shared_secret_algorithms(tmp_path: Path, issuer: Issuer) -> None:
    with pytest.raises(SettingsError, match="HS256"):
        build_app(SPEC, production(tmp_path, issuer, oidc_algorithms="RS256,HS256"))
