"""Bearer-token authentication and role checks.

Users, their roles and the SHA-256 of their tokens live in a TOML file; plain tokens are never
stored. ``requires(role, ...)`` is the one way a route states who may call it; ``acting_as(role,
...)`` does the same for a command and hands it the caller as a command context. Which roles
exist is business knowledge (``kernel.roles``): here a role is just a name.
"""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from uuid import UUID

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from runtime.ids import new_id
from runtime.unit_of_work import CommandContext


@dataclass(frozen=True)
class Principal:
    user_id: str
    name: str
    roles: frozenset[str]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class UserDirectory:
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

    def authenticate(self, token: str) -> Principal | None:
        digest = hash_token(token)
        for known, principal in self._by_hash.items():
            if hmac.compare_digest(known, digest):
                return principal
        return None


_bearer = HTTPBearer(auto_error=False)


async def authenticated(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    directory: UserDirectory = request.app.state.users
    principal = directory.authenticate(credentials.credentials) if credentials else None
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
