"""The parts of the write path under the store: the writer's batches, the event encoding, ids."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import StrEnum
from uuid import UUID

import pytest
from eventsourcing.persistence import JSONTranscoder, StoredEvent
from hypothesis import given
from hypothesis import strategies as st

from runtime.ids import new_id
from runtime.store.group_commit import GroupCommitter
from runtime.transcoding import new_transcoder, register


def _event(n: int) -> StoredEvent:
    return StoredEvent(UUID(int=n), 1, "topic", b"{}")


class Recorder:
    """An insert function that records its batches and refuses the event numbered ``refuse``."""

    def __init__(self, refuse: int | None = None) -> None:
        self.batches: list[int] = []
        self.refuse = refuse

    def __call__(self, events: Sequence[StoredEvent], applied: object = ()) -> Sequence[int]:
        if any(e.originator_id.int == self.refuse for e in events):  # type: ignore[union-attr]
            raise ValueError("refused")
        self.batches.append(len(events))
        return [e.originator_id.int for e in events]  # type: ignore[union-attr]


def test_what_one_turn_of_the_loop_commits_is_written_in_one_batch() -> None:
    insert = Recorder()
    committer = GroupCommitter(insert)

    async def commands() -> list[Sequence[int] | None]:
        return await asyncio.gather(*(committer.submit_async([_event(n)]) for n in range(50)))

    ids = asyncio.run(commands())
    committer.close()
    assert insert.batches == [50]
    assert ids == [[n] for n in range(50)]


def test_a_refused_command_fails_alone_and_the_rest_of_its_batch_commits() -> None:
    insert = Recorder(refuse=7)
    committer = GroupCommitter(insert)

    async def commands() -> list[Sequence[int] | BaseException | None]:
        submitted = (committer.submit_async([_event(n)]) for n in range(10))
        return await asyncio.gather(*submitted, return_exceptions=True)

    outcomes = asyncio.run(commands())
    committer.close()
    assert isinstance(outcomes[7], ValueError)
    assert [o for i, o in enumerate(outcomes) if i != 7] == [[n] for n in range(10) if n != 7]


def test_threads_and_the_event_loop_share_the_writer() -> None:
    insert = Recorder()
    committer = GroupCommitter(insert)
    from_threads: list[Sequence[int] | None] = []
    threads = [
        threading.Thread(target=lambda n=n: from_threads.append(committer.submit([_event(n)])))
        for n in range(100, 110)
    ]
    for thread in threads:
        thread.start()

    async def commands() -> list[Sequence[int] | None]:
        return await asyncio.gather(*(committer.submit_async([_event(n)]) for n in range(10)))

    from_loop = asyncio.run(commands())
    for thread in threads:
        thread.join()
    committer.close()
    assert from_loop == [[n] for n in range(10)]
    assert sorted(from_threads) == [[n] for n in range(100, 110)]  # type: ignore[type-var]
    assert sum(insert.batches) == 20


class LockedRecorder(Recorder):
    """A local store's insert: under the writers' lock; records the thread that wrote."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.RLock()
        self.threads: list[str] = []

    def __call__(self, events: Sequence[StoredEvent], applied: object = ()) -> Sequence[int]:
        with self.lock:
            self.threads.append(threading.current_thread().name)
            return super().__call__(events, applied)


def test_a_local_store_s_loop_commits_its_own_turn_unless_the_lock_is_held() -> None:
    insert = LockedRecorder()
    committer = GroupCommitter(insert)
    committer.local_lock = insert.lock

    async def commands() -> list[Sequence[int] | None]:
        return await asyncio.gather(*(committer.submit_async([_event(n)]) for n in range(5)))

    assert asyncio.run(commands()) == [[n] for n in range(5)]
    assert (insert.threads, insert.batches) == ([threading.current_thread().name], [5])

    # Another writer holds the lock: the turn goes to the writer thread, the loop runs on.
    holding, release = threading.Event(), threading.Event()

    def other_writer() -> None:
        with insert.lock:
            holding.set()
            release.wait(timeout=10)

    threading.Thread(target=other_writer).start()
    holding.wait()

    async def while_another_writes() -> Sequence[int] | None:
        committed = committer.submit_async([_event(9)])
        await asyncio.sleep(0)  # the turn ends and hands its batch over
        release.set()  # reached only because the loop did not wait for the lock
        return await committed

    assert asyncio.run(while_another_writes()) == [9]
    committer.close()
    assert insert.threads[1:] == ["store-writer"]


def test_a_closed_store_takes_no_more_commands() -> None:
    committer = GroupCommitter(Recorder())
    assert committer.submit([_event(1)]) == [1]
    committer.close()
    with pytest.raises(RuntimeError, match="closed"):
        committer.submit([_event(2)])


class Colour(StrEnum):
    RED = "red"


@dataclasses.dataclass(frozen=True)
class Line:
    item: UUID
    quantity: Decimal
    due: date


def json_values(scalars: st.SearchStrategy[object]) -> st.SearchStrategy[dict[str, object]]:
    transcoded = st.one_of(
        st.uuids(),
        st.decimals(allow_nan=False, allow_infinity=False),
        st.datetimes(timezones=st.just(UTC)),
        st.dates(),
        st.binary(max_size=40),
        st.sampled_from(Colour),
        st.builds(Line, st.uuids(), st.decimals(allow_nan=False, allow_infinity=False), st.dates()),
    )
    values = st.recursive(
        st.one_of(scalars, transcoded),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.tuples(inner, inner),
            st.dictionaries(st.text(max_size=8), inner, max_size=4),
        ),
        max_leaves=12,
    )
    return st.dictionaries(st.text(max_size=8), values, max_size=6)


exact = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**63), max_value=2**63 - 1), st.text()
)


def transcoders() -> tuple[JSONTranscoder, JSONTranscoder]:
    library = JSONTranscoder()
    register(library, [Line])
    return library, new_transcoder([Line])


@given(json_values(exact))
def test_events_are_encoded_byte_for_byte_as_the_library_encodes_them(
    state: dict[str, object],
) -> None:
    library, ours = transcoders()
    encoded = ours.encode(state)
    assert encoded == library.encode(state)
    assert ours.decode(encoded) == library.decode(encoded)


@given(json_values(st.one_of(exact, st.floats(allow_nan=False, allow_infinity=False))))
def test_floats_may_be_written_in_another_notation_but_read_back_the_same(
    state: dict[str, object],
) -> None:
    """orjson writes 1e-8 where the standard library writes 1e-08: the same number."""
    library, ours = transcoders()
    assert ours.decode(ours.encode(state)) == library.decode(library.encode(state))


def test_ids_are_version_7_uuids_distinct_across_threads_and_ordered_by_time() -> None:
    seen: list[UUID] = []

    def draw() -> None:
        seen.extend(new_id() for _ in range(5_000))

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 20_000
    assert all(u.version == 7 and u.variant == "specified in RFC 4122" for u in seen)
    assert all(u == UUID(str(u)) and hash(u) == hash(UUID(str(u))) for u in seen[:100])
    before = time.time_ns() // 1_000_000
    made = new_id()
    after = time.time_ns() // 1_000_000
    assert before <= made.int >> 80 <= after


def test_an_unknown_type_is_refused_as_the_library_refuses_it() -> None:
    with pytest.raises(TypeError, match="not serializable"):
        new_transcoder([]).encode({"when": datetime.now(UTC).time()})
