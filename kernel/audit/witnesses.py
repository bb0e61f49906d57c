"""Each store checked against the signed heads that the other services witnessed.

A service signs its store's head (position, log hash) with its own key and the other services
keep what they see (``runtime.witness``); an export of the newest heads (``countersign audit
heads``) can be kept off-site and checked against later (``audit verify --against``). A store
must still hold, at every witnessed position, the very log hash its service signed: a rewrite
re-sealed in both chains changes it, and deleting the newest events leaves the position empty or
beyond the store's end. Events after the newest witnessed head are only as safe as the database:
the report says how many there are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from pydantic import TypeAdapter, ValidationError

from contracts.audit import StoreCheckpoint
from kernel.audit.verify import Failure, StoredEvents, StoreReport
from runtime import clock
from runtime.signing import KeyRing
from runtime.witness import checkpoint_of, checkpoint_verifies

# Events listed by name when a rewrite is narrowed down to a range this short.
_LIST_AT_MOST = 10


@dataclass
class Witnessed:
    """A signed head, and who vouches for having seen it."""

    checkpoint: StoreCheckpoint
    witnesses: set[str]


@dataclass
class Collected:
    heads: dict[str, list[Witnessed]]
    """By the service whose head it is, in position order."""
    problems: list[str]
    """Kept checkpoints whose signature does not verify (the keeper's store was written)."""


def collect(
    stores: Mapping[str, StoredEvents],
    key_ring: KeyRing,
    exported: Iterable[tuple[str, StoreCheckpoint]] = (),
) -> Collected:
    """The checkpoints the services witnessed, plus ``exported`` ones (witness name,
    checkpoint), each verified against the services' public keys."""
    found: dict[tuple[str, int, str], Witnessed] = {}
    problems = []
    kept = [(witness, checkpoint_of(row)) for witness, s in stores.items() for row in s.witnessed()]
    for witness, checkpoint in [*kept, *exported]:
        if not checkpoint_verifies(checkpoint, key_ring):
            problems.append(
                f"{witness} keeps a checkpoint of {checkpoint.service} at position "
                f"{checkpoint.position} whose signature does not verify against "
                f"{checkpoint.signer}'s public key"
            )
            continue
        key = (checkpoint.service, checkpoint.position, checkpoint.head)
        found.setdefault(key, Witnessed(checkpoint, set())).witnesses.add(witness)
    heads: dict[str, list[Witnessed]] = {}
    for (service, _, _), witnessed in sorted(found.items()):
        heads.setdefault(service, []).append(witnessed)
    return Collected(heads, problems)


@dataclass
class CrossCheck:
    failures: list[Failure]
    witnessed_up_to: int
    """The newest position whose signed head the store still matches (0: none)."""
    unwitnessed: int
    """Events after it: no witness has seen them yet."""


def cross_check(store: StoredEvents, report: StoreReport, heads: Sequence[Witnessed]) -> CrossCheck:
    service = store.service
    stored = store.log_at({w.checkpoint.position for w in heads})
    failures = []
    good = 0
    for witnessed in heads:
        checkpoint = witnessed.checkpoint
        position = checkpoint.position
        seen = _seen(witnessed)
        if position > report.last_position:
            reason = (
                f"truncated: {seen}, but the store ends at position {report.last_position}: "
                f"its newest events were deleted"
            )
            failures.append(Failure(report.last_position + 1, service, None, None, reason))
        elif stored.get(position) != bytes.fromhex(checkpoint.head):
            what = "has no log row there" if position not in stored else "holds another log hash"
            reason = (
                f"rewritten: {seen}, but the store {what}: something at or after position "
                f"{good + 1} and at or before {position} was altered, deleted or reordered, "
                f"and the chains re-sealed{_events_in(store, good + 1, position)}"
            )
            failures.append(Failure(position, service, None, None, reason))
        else:
            good = max(good, position)
    unwitnessed = store.count_after(good)
    return CrossCheck(failures, good, unwitnessed)


def _seen(witnessed: Witnessed) -> str:
    checkpoint = witnessed.checkpoint
    return (
        f"{', '.join(sorted(witnessed.witnesses))} witnessed {checkpoint.service} sign its head "
        f"at position {checkpoint.position} at {checkpoint.signed_at.isoformat()}"
    )


def _events_in(store: StoredEvents, lo: int, hi: int) -> str:
    if hi - lo + 1 > _LIST_AT_MOST:
        return ""
    rows = store.log_between(lo, hi)
    if not rows:
        return ""
    listed = ", ".join(f"{n}: stream {stream} version {version}" for n, stream, version, _ in rows)
    return f" (the log now lists {listed})"


# -- the off-site export

_EXPORT = TypeAdapter(list[StoreCheckpoint])


def newest_heads(collected: Collected) -> list[StoreCheckpoint]:
    """Each service's newest witnessed head."""
    return [heads[-1].checkpoint for _, heads in sorted(collected.heads.items()) if heads]


def export(heads: Sequence[StoreCheckpoint]) -> bytes:
    document: dict[str, Any] = {
        "exported_at": clock.now().isoformat(),
        "heads": _EXPORT.dump_python(list(heads), mode="json"),
    }
    return orjson.dumps(document, option=orjson.OPT_INDENT_2)


class ExportError(Exception):
    pass


def load_export(path: Path) -> tuple[datetime | None, list[StoreCheckpoint]]:
    try:
        document = orjson.loads(path.read_bytes())
        heads = _EXPORT.validate_python(document["heads"])
        exported_at = document.get("exported_at")
        return (datetime.fromisoformat(exported_at) if exported_at else None), heads
    except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError, ValidationError) as e:
        raise ExportError(f"cannot read the heads in {path}: {e}") from None
