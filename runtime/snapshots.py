"""Snapshots: a long-lived aggregate loads in time independent of its history.

Every ``snapshot_interval`` events an aggregate's state is stored beside the store's events, as
a cache anchored to the chain: it names the own hash of the event it stands for and is sealed
with the service's key. Loading takes the newest snapshot whose anchor matches the stored event
and whose seal verifies, then replays only the events after it; a snapshot that fails either is
ignored (and counted). ``audit verify`` rebuilds each snapshot from the events and compares.
A snapshot also names the digest of the aggregate's code that took it: after an upgrade that
changes the aggregate's code, its old snapshots are not used (nor checked) and the events replay
until the next snapshot is taken.

The state is encoded with a restricted structural codec, not pickle: plain values, UUIDs,
instants, decimals, bytes, tuples, lists, sets, dicts in order, enums and dataclasses. An enum or
a dataclass is named by its module and qualified name and rebuilt only if its module belongs to
the aggregate's own package, the kernel or the runtime and is already imported: a snapshot
written by someone else can name no other code to run.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import functools
import inspect
import logging
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from hashlib import blake2b, sha256
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.persistence import AggregateRecorder, IntegrityError, Recording, StoredEvent
from eventsourcing.utils import get_topic

from runtime import clock, metrics
from runtime.aggregate import Aggregate
from runtime.signing import KeyPeriod, KeyRing, service_key_id, sign
from runtime.store import write_lock
from runtime.store.chain import OWN_HASH

if TYPE_CHECKING:
    from runtime.application import ServiceApplication

log = logging.getLogger(__name__)

_LEFT_OUT = frozenset({"_pending_events"})
_LONG_STREAMS_REMEMBERED = 65_536
_SEALS_REMEMBERED = 4_096
TRUSTED_ROOTS = ("runtime", "kernel")


class SnapshotError(Exception):
    """A state the codec cannot encode, or a stored snapshot it cannot rebuild."""


def _name(kind: type) -> str:
    return f"{kind.__module__}:{kind.__qualname__}"


def _plain(value: Any) -> Any:
    if value is None or type(value) in (bool, int, float, str):
        return value
    if isinstance(value, Enum):
        return {"$e": _name(type(value)), "v": value.value}
    if isinstance(value, UUID):
        return {"$u": value.hex}
    if isinstance(value, datetime):
        return {"$t": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$n": str(value)}
    if isinstance(value, bytes):
        return {"$b": base64.b64encode(value).decode()}
    if isinstance(value, tuple):
        return {"$tu": [_plain(v) for v in value]}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, set | frozenset):
        items = sorted((_plain(v) for v in value), key=orjson.dumps)
        return {"$fs" if isinstance(value, frozenset) else "$s": items}
    if isinstance(value, dict):
        return {"$m": [[_plain(k), _plain(v)] for k, v in value.items()]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [[f.name, _plain(getattr(value, f.name))] for f in dataclasses.fields(value)]
        return {"$c": _name(type(value)), "f": fields}
    raise SnapshotError(f"cannot snapshot a {type(value).__qualname__}")


@functools.cache
def code_of(kind: type) -> str:
    """A digest of the source of the aggregate's class and its bases, its events included. A
    snapshot holds the attributes the code that took it gave the aggregate; a later version of
    the code may give it others, so a snapshot stands only for the code that took it."""
    sources = []
    for cls in kind.__mro__:
        try:
            sources.append(inspect.getsource(cls))
        except (OSError, TypeError):  # built in: no source, never changes under us
            sources.append(_name(cls))
    return sha256("\n".join(sources).encode()).hexdigest()[:32]


_CODE = "$code"


def encode(aggregate: Any) -> bytes:
    """The aggregate's state, deterministically: the same state gives the same bytes, headed by
    the digest of the code it was taken with."""
    state = [[k, _plain(v)] for k, v in aggregate.__dict__.items() if k not in _LEFT_OUT]
    kind: type = type(aggregate)
    return orjson.dumps([[_CODE, code_of(kind)], *state])


def taken_by_this_code(kind: type, state: bytes) -> bool:
    """Whether a snapshot's state was taken by the code of ``kind`` running now."""
    return state.startswith(orjson.dumps([[_CODE, code_of(kind)]])[:-1])


