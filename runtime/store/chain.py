"""The hash chain every stored event carries (tamper evidence, ARCHITECTURE.md §4).

An event's stored state is its JSON state with one reserved member put in front::

    {"_chain_":["<previous hash>","<own hash>"],<the event's own members>}

Both hashes are lowercase hex SHA-256. The previous hash is the own hash of version n-1 of the
same stream (``GENESIS``, 32 zero bytes, for version 1). The own hash is::

    SHA-256( b"countersign/chain/v1\\0"
             | stream id (the UUID's 16 bytes) | version (8 bytes, big-endian)
             | length of the topic (4 bytes, big-endian) | topic (UTF-8)
             | previous hash (32 bytes) | body )

where ``body`` is the event's JSON state exactly as the transcoder encoded it (what the store
would hold without a chain). Every field before ``body`` has a fixed or a stated length, so two
different events never encode alike; and every byte of the stored state is either fixed header
text, a hash compared as text, or part of ``body``, so altering any byte shows. The stored state
stays valid JSON for tools that read it raw; the mapper strips the member, so domain code never
sees it.

Beside the streams' chains, the store keeps one chain of all its events in notification order,
the log (``<events table>_log``), written in the same transaction as the events. Its row for
notification ``n`` records the stream id and version stored at ``n`` and::

    log hash(n) = SHA-256( b"countersign/log/v1\0" | log hash of the previous row (GENESIS first)
                           | n (8 bytes) | stream id (16 bytes) | version (8 bytes)
                           | the event's own hash (32 bytes) )

so a deleted event whose log row remains names its stream and version, a row deleted from both
breaks the log at the next one, and the newest log hash (the store's *head*) commits to every
event before it. Someone who can write the database can recompute both chains after a rewrite;
what catches that is the head signed by the service and witnessed by the other services
(``runtime.witness``).
"""

from __future__ import annotations

import binascii
import struct
from collections import OrderedDict
from collections.abc import Callable, Sequence
from hashlib import sha256
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import (
    AggregateRecorder,
    EventStore,
    Mapper,
    MapperDeserialisationError,
    Notification,
    Recording,
    StoredEvent,
    Tracking,
    Transcoder,
)
from eventsourcing.utils import get_topic

from runtime.aggregate import RuleViolation
from runtime.store.group_commit import GroupCommitMixin

GENESIS = bytes(32)
_TAG = b"countersign/chain/v1\x00"
_FIELDS = struct.Struct(">16sQI")
_LOG_TAG = b"countersign/log/v1\x00"
_LOG_FIELDS = struct.Struct(">Q16sQ")
LOG_TABLE_SUFFIX = "_log"
"""The log table is the events table's name with this suffix."""
_PREFIX = b'{"_chain_":["'
_MIDDLE = b'","'
_SUFFIX = b'"],'
_PREV = slice(len(_PREFIX), len(_PREFIX) + 64)
_OWN = slice(_PREV.stop + len(_MIDDLE), _PREV.stop + len(_MIDDLE) + 64)
HEADER_LEN = _OWN.stop + len(_SUFFIX)
PREV_HASH = _PREV
"""Where a stored state holds its previous hash (hex)."""
OWN_HASH = _OWN
"""Where a stored state holds its own hash (hex)."""


class ChainError(Exception):
    """An event cannot be put in its stream's chain, or a stored state has no chain header."""


def event_hash(stream_id: bytes, version: int, topic: bytes, prev: bytes, body: bytes) -> bytes:
    """The own hash of an event: ``stream_id`` is the UUID's 16 bytes, ``topic`` UTF-8."""
    return sha256(
        b"".join((_TAG, _FIELDS.pack(stream_id, version, len(topic)), topic, prev, body))
    ).digest()


def stored_event_hash(
    stream_id: bytes, version: int, topic: bytes, prev: bytes, state: bytes
) -> bytes:
    """``event_hash`` of a stored state's body, hashed in place (``audit verify`` hashes every
    stored event: no copy of the body)."""
    hashed = sha256(b"".join((_TAG, _FIELDS.pack(stream_id, version, len(topic)), topic, prev)))
    hashed.update(b"{")
    hashed.update(memoryview(state)[HEADER_LEN:])
    return hashed.digest()


