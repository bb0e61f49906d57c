"""Bearer-token authentication and role checks.

Users, their roles and the SHA-256 of their tokens live in a TOML file; plain tokens are never
stored. ``requires(role, ...)`` is the one way a route states who may call it.
"""

from __future__ import annotations

import hashlib
import hmac
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

# Every employee role (RULES.md §1). Customers, outside agencies and outside experts hold none.
EMPLOYEE_ROLES = frozenset(
    {
        "sales_manager",
        "leadership_gm",
        "service_supervisor",
        "unit_leader",
        "finance",
        "salesperson",
        "sales_clerk",
        "branch_manager",
        "business_supervisor",
        "leadership_dgm",
        "chairman",
        "accountant",
        "warehouse_keeper",
        "service_clerk",
        "technician",
        "service_department",
        "cs_director",
        "cs_manager",
        "technical_department",
        "purchasing_department",
        "branch_service_manager",
        "handover_witness",
        "dept_head",
        "management",
    }
)


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


def authenticated(
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

    def __call__(self, principal: Annotated[Principal, Depends(authenticated)]) -> Principal:
        if not principal.roles & self.roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"requires one of the roles: {', '.join(sorted(self.roles))}",
            )
        return principal