class _Decoder:
    def __init__(self, roots: tuple[str, ...]) -> None:
        self._roots = roots

    def kind(self, name: str, check: Callable[[type], bool]) -> Any:
        module_name, _, qualname = name.partition(":")
        if module_name.split(".")[0] not in self._roots or module_name not in sys.modules:
            raise SnapshotError(f"a snapshot may not name {name}")
        found: Any = sys.modules[module_name]
        for part in qualname.split("."):
            found = getattr(found, part, None)
        if not (isinstance(found, type) and check(found)):
            raise SnapshotError(f"{name} is not a value a snapshot may hold")
        return found

    def value(self, data: Any) -> Any:
        if type(data) is list:
            return [self.value(v) for v in data]
        if type(data) is not dict:
            return data
        ((tag, inner), *rest) = data.items()
        if tag == "$u":
            return UUID(hex=inner)
        if tag == "$t":
            return datetime.fromisoformat(inner)
        if tag == "$d":
            return date.fromisoformat(inner)
        if tag == "$n":
            return Decimal(inner)
        if tag == "$b":
            return base64.b64decode(inner)
        if tag == "$tu":
            return tuple(self.value(v) for v in inner)
        if tag == "$s":
            return {self.value(v) for v in inner}
        if tag == "$fs":
            return frozenset(self.value(v) for v in inner)
        if tag == "$m":
            return {self.value(k): self.value(v) for k, v in inner}
        if tag == "$e":
            return self.kind(inner, lambda k: issubclass(k, Enum))(rest[0][1])
        if tag == "$c":
            kind = self.kind(inner, dataclasses.is_dataclass)
            instance = object.__new__(kind)
            for name, field in rest[0][1]:
                object.__setattr__(instance, name, self.value(field))
            return instance
        raise SnapshotError(f"unknown snapshot value {tag!r}")


def decode(kind: type, state: bytes, roots: tuple[str, ...]) -> Any:
    """An aggregate of class ``kind`` with the encoded state; the values it holds may be of
    classes in the packages ``roots`` only."""
    decoder = _Decoder(roots)
    if not taken_by_this_code(kind, state):
        raise SnapshotError(f"taken by another version of the code of {kind.__qualname__}")
    try:
        members = orjson.loads(state)[1:]
        aggregate: Any = object.__new__(kind)
        aggregate.__dict__.update((k, decoder.value(v)) for k, v in members)
        aggregate.__dict__["_pending_events"] = []
    except (ValueError, TypeError, AttributeError, KeyError, IndexError) as error:
        raise SnapshotError(f"cannot rebuild a {kind.__qualname__}: {error!r}") from None
    return aggregate


def seal_fields(
    originator_id: UUID, version: int, topic: str, anchor: str, state: bytes
) -> dict[str, Any]:
    """What the service signs: which state stands for which event."""
    return {
        "originator_id": str(originator_id),
        "originator_version": version,
        "topic": topic,
        "anchor": anchor,
        "state_sha256": sha256(state).hexdigest(),
    }


def pack(anchor: str, seal: str, state: bytes) -> bytes:
    """A snapshot as stored: a line of JSON naming its anchor and seal, then the state."""
    return orjson.dumps({"anchor": anchor, "seal": seal}) + b"\n" + state


def unpack(stored: bytes) -> tuple[str, str, bytes]:
    """``(anchor, seal, state)`` of a stored snapshot."""
    head, newline, state = bytes(stored).partition(b"\n")
    try:
        header = orjson.loads(head)
        anchor, seal = header["anchor"], header["seal"]
    except (ValueError, TypeError, KeyError) as error:
        raise SnapshotError(f"no snapshot header: {error!r}") from None
    if not newline or not isinstance(anchor, str) or not isinstance(seal, str):
        raise SnapshotError("no snapshot header")
    return anchor, seal, state


@dataclass
class SnapshotReport:
    checked: int = 0
    problems: list[str] = dataclasses.field(default_factory=list)


@dataclass(frozen=True)
class Loaded:
    """An aggregate as loaded (None: no such stream), with the own hash (hex) of its newest
    event and how many events were replayed to build it."""

    aggregate: Any
    head: str | None
    replayed: int


@dataclass(frozen=True)
class _Start:
    aggregate: Any
    version: int
    anchor: str


