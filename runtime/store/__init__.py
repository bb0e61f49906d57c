"""Where each service keeps its data: one SQLite file, or one PostgreSQL schema, per service.

The event store (the eventsourcing library's recorders, with group commit and the hash chain) and
the service's read tables (SQLAlchemy Core) live in the same database.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from runtime.settings import Settings

APPLIED_TABLE = "inbox_applied"
"""Every upstream position the service's inbox applied (or dead-lettered), one row each, written
in the same transaction as the reaction's events: its primary key makes each message's outcome
happen once. A maximum per source would not do: after a failed send the relay publishes again from
the failed position, and a later message of the same partition may have gone through already."""


def sqlite_path(settings: Settings, service: str) -> Path:
    return settings.data_dir / f"{service}.sqlite"


def postgres_schema(service: str) -> str:
    # One schema per service: each service owns its tables even on a shared server.
    return service.replace("-", "_")


def store_environment(settings: Settings, service: str) -> dict[str, str]:
    """The eventsourcing environment for ``service``'s own event store."""
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "runtime.store.sqlite:Factory",
            "SQLITE_DBNAME": str(sqlite_path(settings, service)),
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    url = urlparse(settings.database_url)
    if url.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"unsupported database URL scheme {url.scheme!r}")
    return {
        "PERSISTENCE_MODULE": "runtime.store.postgres:Factory",
        "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_SCHEMA": postgres_schema(service),
        "POSTGRES_POOL_SIZE": str(settings.database_pool_size),
        "POSTGRES_MAX_OVERFLOW": str(settings.database_pool_size),
    }


_WRITE_LOCKS: dict[Path, threading.RLock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


def sqlite_write_lock(path: Path | str) -> threading.RLock:
    """The one lock every writer in this process takes before it writes the SQLite file at
    ``path``: the event store and the read tables. SQLite lets one writer in at a time anyway;
    queueing here instead of on its busy handler (which sleeps up to 100 ms between tries, and
    fails a deferred transaction that must upgrade) keeps commit latency flat under load.
    Reentrant: the event loop takes it to commit in place (``GroupCommitter.local_lock``), and
    the insert it calls takes it again."""
    key = Path(path).resolve()
    with _WRITE_LOCKS_GUARD:
        return _WRITE_LOCKS.setdefault(key, threading.RLock())


def write_lock(settings: Settings, service: str) -> threading.RLock | None:
    """The service's in-process write lock: SQLite only (PostgreSQL locks rows itself)."""
    return None if settings.database_url else sqlite_write_lock(sqlite_path(settings, service))


WRITE = "countersign_write"
"""Execution option of a connection that writes read tables (``engine.begin()`` on it)."""


def read_engine(settings: Settings, service: str) -> Engine:
    """A SQLAlchemy engine on the service's own database, for its read tables.

    On SQLite a writing transaction starts with ``BEGIN IMMEDIATE``: it takes the write lock
    before it reads, so two writers queue on the busy timeout instead of failing on a lock
    upgrade. Reading transactions start a plain ``BEGIN`` (one snapshot per query)."""
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            f"sqlite:///{sqlite_path(settings, service)}",
            connect_args={"timeout": 30, "check_same_thread": False},
        )

        @event.listens_for(engine, "connect")
        def _manual_transactions(dbapi_connection: Any, _: Any) -> None:
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(connection: Any) -> None:
            immediate = connection.get_execution_options().get(WRITE)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    url = make_url(settings.database_url).set(drivername="postgresql+psycopg")
    schema = postgres_schema(service)
    return create_engine(
        url,
        connect_args={"options": f"-c search_path={schema}"},
        pool_size=max(settings.database_pool_size // 2, 1),
        max_overflow=settings.database_pool_size,
        pool_pre_ping=True,
    )
