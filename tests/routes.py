"""The services' API routes as the tests see them: the roles each admits (its one
``requires(...)`` dependency), the signing pages a link alone opens, and development users to
call them as."""

from __future__ import annotations

import functools
import tomllib
from pathlib import Path

from fastapi.routing import APIRoute

from kernel.settings import KernelSettings
from kernel.signing.http import without_credentials
from runtime.auth import requires
from runtime.service import ServiceSpec


def allowed_roles(route: APIRoute) -> frozenset[str]:
    """The roles a route admits, read from its ``requires(...)`` dependency."""
    found = [d.call.roles for d in route.dependant.dependencies if isinstance(d.call, requires)]
    assert len(found) == 1, f"{route.path} must state its roles with exactly one requires()"
    return found[0]


def api_routes(spec: ServiceSpec) -> list[tuple[str, str, APIRoute]]:
    """(method, path, route) for every API route of ``spec``."""
    routes = [r for router in spec.all_routers() for r in router.routes if isinstance(r, APIRoute)]
    assert routes, f"{spec.name} has no API routes"
    return [(method, r.path, r) for r in routes for method in sorted(r.methods)]


def link_authorised(route: APIRoute) -> bool:
    """A customer's signing page: its link is its only credential (XC-02)."""
    return any(d.call is without_credentials for d in route.dependant.dependencies)


@functools.cache
def development_users() -> tuple[tuple[str, frozenset[str]], ...]:
    """(id, roles) of every development user, in the file's order."""
    users = tomllib.loads(Path(KernelSettings().users_file).read_text())["users"]
    return tuple((user["id"], frozenset(user["roles"])) for user in users)


def tokens_holding(roles: frozenset[str]) -> list[str]:
    """The development users' tokens that hold one of ``roles``."""
    return [f"dev-{user}" for user, held in development_users() if held & roles]


def outsider_token(roles: frozenset[str]) -> str:
    """A development user's token whose roles do not include any of ``roles``."""
    for user, held in development_users():
        if not held & roles:
            return f"dev-{user}"
    raise AssertionError(f"every development user holds one of {sorted(roles)}")
