"""Tamper evidence (ARCHITECTURE.md §4) on SQLite and PostgreSQL: every stored event carries its
predecessor's hash and its own, the store's log chains every event in notification order, and
`audit verify` names the store, stream and position of what fails."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import sqlite3
import struct
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, Tracking
from typer.testing import CliRunner

from contracts.customers import CustomerApproved, CustomerRegistered
from countersign.audit_cmd import audit_app
from customers.application import CustomersApplication
from kernel.audit import verify as verify_module
from kernel.audit.verify import (
    RangeReport,
    StoreError,
    StoreReport,
    open_store,
    postgres_events_table,
    stitch,
    store_location,
    verify,
    verify_stores,
)
from kernel.roles import Role
from orders.application import OrdersApplication
from orders.domain.known_customer import KnownCustomer
from runtime.settings import Settings
from runtime.store import postgres_schema, sqlite_path
from runtime.store.chain import GENESIS, log_hash, unseal
from runtime.unit_of_work import CommandContext, acting
from tests.signers import Signers

CLERK = CommandContext(actor="salesperson")
POLICY = CommandContext(actor="orders:policy")
UPSTREAM = "customers.events:0"


class RawStore:
    """A service's events table, opened the way someone tampering with the database would."""

    def __init__(self, settings: Settings, service: str = "orders") -> None:
        self._connection: Any
        if settings.database_url:
            self._connection = psycopg.connect(settings.database_url, autocommit=True)
            schema = postgres_schema(service)
            table = postgres_events_table(self._connection, schema)
            self._table = f'"{schema}"."{table}"'
            self._log = f'"{schema}"."{table}_log"'
            self._placeholder = "%s"
            self._id: Callable[[UUID], str] = str
            self._rowid = "notification_id"
        else:
            self._connection = sqlite3.connect(sqlite_path(settings, service), isolation_level=None)
            self._table = "stored_events"
            self._log = "stored_events_log"
            self._placeholder = "?"
            self._id = lambda stream: stream.hex
            self._rowid = "rowid"

    def _run(self, statement: str, *params: Any) -> Any:
        statement = statement.replace("?", self._placeholder).replace("TABLE", self._table)
        return self._connection.execute(statement, params)

    def get(self, stream: UUID, version: int, column: str) -> Any:
        where = "WHERE originator_id = ? AND originator_version = ?"
        row = self._run(f"SELECT {column} FROM TABLE {where}", self._id(stream), version)
        return row.fetchone()[0]

    def notification_id(self, stream: UUID, version: int) -> int:
        notification_id: int = self.get(stream, version, self._rowid)
        return notification_id

    def set(self, stream: UUID, version: int, column: str, value: Any) -> None:
        where = "WHERE originator_id = ? AND originator_version = ?"
        self._run(f"UPDATE TABLE SET {column} = ? {where}", value, self._id(stream), version)

    def delete(self, stream: UUID, version: int) -> None:
        where = "WHERE originator_id = ? AND originator_version = ?"
        self._run(f"DELETE FROM TABLE {where}", self._id(stream), version)

    def delete_log(self, *positions: int) -> None:
        for position in positions:
            self._run(f"DELETE FROM {self._log} WHERE notification_id = ?", position)

    def reseal_log(self) -> None:
        """What a careful forger does after changing events: recompute the whole log, so that
        it chains again over the events as they now are."""
        rows = self._run(
            f"SELECT e.{self._rowid}, e.originator_id, e.originator_version, e.state "
            f"FROM TABLE e JOIN {self._log} l ON l.notification_id = e.{self._rowid} "
            f"ORDER BY e.{self._rowid}"
        ).fetchall()
        prev = GENESIS
        for position, stream, version, state in rows:
            own = bytes.fromhex(unseal(bytes(state))[1].decode())
            prev = log_hash(prev, position, UUID(str(stream)).bytes, version, own)
            self._run(f"UPDATE {self._log} SET hash = ? WHERE notification_id = ?", prev, position)

    def swap_log(self, first: int, second: int) -> None:
        """Swap two log rows' contents, as if the events had been written the other way round."""
        rows = {
            n: self._run(
                f"SELECT originator_id, originator_version, hash FROM {self._log} "
                "WHERE notification_id = ?",
                n,
            ).fetchone()
            for n in (first, second)
        }
        for n, other in ((first, second), (second, first)):
            self._run(
                f"UPDATE {self._log} SET originator_id = ?, originator_version = ?, hash = ? "
                "WHERE notification_id = ?",
                *rows[other],
                n,
            )

    def close(self) -> None:
        self._connection.close()