class Snapshots:
    """The snapshots of one service's store: taken after commits, used on loading."""

    def __init__(self, application: ServiceApplication) -> None:
        self._app = application
        self._interval = application.settings.snapshot_interval
        self.recorder: AggregateRecorder = application.factory.aggregate_recorder("snapshots")
        self._write_lock = write_lock(application.settings, application.service_name)
        self._signer = service_key_id(application.service_name)
        self._roots = (type(application).__module__.split(".")[0], *TRUSTED_ROOTS)
        self._warned = False
        self._long: dict[UUID, None] = {}
        """Streams known to be at least ``interval`` events long (the oldest forgotten first)."""
        self._memory_lock = threading.Lock()
        self._sealed: dict[UUID, tuple[tuple[int, str, bytes], tuple[KeyPeriod, ...]]] = {}
        """Stream -> the version, topic and digest of its snapshot whose seal verified last, and
        the service's keys valid then: loading the same stored snapshot again skips the Ed25519
        check (about 70 µs, most of a long stream's load) while the same keys are valid."""

    @functools.cached_property
    def _key(self) -> Ed25519PrivateKey | None:
        key = self._app.own_key
        if key is None:
            keys = self._app.settings.keys_path
            log.warning("no key %s in %s: no snapshots are taken", self._signer, keys)
        return key

    @functools.cached_property
    def _key_ring(self) -> KeyRing:
        return KeyRing.load(self._app.settings.keys_path)

    # -- loading

    def load(
        self, aggregate_id: UUID, *, use_snapshot: bool = True, upto: int | None = None
    ) -> Loaded:
        """The aggregate from its newest valid snapshot and the events after it."""
        recorder, start = self._app.recorder, None
        interval = self._interval
        if not (use_snapshot and interval):
            stored = recorder.select_events(aggregate_id, lte=upto)
        else:
            long = aggregate_id in self._long
            if not long:
                # Most streams are short: their first events are all of them, in one query,
                # and no snapshot of them can exist.
                stored = recorder.select_events(aggregate_id, lte=upto, limit=interval)
                long = len(stored) == interval
            if long:
                # A stream only grows: once long, next time straight to its snapshot.
                self._remember_long(aggregate_id)
                start = self._start(aggregate_id)
                after = 0 if start is None else start.version - 1
                stored = recorder.select_events(aggregate_id, gt=after, lte=upto)
        aggregate = None
        if start is not None:
            if (
                stored
                and stored[0].originator_version == start.version
                and (bytes(stored[0].state[OWN_HASH]).decode() == start.anchor)
            ):
                aggregate, stored = start.aggregate, stored[1:]
            else:
                self._refused(aggregate_id, start.version, "anchor")
                stored = recorder.select_events(aggregate_id, lte=upto)
        to_event: Callable[[StoredEvent], Any] = self._app.mapper.to_domain_event
        for event in stored:
            aggregate = to_event(event).mutate(aggregate)
        if stored:
            head: str | None = bytes(stored[-1].state[OWN_HASH]).decode()
        else:
            head = None if start is None or aggregate is None else start.anchor
        return Loaded(aggregate, head, len(stored))

    def _remember_long(self, aggregate_id: UUID) -> None:
        self._remember(self._long, aggregate_id, None, _LONG_STREAMS_REMEMBERED)

    def _remember(self, memory: dict[UUID, Any], stream: UUID, value: Any, limit: int) -> None:
        """Keep ``value`` for ``stream`` in ``memory``, forgetting the oldest beyond ``limit``."""
        with self._memory_lock:
            memory[stream] = value
            if len(memory) > limit:
                del memory[next(iter(memory))]

    def _start(self, aggregate_id: UUID) -> _Start | None:
        found = self.recorder.select_events(aggregate_id, desc=True, limit=1)
        if not found:
            return None
        stored = found[0]
        try:
            anchor, state = self._opened(
                aggregate_id, stored.originator_version, stored.topic, stored.state
            )
            kind = _Decoder(self._roots).kind(stored.topic, _is_aggregate)
            aggregate = decode(kind, state, self._roots)
        except SnapshotError as error:
            self._refused(aggregate_id, stored.originator_version, "seal or state", error)
            return None
        return _Start(aggregate, stored.originator_version, anchor)

    def _opened(self, stream: UUID, version: int, topic: str, stored: bytes) -> tuple[str, bytes]:
        """``(anchor, state)`` of a stored snapshot whose seal is this service's."""
        anchor, seal, state = unpack(stored)
        # A seal records no instant: one made before a rotation of the service\'s key is refused,
        # and the aggregate replays its events (a snapshot is only a shortcut).
        now = clock.now()
        seen = (version, topic, blake2b(stored, digest_size=16).digest())
        keys = self._key_ring.periods_at(self._signer, now)
        if self._sealed.get(stream) == (seen, keys):
            return anchor, state
        fields = seal_fields(stream, version, topic, anchor, state)
        if not self._key_ring.verify(self._signer, fields, seal, at=now):
            raise SnapshotError(f"the seal of {self._signer} does not verify")
        self._remember(self._sealed, stream, (seen, keys), _SEALS_REMEMBERED)
        return anchor, state

    def _refused(self, aggregate_id: UUID, version: int, reason: str, error: object = None) -> None:
        metrics.SNAPSHOTS_REFUSED.labels(reason).inc()
        log.error(
            "snapshot of %s at version %d not used (%s%s): replaying its events",
            aggregate_id,
            version,
            reason,
            f": {error}" if error else "",
        )

    # -- taking

    def after_commit(self, recordings: Sequence[Recording[Any]]) -> None:
        """Snapshot each aggregate whose version just crossed a multiple of the interval."""
        interval = self._interval
        if not interval:
            return
        # One commit holds consecutive versions of each stream: the interval was crossed where
        # one of them is a multiple of it.
        for stream in {
            r.domain_event.originator_id
            for r in recordings
            if r.domain_event.originator_version % interval == 0
        }:
            try:
                self.take(stream)
            except Exception:  # the command has committed: a cache miss is no refusal
                log.exception("could not snapshot %s", stream)

    def take(self, aggregate_id: UUID) -> int | None:
        """Store a snapshot of the aggregate as its stored events make it; returns its version.
        A snapshot is a cache: failing to take one is logged, never raised."""
        key = self._key
        if key is None:
            return None
        try:
            loaded = self.load(aggregate_id)
            aggregate, anchor = loaded.aggregate, loaded.head
            if aggregate is None or anchor is None:
                return None
            state = encode(aggregate)
        except SnapshotError as error:
            if not self._warned:
                log.warning("cannot snapshot %s: %s", aggregate_id, error)
                self._warned = True
            return None
        version, topic = aggregate.version, get_topic(type(aggregate))
        seal = sign(key, seal_fields(aggregate_id, version, topic, anchor, state))
        snapshot = StoredEvent(aggregate_id, version, topic, pack(anchor, seal, state))
        try:
            with self._write_lock or contextlib.nullcontext():
                self.recorder.insert_events([snapshot])
        except IntegrityError:
            return None  # another process took the same one
        metrics.SNAPSHOTS_TAKEN.inc()
        return int(version)

    # -- audit

    def verify(self) -> SnapshotReport:
        """Every stored snapshot rebuilt from the events alone and compared."""
        report = SnapshotReport()
        for stream, version, topic, stored in self.stored():
            report.checked += 1
            report.problems += self._problems(stream, version, topic, stored)
        return report

    def _problems(self, stream: UUID, version: int, topic: str, stored: bytes) -> Iterator[str]:
        where = f"snapshot of {stream} at version {version}"
        try:
            anchor, state = self._opened(stream, version, topic, stored)
        except SnapshotError as error:
            yield f"{where}: {error}"
            return
        try:
            kind = _Decoder(self._roots).kind(topic, _is_aggregate)
        except SnapshotError as error:
            yield f"{where}: {error}"
            return
        if not taken_by_this_code(kind, state):
            return  # never loaded (see decode), so never trusted: nothing to check it against
        rebuilt = self.load(stream, use_snapshot=False, upto=version)
        if rebuilt.aggregate is None or rebuilt.aggregate.version != version:
            yield f"{where}: the store has no such version"
        elif rebuilt.head != anchor:
            yield f"{where}: anchored to another event than the one stored"
        elif get_topic(type(rebuilt.aggregate)) != topic or encode(rebuilt.aggregate) != state:
            yield f"{where}: its state is not what the events make"

    def stored(self) -> Iterator[tuple[UUID, int, str, bytes]]:
        """Every stored snapshot: stream, version, topic, what is stored."""
        recorder: Any = self.recorder
        schema = getattr(recorder.datastore, "schema", "")  # PostgreSQL: the service's schema
        table = (
            f'"{schema}"."{recorder.events_table_name}"' if schema else recorder.events_table_name
        )
        with recorder.datastore.transaction(commit=False) as cursor:
            cursor.execute(
                "SELECT originator_id, originator_version, topic, state "
                f"FROM {table} ORDER BY originator_id, originator_version"
            )
            rows = cursor.fetchall()
        for row in rows:
            stream = row["originator_id"]
            yield (
                stream if isinstance(stream, UUID) else UUID(stream),
                row["originator_version"],
                row["topic"],
                bytes(row["state"]),
            )


def _is_aggregate(kind: type) -> bool:
    return issubclass(kind, Aggregate)
