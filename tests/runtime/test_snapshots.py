"""Snapshots (runtime.snapshots): loading costs the same however long the history, and a snapshot
is a cache the store's chain anchors, the service seals and `audit verify` rebuilds, on SQLite
and PostgreSQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import closing
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from typer.testing import CliRunner

from countersign.audit_cmd import audit_app
from customers.application import CustomersApplication
from kernel.roles import Role
from kernel.settings import KernelSettings
from runtime import metrics
from runtime.signing import load_private_key, service_key_id, sign
from runtime.snapshots import (
    SnapshotError,
    code_of,
    decode,
    encode,
    pack,
    seal_fields,
    unpack,
)
from tests.signers import Signers, as_user

SALESPERSON = as_user("salesperson", Role.SALESPERSON)
INTERVAL = 5


@pytest.fixture
def app(store_settings: KernelSettings) -> Iterator[CustomersApplication]:
    settings = store_settings.model_copy(update={"snapshot_interval": INTERVAL})
    with closing(CustomersApplication(settings)) as app:
        Signers(settings.keys_path).put_policies_in_force(app)
        yield app


def long_history(app: CustomersApplication, cycles: int) -> UUID:
    """A customer submitted and rejected ``cycles`` times: four events a cycle, the approval
    state, signatures and decimals a real document holds."""
    signers = Signers(app.settings.keys_path)
    customer = app.register_customer(SALESPERSON, "ACME", "salesperson")
    for n in range(cycles):
        app.submit_for_approval(SALESPERSON, customer.id, Decimal(100 + n), "CNY")
        signers.decide(app, customer.id, "finance", Role.FINANCE, "reject", "no")
    signers.seal(app, customer.id, "salesperson")
    return customer.id


def stored_snapshots(app: CustomersApplication) -> list[tuple[UUID, int, str, bytes]]:
    return list(app.snapshot_cache.stored())


def rewrite(app: CustomersApplication, version: int, stored: bytes) -> None:
    """What someone who can write the database does to one stored snapshot."""
    recorder: Any = app.snapshot_cache.recorder
    placeholder = "%s" if app.settings.database_url else "?"
    schema = getattr(recorder.datastore, "schema", "")
    table = f'"{schema}"."{recorder.events_table_name}"' if schema else recorder.events_table_name
    with recorder.datastore.transaction(commit=True) as cursor:
        cursor.execute(
            f"UPDATE {table} SET state = {placeholder} WHERE originator_version = {placeholder}",
            (stored, version),
        )


def test_a_long_history_loads_from_its_newest_snapshot(app: CustomersApplication) -> None:
    customer_id = long_history(app, cycles=8)  # 1 + 32 + 1 events

    # One snapshot as each commit crosses a multiple of the interval, at the commit's version.
    versions = [version for _, version, _, _ in stored_snapshots(app)]
    assert [v // INTERVAL for v in versions] == [1, 2, 3, 4, 5, 6]
    loaded = app.snapshot_cache.load(customer_id)
    replayed = app.snapshot_cache.load(customer_id, use_snapshot=False)
    assert (loaded.replayed, replayed.replayed) == (34 - versions[-1], 34)
    assert encode(loaded.aggregate) == encode(replayed.aggregate)
    assert loaded.head == replayed.head
    customer = app.customer(customer_id)
    assert customer.version == 34 and customer.credit_limit == Decimal(107)
    report = app.snapshot_cache.verify()
    assert (report.checked, report.problems) == (6, [])


def test_xc01_an_altered_snapshot_is_not_used_and_audit_verify_names_it(
    app: CustomersApplication, store_settings: KernelSettings
) -> None:
    customer_id = long_history(app, cycles=3)  # snapshots at versions 5 and 10
    stream, version, _, stored = stored_snapshots(app)[-1]
    anchor, seal, state = unpack(stored)
    altered = state.replace(b'"ACME"', b'"EVIL"')
    assert altered != state
    rewrite(app, version, pack(anchor, seal, altered))
    refused = metrics.SNAPSHOTS_REFUSED.labels("seal or state")._value.get()

    customer = app.customer(customer_id)

    assert customer.legal_name == "ACME"  # from the events, not the altered snapshot
    assert metrics.SNAPSHOTS_REFUSED.labels("seal or state")._value.get() == refused + 1
    [problem] = app.snapshot_cache.verify().problems
    assert problem == (
        f"snapshot of {stream} at version {version}: the seal of service:customers does not verify"
    )
    result = CliRunner().invoke(
        audit_app,
        ["verify", "--data-dir", str(store_settings.data_dir), "--workers", "1"]
        + (["--database-url", store_settings.database_url] if store_settings.database_url else []),
    )
    assert result.exit_code == 1, result.output
    assert f"customers: snapshot of {stream} at version {version}" in result.output


def test_a_snapshot_taken_by_other_code_is_not_used_nor_named(app: CustomersApplication) -> None:
    # Another version of the aggregate's code may have given it other attributes: its
    # snapshots, sealed and anchored as they are, stand for that code only.
    customer_id = long_history(app, cycles=3)
    stream, version, topic, stored = stored_snapshots(app)[-1]
    anchor, _, state = unpack(stored)
    this_code = code_of(type(app.customer(customer_id)))
    assert state.startswith(b'[["$code","' + this_code.encode())
    other = state.replace(this_code.encode(), b"0" * len(this_code), 1)
    key = load_private_key(app.settings.keys_path, service_key_id("customers"))
    seal = sign(key, seal_fields(stream, version, topic, anchor, other))
    rewrite(app, version, pack(anchor, seal, other))
    refused = metrics.SNAPSHOTS_REFUSED.labels("seal or state")._value.get()

    customer = app.snapshot_cache.load(customer_id)

    assert customer.replayed == customer.aggregate.version  # every event, no snapshot
    assert metrics.SNAPSHOTS_REFUSED.labels("seal or state")._value.get() == refused + 1
    assert app.snapshot_cache.verify().problems == []


def test_xc01_a_verified_seal_is_trusted_again_only_for_the_same_stored_snapshot_and_a_valid_key(
    app: CustomersApplication, monkeypatch: pytest.MonkeyPatch
) -> None:
    customer_id = long_history(app, cycles=3)
    cache = app.snapshot_cache
    checks: list[str] = []
    verify = cache._key_ring.verify

    def counted(*args: Any, **kwargs: Any) -> Any:
        checks.append("seal")
        return verify(*args, **kwargs)

    monkeypatch.setattr(cache._key_ring, "verify", counted)
    cache.load(customer_id)
    assert checks == []  # verified when commits loaded it before: remembered

    seen, keys = cache._sealed[customer_id]
    ended = tuple(dataclasses.replace(period, valid_until=period.valid_from) for period in keys)
    cache._sealed[customer_id] = (seen, ended)  # verified while other keys were valid
    cache.load(customer_id)
    assert checks == ["seal"]  # checked again

    _, version, _, stored = stored_snapshots(app)[-1]
    anchor, seal, state = unpack(stored)
    rewrite(app, version, pack(anchor, seal, state.replace(b'"ACME"', b'"EVIL"')))
    assert cache.load(customer_id).replayed == 1 + 3 * 4 + 1  # refused: every event again
    assert checks == ["seal", "seal"]


def test_a_resealed_snapshot_that_is_not_what_the_events_make_is_named(
    app: CustomersApplication,
) -> None:
    """Even whoever holds the service's key cannot make a snapshot say something else."""
    long_history(app, cycles=3)
    stream, version, topic, stored = stored_snapshots(app)[-1]
    anchor, _, state = unpack(stored)
    altered = state.replace(b'"ACME"', b'"EVIL"')
    assert altered != state
    key = load_private_key(app.settings.keys_path, service_key_id("customers"))
    seal = sign(key, seal_fields(stream, version, topic, anchor, altered))
    rewrite(app, version, pack(anchor, seal, altered))

    [problem] = app.snapshot_cache.verify().problems
    assert problem.endswith("its state is not what the events make")


