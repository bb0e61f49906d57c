"""Bearer-token authentication and role checks.

Who calls is told by one ``Authenticator``, chosen by the mode (``authenticator_for``): in
production, the company's OpenID Connect identity provider, whose JWTs are verified against the
keys it publishes; in development, the development users of a TOML file, with the SHA-256 of their
tokens (plain tokens are never stored). ``requires(role, ...)`` is the one way a route states who
may call it; ``acting_as(role, ...)`` does the same for a command and hands it the caller as a
command context. Which roles exist is business knowledge (``kernel.roles``): here a role is just a
name.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Protocol
from uuid import UUID

import httpx
import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from runtime.ids import new_id
from runtime.settings import Settings, SettingsError
from runtime.unit_of_work import CommandContext

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Principal:
    user_id: str
    name: str
    roles: frozenset[str]


class Authenticator(Protocol):
    async def authenticate(self, token: str) -> Principal | None:
        """The caller the bearer ``token`` proves, or None."""
        ...


class IdentityProviderUnavailable(Exception):
    """The identity provider's keys cannot be fetched: no token can be checked for now."""


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UserDirectory:
    """Development mode: the development users and the hashes of their ``dev-<id>`` tokens."""

    def __init__(self, principals_by_token_hash: dict[str, Principal]) -> None:
        self._by_hash = principals_by_token_hash

    @classmethod
    def load(cls, path: Path) -> UserDirectory:
        data = tomllib.loads(path.read_text())
        return cls(
            {
                user["token_sha256"]: Principal(
                    user_id=user["id"], name=user["name"], roles=frozenset(user["roles"])
                )
                for user in data["users"]
            }
        )

    async def authenticate(self, token: str) -> Principal | None:
        digest = hash_token(token)
        for known, principal in self._by_hash.items():
            if hmac.compare_digest(known, digest):
                return principal
        return None


class IdentityProvider:
    """Production mode: bearer tokens are JWTs of the company's OpenID Connect identity
    provider. PyJWT verifies each one's signature with the issuer's published key (found by the
    token's ``kid`` in the JWKS, which is fetched again when an unknown ``kid`` appears: the
    provider rotated its keys), and its issuer, audience and expiry; the employee id and roles
    come from the configured claims."""

    def __init__(
        self,
        issuer: str,
        audience: str,
        *,
        jwks_url: str = "",
        employee_claim: str = "sub",
        roles_claim: str = "roles",
        algorithms: tuple[str, ...] = ("RS256",),
        leeway_seconds: int = 30,
    ) -> None:
        self.issuer = issuer
        self.audience = audience
        self._jwks_url = jwks_url
        self._employee_claim = employee_claim
        self._roles_path = roles_claim.split(".")
        self._algorithms = list(algorithms)
        self._leeway = leeway_seconds
        self._jwks: jwt.PyJWKClient | None = None
        self._discovering = threading.Lock()

    @classmethod
    def of(cls, settings: Settings) -> IdentityProvider:
        unset = [
            f"COUNTERSIGN_{name.upper()}"
            for name in ("oidc_issuer", "oidc_audience")
            if not getattr(settings, name)
        ]
        if unset:
            raise SettingsError(f"production mode needs the identity provider: set {unset}")
        algorithms = tuple(a.strip() for a in settings.oidc_algorithms.split(",") if a.strip())
        # A shared secret (HS*) would let anyone who verifies also issue; "none" signs nothing.
        refused = [a for a in algorithms if a.upper() == "NONE" or a.upper().startswith("HS")]
        if refused or not algorithms:
            raise SettingsError(
                f"COUNTERSIGN_OIDC_ALGORITHMS must name public-key algorithms, not {refused}"
            )
        return cls(
            settings.oidc_issuer,
            settings.oidc_audience,
            jwks_url=settings.oidc_jwks_url,
            employee_claim=settings.oidc_employee_claim,
            roles_claim=settings.oidc_roles_claim,
            algorithms=algorithms,
            leeway_seconds=settings.oidc_leeway_seconds,
        )

    async def authenticate(self, token: str) -> Principal | None:
        # Fetching the keys is blocking I/O: keep it off the event loop.
        return await run_in_threadpool(self.verify, token)

    def verify(self, token: str) -> Principal | None:
        try:
            key = self._keys().get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=self._algorithms,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self._leeway,
                options={"require": ["exp", "iss", "aud"]},
            )
        except jwt.PyJWKClientConnectionError as error:
            raise IdentityProviderUnavailable(str(error)) from error
        except jwt.PyJWTError as error:
            log.info("bearer token refused: %s", error)
            return None
        employee = claims.get(self._employee_claim)
        if not isinstance(employee, str) or not employee:
            log.info("bearer token refused: no %r claim", self._employee_claim)
            return None
        name = claims.get("name")
        return Principal(
            user_id=employee,
            name=name if isinstance(name, str) and name else employee,
            roles=self._roles(claims),
        )

    def _roles(self, claims: dict[str, Any]) -> frozenset[str]:
        found: Any = claims
        for part in self._roles_path:
            found = found.get(part) if isinstance(found, dict) else None
        if not isinstance(found, list):
            return frozenset()
        return frozenset(role for role in found if isinstance(role, str))

    def _keys(self) -> jwt.PyJWKClient:
        with self._discovering:
            if self._jwks is None:
                self._jwks = jwt.PyJWKClient(self._jwks_url or self._discover(), timeout=10)
            return self._jwks

    def _discover(self) -> str:
        """The JWKS address from the issuer's OpenID Connect discovery document."""
        address = f"{self.issuer.rstrip('/')}/.well-known/openid-configuration"
        try:
            response = httpx.get(address, timeout=10)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise IdentityProviderUnavailable(f"{address}: {error}") from error
        # OpenID Connect Discovery §4.3: the document must name the issuer it was asked for.
        if document.get("issuer") != self.issuer or not document.get("jwks_uri"):
            raise IdentityProviderUnavailable(f"{address} does not describe {self.issuer}")
        jwks_uri: str = document["jwks_uri"]
        return jwks_uri