@pytest.fixture
def customers(store_settings: Settings) -> list[UUID]:
    """Orders' read model of four customers, each registered then approved twice by its policies:
    streams of three events in the orders store."""
    ids = [uuid4() for _ in range(4)]
    position = iter(range(1, 100))
    # Two instances take turns, so each one's cache of chain heads is sometimes empty (the first
    # approval by `second`) or stale (the second approval by `first`): then the predecessor's
    # hash is read from the store.
    with (
        closing(OrdersApplication(store_settings)) as first,
        closing(OrdersApplication(store_settings)) as second,
    ):
        for customer_id in ids:
            registered = CustomerRegistered(customer_id=customer_id, legal_name="A", owner_id="s")
            first.process(registered, POLICY, Tracking(UPSTREAM, next(position)))
        for orders, limit in ((second, 100), (first, 200)):
            for customer_id in ids:
                approved = CustomerApproved(
                    customer_id=customer_id, credit_limit=limit, currency="CNY", approved_by="m"
                )
                orders.process(approved, POLICY, Tracking(UPSTREAM, next(position)))
    return ids


@pytest.fixture
def raw(store_settings: Settings) -> Iterator[RawStore]:
    store = RawStore(store_settings)
    yield store
    store.close()


def verified(settings: Settings, service: str = "orders") -> StoreReport:
    store = open_store(settings, service)
    assert store is not None
    with closing(store):
        return verify(store)


def flip(state: bytes, position: int) -> bytes:
    altered = bytearray(state)
    altered[position] ^= 0x01
    return bytes(altered)


def test_an_untouched_store_verifies_and_domain_code_never_sees_the_chain(
    store_settings: Settings, customers: list[UUID]
) -> None:
    report = verified(store_settings)
    assert (report.streams, report.events, report.failures) == (4, 12, [])
    with closing(OrdersApplication(store_settings)) as orders:
        known = orders.repository.get(customers[0])
        assert (known.version, known.approved, known.credit_limit) == (3, True, Decimal(200))
        assert all("_chain_" not in vars(event) for event in orders.events.get(customers[0]))


def test_the_stored_chain_is_the_documented_encoding(customers: list[UUID], raw: RawStore) -> None:
    stream = customers[0]
    prev = bytes(32)
    for version in (1, 2, 3):
        state: bytes = raw.get(stream, version, "state")
        topic = raw.get(stream, version, "topic").encode()
        own = hashlib.sha256(
            b"countersign/chain/v1\x00"
            + stream.bytes
            + struct.pack(">QI", version, len(topic))
            + topic
            + prev
            + b"{"
            + state[147:]
        ).digest()
        assert state[:147] == b'{"_chain_":["%s","%s"],' % (prev.hex().encode(), own.hex().encode())
        prev = own


@pytest.mark.parametrize(
    ("position", "reason"),
    [
        (3, "no chain header"),  # the reserved member's name
        (20, "broken link"),  # the previous hash
        (100, "altered"),  # the own hash
        (-12, "altered"),  # the event's own members
    ],
)
def test_altering_one_byte_of_one_event_names_it(
    store_settings: Settings, customers: list[UUID], raw: RawStore, position: int, reason: str
) -> None:
    target = customers[1]
    raw.set(target, 2, "state", flip(raw.get(target, 2, "state"), position))

    failure = verified(store_settings).failure

    assert failure is not None
    assert (failure.stream, failure.version) == (str(target), 2)
    assert failure.position == raw.notification_id(target, 2)
    assert failure.reason.startswith(reason)


