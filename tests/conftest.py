"""Shared fixtures: store settings for SQLite and, where a server answers, PostgreSQL; the
development users' keys; a clock tests can move."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from contracts.topics import SERVICES
from kernel.settings import KernelSettings
from runtime import clock
from runtime.signing import init_dev_keys, service_key_id


def _postgres_admin_url() -> str | None:
    url = os.environ.get(
        "COUNTERSIGN_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    try:
        with psycopg.connect(url, connect_timeout=2):
            return url
    except psycopg.OperationalError:
        return None


POSTGRES_ADMIN_URL = _postgres_admin_url()
requires_postgres = pytest.mark.skipif(
    POSTGRES_ADMIN_URL is None, reason="no PostgreSQL server reachable"
)


def _fresh_database() -> Iterator[str]:
    assert POSTGRES_ADMIN_URL is not None
    name = f"countersign_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh database for one test, dropped at its end."""
    yield from _fresh_database()


@pytest.fixture(scope="module")
def module_postgres_url() -> Iterator[str]:
    """A fresh database for one test module (a whole running stack), dropped at its end."""
    yield from _fresh_database()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=requires_postgres)])
def store_settings(request: pytest.FixtureRequest, tmp_path: Path) -> KernelSettings:
    """Settings for a service store: once on SQLite, once on PostgreSQL, with development keys
    for ``USERS`` and the services in ``<tmp_path>/keys``."""
    init_dev_keys(tmp_path / "keys", [*USERS, *map(service_key_id, SERVICES)])
    if request.param == "sqlite":
        return KernelSettings(data_dir=tmp_path)
    url: str = request.getfixturevalue("postgres_url")
    return KernelSettings(data_dir=tmp_path, database_url=url)


USERS = [
    "salesperson",
    "sales-clerk",
    "branch-manager",
    "sales-manager",
    "sales-manager-2",
    "finance",
    "gm",
    "dgm",
    "legal-expert",
    "technical",
]
"""The development users who sign in the store tests."""


@pytest.fixture
def moved_clock() -> Iterator[list[datetime]]:
    """The one clock, reading ``moved_clock[0]`` (now, to begin with); the real clock comes
    back after the test."""
    current = [datetime.now(tz=UTC)]
    clock.use(lambda: current[0])
    yield current
    clock.use(lambda: datetime.now(tz=UTC))