def log_hash(
    prev: bytes, notification_id: int, stream_id: bytes, version: int, own: bytes
) -> bytes:
    """The log hash at ``notification_id``: ``stream_id`` is the UUID's 16 bytes."""
    return sha256(
        b"".join((_LOG_TAG, prev, _LOG_FIELDS.pack(notification_id, stream_id, version), own))
    ).digest()


LogEntry = tuple[int, UUID, int, bytes]
"""A log row: notification id, stream id, version, log hash."""


def log_entries(
    prev: bytes, notification_ids: Sequence[int], stored: Sequence[StoredEvent]
) -> list[LogEntry]:
    """The log rows of sealed events just stored at ``notification_ids``, after the log hash
    ``prev``."""
    entries = []
    for notification_id, event in zip(notification_ids, stored, strict=True):
        stream = event.originator_id
        assert isinstance(stream, UUID)
        version = event.originator_version
        own = binascii.unhexlify(event.state[_OWN])
        prev = log_hash(prev, notification_id, stream.bytes, version, own)
        entries.append((notification_id, stream, version, prev))
    return entries


def seal(prev: bytes, own: bytes, body: bytes) -> bytes:
    """The stored state: ``body`` (a JSON object) with the chain member put in front."""
    return b"".join(
        (_PREFIX, prev.hex().encode(), _MIDDLE, own.hex().encode(), _SUFFIX, memoryview(body)[1:])
    )


def has_header(state: bytes) -> bool:
    """Whether ``state`` starts with a chain header (its hashes not checked)."""
    return (
        len(state) > HEADER_LEN
        and state.startswith(_PREFIX)
        and state[_PREV.stop : _OWN.start] == _MIDDLE
        and state[_OWN.stop : HEADER_LEN] == _SUFFIX
    )


def unseal(state: bytes) -> tuple[bytes, bytes, bytes]:
    """``(previous hash hex, own hash hex, body)`` of a stored state; hashes not checked."""
    if not has_header(state):
        raise ChainError("the stored state has no chain header")
    return state[_PREV], state[_OWN], b"{" + state[HEADER_LEN:]


class ChainedMapper(Mapper[UUID]):
    """Seals each event into its stream's chain on the way in, unseals it on the way out.

    An event larger than ``max_event_bytes`` is refused before anything is written: the relay
    must be able to publish every stored event, and the broker takes messages of limited size.
    """

    def __init__(self, transcoder: Transcoder, max_event_bytes: int) -> None:
        super().__init__(transcoder)
        self.max_event_bytes = max_event_bytes
        assert self.compressor is None and self.cipher is None, "a chain hashes plain bodies"

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        # One event alone cannot know its predecessor's hash; a plain EventStore would store it
        # outside the chain.
        raise TypeError("chained events are stored by ChainedEventStore.put()")

    def to_sealed_events(
        self,
        domain_events: Sequence[DomainEventProtocol[UUID]],
        committed_hash: Callable[[UUID, int], bytes],
    ) -> tuple[list[StoredEvent], list[bytes]]:
        """The stored events and their own hashes. ``committed_hash(stream, version)`` gives a
        committed event's own hash; events of one stream in this batch chain to each other."""
        stored: list[StoredEvent] = []
        hashes: list[bytes] = []
        batch_heads: dict[UUID, tuple[int, bytes]] = {}
        encode = self.transcoder.encode
        for domain_event in domain_events:
            # The library's to_stored_event, less the compression and encryption a chained
            # store never has (the hash is of the plain body) and the second StoredEvent.
            topic = get_topic(type(domain_event))
            state = dict(vars(domain_event))
            stream = state.pop("originator_id")
            version = state.pop("originator_version")
            class_version = getattr(type(domain_event), "class_version", 1)
            if class_version > 1:
                state["class_version"] = class_version
            body = encode(state)
            if len(body) > self.max_event_bytes:
                raise RuleViolation(
                    "INPUT",
                    f"{topic.rpartition(':')[2]} would take {len(body):,} bytes; "
                    f"an event takes at most {self.max_event_bytes:,} so that it can be published",
                    bytes=len(body),
                    limit=self.max_event_bytes,
                )
            if version == 1:
                prev = GENESIS
            elif (head := batch_heads.get(stream)) is not None and head[0] == version - 1:
                prev = head[1]
            else:
                prev = committed_hash(stream, version - 1)
            own = event_hash(stream.bytes, version, topic.encode(), prev, body)
            batch_heads[stream] = (version, own)
            stored.append(StoredEvent(stream, version, topic, seal(prev, own, body)))
            hashes.append(own)
        return stored, hashes

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        try:
            body = unseal(stored_event.state)[2]
        except ChainError as error:
            raise MapperDeserialisationError(
                f"{error}: {stored_event.topic} {stored_event.originator_id} "
                f"version {stored_event.originator_version}"
            ) from None
        return super().to_domain_event(
            StoredEvent(
                stored_event.originator_id,
                stored_event.originator_version,
                stored_event.topic,
                body,
            )
        )


