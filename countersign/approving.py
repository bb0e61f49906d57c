"""Client-side signing for the development users: what an employee's app does when its user
approves. Used by `countersign demo`, the end-to-end tests and anyone driving the APIs by hand."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from kernel.roles import Role
from runtime.signing import load_private_key, sign

# Which development user acts for each role when the demo or a test walks an approval chain.
DEV_USER_FOR_ROLE: Mapping[str, str] = {
    Role.SALES_MANAGER: "sales-manager",
    Role.BRANCH_MANAGER: "branch-manager",
    Role.FINANCE: "finance",
    Role.ACCOUNTANT: "accountant",
    Role.LEADERSHIP_GM: "gm",
    Role.LEADERSHIP_DGM: "dgm",
    Role.WAREHOUSE_KEEPER: "warehouse",
    Role.SERVICE_SUPERVISOR: "service-supervisor",
    Role.UNIT_LEADER: "unit-leader",
    Role.SERVICE_DEPARTMENT: "service-department",
    Role.TECHNICAL_DEPARTMENT: "technical",
}


def _auth(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer dev-{user}"}


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 300:
        raise RuntimeError(
            f"{response.request.method} {response.request.url} answered "
            f"{response.status_code}: {response.text}"
        )
    return response.json()


def put_policies_in_force(http: httpx.Client, base_url: str, keys_dir: Path) -> dict[str, int]:
    """The general manager signs each configured policy not in force yet (XC-07): the authority
    matrix, the rule parameters, the working calendar. Returns each one's version in force."""
    in_force = {}
    for policy in _ok(http.get(f"{base_url}/policies", headers=_auth("gm"))):
        key, configured = policy["policy_key"], policy["configured_version"]
        if policy["in_force_version"] != configured:
            signature = sign(load_private_key(keys_dir, "gm"), policy["signing_fields"])
            policy = _ok(
                http.post(
                    f"{base_url}/policies/{key}/{configured}/approve",
                    json={"signature": signature},
                    headers=_auth("gm"),
                )
            )
        in_force[key] = int(policy["in_force_version"])
    return in_force


def approve_all_steps(
    http: httpx.Client,
    document_url: str,
    keys_dir: Path,
    users: Mapping[str, str] = DEV_USER_FOR_ROLE,
) -> list[tuple[str, str]]:
    """Grant each pending step as a development user holding its role, each signing with their
    own key over the fields the service asks for. Returns (step, user) in order."""
    decided: list[tuple[str, str]] = []
    while (granted := grant_next_step(http, document_url, keys_dir, users)) is not None:
        decided.append(granted)
    return decided


def grant_next_step(
    http: httpx.Client,
    document_url: str,
    keys_dir: Path,
    users: Mapping[str, str] = DEV_USER_FOR_ROLE,
    only: str | None = None,
) -> tuple[str, str] | None:
    """Grant the pending step, if any, as a development user holding its role, signing with
    their own key; for a chain whose steps wait on work between them (a return's check).
    Returns (step, user), or None when no step is pending. With ``only``, that step alone: one
    already granted (a retry after a lost answer) is answered with who granted it, and another
    step pending is an error."""
    view = _ok(http.get(f"{document_url}/approval", headers=_auth("gm")))
    if only is not None:
        for done in view["steps"]:
            if done["name"] == only and done["status"] == "granted":
                return only, str(done["decided_by"])
        if view["next_step"] != only:
            raise RuntimeError(
                f"{document_url}: the step pending is {view['next_step']}, not {only}"
            )
    step = next((s for s in view["steps"] if s["name"] == view["next_step"]), None)
    if step is None:
        return None
    user = next(users[role] for role in step["roles"] if role in users)
    mine = _ok(http.get(f"{document_url}/approval", headers=_auth(user)))
    _ok(
        http.post(
            f"{document_url}/approval/grant",
            json={
                "step": mine["next_step"],
                "version_hash": mine["version_hash"],
                "signature": sign(load_private_key(keys_dir, user), mine["signing_fields"]),
            },
            headers=_auth(user),
        )
    )
    return step["name"], user
