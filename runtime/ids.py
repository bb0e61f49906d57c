"""Random (version 4) UUIDs, without a system call per id.

``uuid4()`` reads ``os.urandom(16)`` for every id, and each read gives up the GIL and waits to
take it back: under load, every command waited once more. These ids come from the same kernel
randomness, read 4 KiB at a time per thread.
"""

from __future__ import annotations

import os
import threading
from uuid import UUID

_BLOCK = 4096


class _Randomness(threading.local):
    def __init__(self) -> None:
        self.block = b""
        self.offset = _BLOCK

    def take16(self) -> bytes:
        if self.offset == _BLOCK:
            self.block, self.offset = os.urandom(_BLOCK), 0
        start = self.offset
        self.offset = start + 16
        return self.block[start : start + 16]


_randomness = _Randomness()


def new_id() -> UUID:
    """A random UUID (version 4), as ``uuid.uuid4()`` makes."""
    return UUID(bytes=_randomness.take16(), version=4)