def test_a_snapshot_anchored_elsewhere_is_not_used(app: CustomersApplication) -> None:
    customer_id = long_history(app, cycles=3)
    stream, version, topic, stored = stored_snapshots(app)[-1]
    _, _, state = unpack(stored)
    anchor = "0" * 64
    key = load_private_key(app.settings.keys_path, service_key_id("customers"))
    rewrite(
        app,
        version,
        pack(anchor, sign(key, seal_fields(stream, version, topic, anchor, state)), state),
    )
    refused = metrics.SNAPSHOTS_REFUSED.labels("anchor")._value.get()

    assert app.snapshot_cache.load(customer_id).replayed == 1 + 3 * 4 + 1  # every event again
    assert metrics.SNAPSHOTS_REFUSED.labels("anchor")._value.get() == refused + 1
    [problem] = app.snapshot_cache.verify().problems
    assert problem.endswith("anchored to another event than the one stored")


@pytest.mark.parametrize(
    "value",
    [
        b'{"$c": "os:system", "f": []}',
        b'{"$e": "subprocess:Popen", "v": "ls"}',
        b'{"$c": "customers.domain.customer:Customer.nowhere", "f": []}',
        b'{"$c": "json:JSONDecoder", "f": []}',
    ],
)
def test_a_snapshot_can_name_no_code_outside_the_service_s_own(value: bytes) -> None:
    from customers.domain.customer import Customer

    with pytest.raises(SnapshotError):
        decode(Customer, b'[["status", ' + value + b"]]", ("customers", "kernel", "runtime"))


def test_a_short_stream_loads_in_one_query_and_no_snapshot_lookup(
    app: CustomersApplication,
) -> None:
    customer = app.register_customer(SALESPERSON, "Short Ltd", "salesperson")
    looked: list[Any] = []
    recorder: Any = app.snapshot_cache.recorder
    select = recorder.select_events
    recorder.select_events = lambda *args, **kwargs: looked.append(args) or select(*args, **kwargs)

    loaded = app.snapshot_cache.load(customer.id)

    assert (loaded.replayed, looked) == (1, [])