def test_altering_an_event_topic_names_it(
    store_settings: Settings, customers: list[UUID], raw: RawStore
) -> None:
    target = customers[2]
    raw.set(target, 1, "topic", raw.get(target, 1, "topic").replace("Registered", "Approved"))

    failure = verified(store_settings).failure

    assert failure is not None
    assert (failure.stream, failure.version) == (str(target), 1)
    assert failure.reason.startswith("altered")


@pytest.mark.parametrize("version", [1, 2, 3])
def test_deleting_an_event_names_it_from_the_log(
    store_settings: Settings, customers: list[UUID], raw: RawStore, version: int
) -> None:
    # Version 3 is the stream's last event: its own chain cannot miss it, the log does.
    target = customers[2]
    position = raw.notification_id(target, version)
    raw.delete(target, version)

    failure = verified(store_settings).failure

    assert failure is not None
    assert (failure.position, failure.stream, failure.version) == (position, str(target), version)
    assert failure.reason.startswith("missing")


def test_deleting_a_whole_stream_names_each_event(
    store_settings: Settings, customers: list[UUID], raw: RawStore
) -> None:
    target = customers[1]
    positions = [raw.notification_id(target, v) for v in (1, 2, 3)]
    for version in (1, 2, 3):
        raw.delete(target, version)

    failures = verified(store_settings).failures

    assert [(f.position, f.stream, f.version) for f in failures] == [
        (p, str(target), v) for p, v in zip(positions, (1, 2, 3), strict=True)
    ]
    assert all(f.reason.startswith("missing") for f in failures)


def test_deleting_an_event_with_its_log_row_breaks_the_log_after_it(
    store_settings: Settings, customers: list[UUID], raw: RawStore
) -> None:
    # The last event of its stream, so only the log can tell.
    target = customers[0]
    position = raw.notification_id(target, 3)
    raw.delete(target, 3)
    raw.delete_log(position)

    failure = verified(store_settings).failure

    assert failure is not None
    assert failure.position == position + 1
    assert failure.reason.startswith("the log does not chain here")


@pytest.mark.parametrize("tampered", [False, True])
def test_verifying_in_parallel_processes_finds_what_one_process_finds(
    store_settings: Settings, customers: list[UUID], raw: RawStore, tampered: bool
) -> None:
    # Ranges of two events: every stream crosses ranges, which the processes verify apart.
    if tampered:
        raw.delete(customers[1], 2)
        last = customers[3]
        raw.set(last, 3, "state", flip(bytes(raw.get(last, 3, "state")), -3))
    expected = verified(store_settings)
    location = store_location(store_settings, "orders")

    for workers in (1, 2, 3):
        found = verify_stores([location], None, workers, range_events=2)["orders"]

        assert found is not None
        assert (found.events, found.streams) == (expected.events, expected.streams)
        assert [str(f) for f in found.failures] == [str(f) for f in expected.failures]
    assert bool(expected.failures) is tampered


def _in_a_helper_only(act: Callable[[], None]) -> Callable[..., RangeReport]:
    """``_verified_range`` as a helper sees it: ``act`` first. This process verifies its ranges
    only once a helper has begun one, so that the helper's fate decides the verification."""
    verifying = os.getpid()
    helper_began = multiprocessing.get_context("fork").Event()
    real = verify_module._verified_range

    def verified_range(*args: Any) -> RangeReport:
        if os.getpid() != verifying:
            helper_began.set()
            act()
        else:
            assert helper_began.wait(timeout=30)
        return real(*args)

    return verified_range