class ChainedEventStore(EventStore[UUID]):
    """Puts events in their streams' chains.

    A predecessor's hash comes from a bounded cache of committed stream heads or, on a miss, from
    the stored predecessor itself. The cache learns a head only once its transaction committed:
    two commands may seal the same version concurrently, and only one of them commits.
    """

    def __init__(
        self, mapper: ChainedMapper, recorder: AggregateRecorder, heads_maxsize: int = 65_536
    ) -> None:
        super().__init__(mapper, recorder)
        self._sealer = mapper
        # Stream id (as an int) -> (version, own hash) of its last committed event. No lock:
        # with int keys each operation is atomic under the GIL, and a lost race only leaves an
        # older head, which a lookup by exact version treats as a miss.
        self._heads: OrderedDict[int, tuple[int, bytes]] = OrderedDict()
        self._heads_maxsize = heads_maxsize

    def put(
        self, domain_events: Sequence[DomainEventProtocol[UUID]], **kwargs: Any
    ) -> list[Recording[UUID]]:
        stored, hashes = self._sealer.to_sealed_events(domain_events, self._committed_hash)
        # insert_events returns only after the commit (group commit included).
        notification_ids = self.recorder.insert_events(stored, **kwargs)
        return self._recorded(domain_events, stored, hashes, notification_ids)

    async def put_async(
        self, domain_events: Sequence[DomainEventProtocol[UUID]], applied: Sequence[Tracking] = ()
    ) -> list[Recording[UUID]]:
        """``put`` on the event loop, with the upstream positions ``applied``: the store's writer
        commits while the loop runs on."""
        recorder = self.recorder
        if not isinstance(recorder, GroupCommitMixin):
            raise TypeError(f"{type(recorder).__name__} has no asynchronous writer")
        stored, hashes = self._sealer.to_sealed_events(domain_events, self._committed_hash)
        notification_ids = await recorder.insert_events_async(stored, applied)
        return self._recorded(domain_events, stored, hashes, notification_ids)

    def _recorded(
        self,
        domain_events: Sequence[DomainEventProtocol[UUID]],
        stored: list[StoredEvent],
        hashes: list[bytes],
        notification_ids: Sequence[int] | None,
    ) -> list[Recording[UUID]]:
        """Learn the committed heads; the recordings of the committed events."""
        heads = self._heads
        for domain_event, event, own in zip(domain_events, stored, hashes, strict=True):
            heads[domain_event.originator_id.int] = (event.originator_version, own)
        while len(heads) > self._heads_maxsize:
            heads.popitem(last=False)
        if not notification_ids:
            return []
        return [
            Recording(
                domain_event,
                Notification(
                    id=notification_id,
                    originator_id=event.originator_id,
                    originator_version=event.originator_version,
                    topic=event.topic,
                    state=event.state,
                ),
            )
            for domain_event, event, notification_id in zip(
                domain_events, stored, notification_ids, strict=True
            )
        ]

    def _committed_hash(self, stream: UUID, version: int) -> bytes:
        head = self._heads.get(stream.int)
        if head is not None and head[0] == version:
            return head[1]
        found = self.recorder.select_events(stream, gt=version - 1, lte=version)
        if not found:
            raise ChainError(f"cannot chain after version {version} of {stream}: not stored")
        return binascii.unhexlify(unseal(found[0].state)[1])