def authenticator_for(settings: Settings) -> Authenticator:
    """Who may call, by the mode: the identity provider in production (refused with development
    users configured), the development users in development."""
    if settings.mode == "development":
        return UserDirectory.load(settings.users_file)
    if "users_file" in settings.model_fields_set:
        raise SettingsError(
            "production mode refuses development users: unset COUNTERSIGN_USERS_FILE "
            f"({settings.users_file})"
        )
    return IdentityProvider.of(settings)


_bearer = HTTPBearer(auto_error=False)


async def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    authenticator: Authenticator = request.app.state.authenticator
    try:
        principal = (
            await authenticator.authenticate(credentials.credentials) if credentials else None
        )
    except IdentityProviderUnavailable as error:
        log.warning("the identity provider cannot be reached: %s", error)
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, detail="the identity provider cannot be reached"
        ) from error
    if principal is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="a valid bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return principal


class requires:
    """Dependency that admits a principal holding any of ``roles``."""

    def __init__(self, *roles: str) -> None:
        self.roles = frozenset(roles)

    async def __call__(self, principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
        return self.admit(principal)

    def admit(self, principal: Principal) -> Principal:
        if not principal.roles & self.roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"requires one of the roles: {', '.join(sorted(self.roles))}",
            )
        return principal


class acting_as(requires):
    """Dependency for commands: the caller, holding any of ``roles``, as a command context.
    ``X-Correlation-Id`` joins the command to an existing conversation."""

    async def __call__(  # type: ignore[override]
        self, request: Request, principal: Annotated[Principal, Depends(authenticated)]
    ) -> CommandContext:
        admitted = self.admit(principal)
        return CommandContext(
            actor=admitted.user_id,
            roles=admitted.roles,
            correlation_id=_correlation(request.headers.get("x-correlation-id")),
        )


def _correlation(header: str | None) -> UUID:
    try:
        return UUID(header) if header else new_id()
    except ValueError:
        return new_id()
