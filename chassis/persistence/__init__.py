"""Event store wiring: one store per service, SQLite by default, PostgreSQL when configured."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from chassis.settings import Settings


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
            "PERSISTENCE_MODULE": "chassis.persistence.sqlite:Factory",
            "SQLITE_DBNAME": str(sqlite_path(settings, service)),
            "SQLITE_LOCK_TIMEOUT": "30",
        }
    url = urlparse(settings.database_url)
    if url.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"unsupported database URL scheme {url.scheme!r}")
    return {
        "PERSISTENCE_MODULE": "chassis.persistence.postgres:Factory",
        "POSTGRES_DBNAME": url.path.lstrip("/") or "postgres",
        "POSTGRES_HOST": url.hostname or "127.0.0.1",
        "POSTGRES_PORT": str(url.port or 5432),
        "POSTGRES_USER": unquote(url.username or "postgres"),
        "POSTGRES_PASSWORD": unquote(url.password or ""),
        "POSTGRES_SCHEMA": postgres_schema(service),
        "POSTGRES_POOL_SIZE": "10",
    }