def test_a_helper_process_that_dies_fails_the_verification_instead_of_hanging_it(
    store_settings: Settings, customers: list[UUID], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Killed mid-range (the machine's memory killer, say): its ranges will never be reported.
    monkeypatch.setattr(verify_module, "HELPER_CHECK_SECONDS", 0.05)
    monkeypatch.setattr(
        verify_module, "_verified_range", _in_a_helper_only(lambda: os.kill(os.getpid(), 9))
    )
    location = store_location(store_settings, "orders")

    with pytest.raises(StoreError, match=r"a verifying process stopped \(exit code -9\)"):
        verify_stores([location], None, 2, range_events=2)


def test_a_helper_process_s_error_is_raised_by_the_verification(
    store_settings: Settings, customers: list[UUID], monkeypatch: pytest.MonkeyPatch
) -> None:
    def unreadable() -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(verify_module, "_verified_range", _in_a_helper_only(unreadable))
    location = store_location(store_settings, "orders")

    with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
        verify_stores([location], None, 2, range_events=2)


def test_a_stream_that_starts_again_in_a_later_range_is_named_where_it_restarts() -> None:
    # Two ranges verified apart: the second holds a version 1 of a stream the first one ended
    # at version 2 (on SQLite, the same UUID stored in capitals escapes the unique key).
    stream, other = uuid4().bytes, uuid4().bytes
    first = RangeReport(1, 10, starts={stream: 1, other: 2}, lasts={stream: (2, b"h" * 32)})
    first.lasts[other] = (1, b"o" * 32)
    second = RangeReport(11, 20, starts={stream: 14}, lasts={stream: (1, b"x" * 32)})

    report = stitch("orders", [first, second])

    assert [(f.position, f.stream, f.version, f.reason) for f in report.failures] == [
        (14, str(UUID(bytes=stream)), 1, "out of sequence: version 1 again after version 2")
    ]
    assert report.streams == 2


def test_reordering_two_events_of_different_streams_names_the_first(
    store_settings: Settings, customers: list[UUID], raw: RawStore
) -> None:
    # Each event keeps its chain: only the order in the log says they were moved.
    first, second = raw.notification_id(customers[0], 2), raw.notification_id(customers[1], 2)
    raw.swap_log(first, second)

    failure = verified(store_settings).failure

    assert failure is not None
    assert (failure.position, failure.stream, failure.version) == (first, str(customers[0]), 2)
    assert failure.reason.startswith("reordered")


@pytest.mark.parametrize("column", ["state", "originator_version"])
def test_swapping_two_events_names_the_first(
    store_settings: Settings, customers: list[UUID], raw: RawStore, column: str
) -> None:
    target = customers[3]
    if column == "state":
        first, second = raw.get(target, 2, "state"), raw.get(target, 3, "state")
        raw.set(target, 2, "state", second)
        raw.set(target, 3, "state", first)
    else:
        raw.set(target, 2, "originator_version", 0)
        raw.set(target, 3, "originator_version", 2)
        raw.set(target, 0, "originator_version", 3)

    failure = verified(store_settings).failure

    assert failure is not None
    assert (failure.stream, failure.version) in ((str(target), 2), (str(target), 3))
    assert failure.position == raw.notification_id(target, 2) or column == "originator_version"
    assert failure.reason.startswith(("altered", "broken link", "missing"))


def test_the_cli_verifies_every_store_and_names_the_first_failure(
    store_settings: Settings, customers: list[UUID], raw: RawStore
) -> None:
    options = ["verify", "--data-dir", str(store_settings.data_dir)]
    options += ["--database-url", store_settings.database_url]
    runner = CliRunner()

    untouched = runner.invoke(audit_app, options)
    assert untouched.exit_code == 0, untouched.output
    assert "OK" in untouched.stdout
    assert "no store" in untouched.stdout  # only orders has a store here

    target = customers[0]
    raw.set(target, 2, "state", flip(raw.get(target, 2, "state"), -12))
    tampered = runner.invoke(audit_app, options)

    assert tampered.exit_code == 1
    position = raw.notification_id(target, 2)
    assert f"orders: position {position}, stream {target} version 2: altered" in tampered.stderr


def test_group_committed_commands_and_policies_chain(store_settings: Settings) -> None:
    supervisor = CommandContext(actor="sales-manager", roles=frozenset({Role.SALES_MANAGER}))
    owner = CommandContext(actor="salesperson")
    with (
        closing(CustomersApplication(store_settings)) as app,
        ThreadPoolExecutor(max_workers=16) as pool,
    ):
        Signers(store_settings.keys_path).put_policies_in_force(app)
        list(pool.map(lambda i: app.register_customer(CLERK, f"C{i}", "s"), range(200)))
        ordered = list(
            pool.map(
                lambda i: app.order_rectification(supervisor, f"finding {i}", "salesperson", 3),
                range(50),
            )
        )
        # Closing: a second event per stream, chained to the first through the heads cache.
        closed = [(owner, r.id, "fixed") for r in ordered]
        list(pool.map(lambda args: app.close_rectification(*args), closed))

    # Policies record their events with a tracking position. A customer the read model has
    # never seen is created and approved in one transaction: two events of one stream.
    ids = [uuid4() for _ in range(20)]
    with (
        closing(OrdersApplication(store_settings)) as orders,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):

        def on_approved(customer_id: UUID, upstream: str) -> None:
            approved = CustomerApproved(
                customer_id=customer_id, credit_limit=Decimal(5), currency="CNY", approved_by="m"
            )
            orders.process(approved, POLICY, Tracking(upstream, 1))

        list(pool.map(on_approved, ids, [f"first:{i}" for i in ids]))

        # Two copies of each stream change from the same version at once: one commits, and
        # the loser's hash must never become the head the next event chains to.
        def record(copy: KnownCustomer, upstream: str) -> str:
            try:
                with orders.unit_of_work(POLICY, Tracking(upstream, 1)) as unit:
                    unit.track(copy)
            except IntegrityError:
                return "conflict"
            return "saved"

        copies = [orders.repository.get(i) for i in ids for _ in range(2)]
        for copy in copies:
            with acting(POLICY):
                copy.approve(Decimal(7), "CNY")
        outcomes = list(pool.map(record, copies, [f"race:{n}" for n in range(len(copies))]))
        assert outcomes.count("conflict") == len(ids)

        list(pool.map(on_approved, ids, [f"after:{i}" for i in ids]))

    # customers: 200 customers, 50 rectifications with two events each, 3 policies approved.
    for service, streams, events in (("customers", 253, 306), ("orders", 20, 80)):
        report = verified(store_settings, service)
        assert (report.streams, report.events, report.failures) == (streams, events, [])


def test_the_cli_reports_as_json_for_scripts(
    store_settings: Settings, customers: list[UUID], raw: RawStore
) -> None:
    options = ["verify", "--json", "--data-dir", str(store_settings.data_dir)]
    options += ["--database-url", store_settings.database_url]
    runner = CliRunner()

    untouched = runner.invoke(audit_app, options)
    assert untouched.exit_code == 0, untouched.output
    report = json.loads(untouched.stdout)  # nothing but the report: no table, no progress
    assert report["ok"] is True
    assert report["stores"]["customers"] is None  # only orders has a store here
    orders = report["stores"]["orders"]
    assert orders["ok"] is True
    assert (orders["streams"], orders["events"]) == (4, 12)
    assert report["failures"] == []

    target = customers[0]
    raw.set(target, 2, "state", flip(raw.get(target, 2, "state"), -12))
    tampered = runner.invoke(audit_app, options)

    assert tampered.exit_code == 1
    report = json.loads(tampered.stdout)
    assert report["ok"] is False
    assert report["stores"]["orders"]["ok"] is False
    position = raw.notification_id(target, 2)
    assert report["failures"][0].startswith(
        f"orders: position {position}, stream {target} version 2: altered"
    )
