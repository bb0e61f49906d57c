"""One instance at a time: the locks that let several instances of a service share one store.

Replicas of a service serve HTTP and consume their topics side by side (their consumer groups
share the partitions, and the inbox records each position applied in the store transaction), and
their projections advance by compare-and-set (``runtime.projections``). What must not run twice
at once is a service's background job that acts on its own: the relay (a lock of its own), the
timers and the signed checkpoints (the instance that leads the service runs them), and the
creation of the store's tables at start. Each takes a ``ServiceLock``: a
session advisory lock on PostgreSQL, which the server releases when the holder's connection ends
(a crashed instance included), or a lock file in the data dir on SQLite.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import Any

import psycopg


class ServiceLock:
    """Held by at most one process for ``job`` of ``service``; kept, once taken, until released
    or the process ends. Several jobs of a process may share one (and its one connection)."""

    def __init__(self, service: str, job: str, data_dir: Path, database_url: str) -> None:
        self._key = f"{job}:{service}"
        self._path = data_dir / f"{service}.{job}.lock"
        self._database_url = database_url
        self._fd: int | None = None
        self._pg: psycopg.Connection[Any] | None = None
        self._held = False
        self._guard = threading.Lock()  # the jobs sharing the lock ask from their own threads

    def try_acquire(self) -> bool:
        """Take the lock if it is free; True while this process holds it."""
        with self._guard:
            return self._try_advisory() if self._database_url else self._try_file()

    def _try_file(self) -> bool:
        if self._fd is not None:
            return True
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def _try_advisory(self) -> bool:
        if self._held and self._pg is not None:
            try:
                # Same session, same lock; a lost connection (the database restarted) lost it.
                self._pg.execute("SELECT 1")
                return True
            except psycopg.Error:
                self.release()
        self._pg = self._pg or psycopg.connect(self._database_url, autocommit=True)
        row = self._pg.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (self._key,)).fetchone()
        self._held = bool(row and row[0])
        return self._held

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Wait for the lock, hold it for the block, then release it."""
        if self._database_url:
            with psycopg.connect(self._database_url, autocommit=True) as pg:
                pg.execute("SELECT pg_advisory_lock(hashtext(%s))", (self._key,))
                try:
                    yield
                finally:
                    pg.execute("SELECT pg_advisory_unlock(hashtext(%s))", (self._key,))
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        if self._pg is not None:
            with contextlib.suppress(psycopg.Error):
                if self._held:
                    # At once: the server ends a closed session's locks a moment after.
                    self._pg.execute("SELECT pg_advisory_unlock(hashtext(%s))", (self._key,))
                self._pg.close()
            self._pg = None
        self._held = False

    def __enter__(self) -> ServiceLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
