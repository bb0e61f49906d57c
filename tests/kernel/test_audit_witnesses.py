"""Tamper evidence against whoever can write one database, on SQLite and PostgreSQL.

The customers store is attacked with write access to its database only: its newest rows
deleted, or an unsigned event (a customer's legal name) edited with every hash of both chains
recomputed. Its chains then verify; the head the customers service signed, which the orders
service witnessed in its own database (or an export kept off-site), does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import pytest
from click.testing import Result
from typer.testing import CliRunner

from contracts.audit import StoreCheckpoint
from countersign.audit_cmd import audit_app
from customers.application import CustomersApplication
from customers.domain.customer import Customer
from kernel.settings import KernelSettings
from orders.application import OrdersApplication
from runtime import clock
from runtime.signing import load_private_key, service_key_id
from runtime.store.chain import event_hash, seal, unseal
from runtime.unit_of_work import CommandContext
from runtime.witness import Witness, sign_checkpoint
from tests.kernel.test_audit_chain import RawStore

CLERK = CommandContext(actor="salesperson")


@dataclass
class Stores:
    settings: KernelSettings
    customers: list[UUID]
    raw: RawStore

    def checkpoint(self) -> StoreCheckpoint:
        """What the customers service signs and publishes now: its store's head."""
        with closing(CustomersApplication(self.settings)) as app:
            head = app.store_head()
        assert head is not None
        key = load_private_key(self.settings.keys_path, service_key_id("customers"))
        return sign_checkpoint("customers", head, key, clock.now())

    def witness(self, *checkpoints: StoreCheckpoint | bytes) -> int:
        """What the orders service does with the checkpoints it reads off the topic."""
        with closing(OrdersApplication(self.settings)) as orders:
            return Witness(orders, self.settings).witness(
                [c if isinstance(c, bytes) else c.model_dump_json().encode() for c in checkpoints]
            )

    def register(self, count: int) -> list[UUID]:
        with closing(CustomersApplication(self.settings)) as app:
            return [app.register_customer(CLERK, f"Customer {i}", "s").id for i in range(count)]

    def verify(self, *options: str) -> Result:
        arguments = ["verify", "--data-dir", str(self.settings.data_dir)]
        arguments += ["--database-url", self.settings.database_url, "--workers", "1", *options]
        return CliRunner().invoke(audit_app, arguments)


@pytest.fixture
def stores(store_settings: KernelSettings) -> Iterator[Stores]:
    with closing(CustomersApplication(store_settings)) as app:
        customers = [app.register_customer(CLERK, f"Customer {i}", "s").id for i in range(6)]
    stores = Stores(store_settings, customers, RawStore(store_settings, "customers"))
    yield stores
    stores.raw.close()


def rename(raw: RawStore, stream: UUID, version: int, new_name: bytes) -> None:
    """Edit an unsigned event and re-seal its stream's chain and the store's log, as someone
    with write access to the database and the chain's documented format can."""
    prev_hex, _, body = unseal(raw.get(stream, version, "state"))
    body = re.sub(rb'"legal_name":"[^"]*"', b'"legal_name":"' + new_name + b'"', body)
    prev = bytes.fromhex(prev_hex.decode())
    for current in range(version, 100):
        try:
            state = raw.get(stream, current, "state")
        except TypeError:  # no such version
            break
        if current > version:
            body = unseal(state)[2]
        own = event_hash(
            stream.bytes, current, raw.get(stream, current, "topic").encode(), prev, body
        )
        raw.set(stream, current, "state", seal(prev, own, body))
        prev = own
    raw.reseal_log()


def test_an_untouched_store_matches_its_witnessed_head_and_counts_what_is_newer(
    stores: Stores,
) -> None:
    checkpoint = stores.checkpoint()
    assert stores.witness(checkpoint) == 1
    assert stores.witness(checkpoint) == 0  # kept once
    stores.register(3)

    result = stores.verify()

    assert result.exit_code == 0, result.output
    # Witnessed up to the checkpoint; the three newer events not yet.
    assert re.search(rf"customers\W+9\W+9\W+0\W+{checkpoint.position}\W+3\W+OK", result.stdout)


def test_deleting_the_newest_events_is_caught_by_the_witnessed_head(stores: Stores) -> None:
    checkpoint = stores.checkpoint()
    stores.witness(checkpoint)
    newest = stores.customers[-2:]
    positions = [stores.raw.notification_id(c, 1) for c in newest]
    for customer in newest:
        stores.raw.delete(customer, 1)
    stores.raw.delete_log(*positions)

    result = stores.verify()

    assert result.exit_code == 1
    assert (
        f"customers: position {min(positions)}: truncated: orders witnessed customers sign its "
        f"head at position {checkpoint.position}"
    ) in result.stderr


def test_events_written_after_a_truncation_do_not_hide_it(stores: Stores) -> None:
    # SQLite gives deleted positions out again: the store then holds another head there.
    checkpoint = stores.checkpoint()
    stores.witness(checkpoint)
    newest = stores.customers[-1]
    position = stores.raw.notification_id(newest, 1)
    stores.raw.delete(newest, 1)
    stores.raw.delete_log(position)
    stores.register(2)

    result = stores.verify()

    assert result.exit_code == 1
    assert f"customers: position {checkpoint.position}: rewritten: orders witnessed" in (
        result.stderr
    )


def test_a_resealed_rewrite_of_an_unsigned_event_is_caught_by_the_witnessed_head(
    stores: Stores,
) -> None:
    first = stores.checkpoint()
    stores.witness(first)
    later = stores.register(1)
    second = stores.checkpoint()
    stores.witness(second)
    assert stores.verify().exit_code == 0

    rename(stores.raw, later[0], 1, b"Someone Else Ltd")

    result = stores.verify()
    assert result.exit_code == 1
    # The chains verify again: only the second witnessed head catches it, and the rewrite lies
    # between the two heads: one event, which the report lists.
    position = stores.raw.notification_id(later[0], 1)
    assert (
        f"customers: position {second.position}: rewritten: orders witnessed customers sign its "
        f"head at position {second.position}"
    ) in result.stderr
    assert f"at or after position {first.position + 1}" in result.stderr
    assert f"{position}: stream {later[0].hex}" in result.stderr.replace("\n", "") or (
        f"{position}: stream {later[0]}" in result.stderr.replace("\n", "")
    )
    with closing(CustomersApplication(stores.settings)) as app:
        assert app.get(Customer, later[0], "customer").legal_name == "Someone Else Ltd"


def test_the_heads_export_finds_a_rewrite_made_after_it(stores: Stores, tmp_path: Path) -> None:
    stores.witness(stores.checkpoint())
    export = tmp_path / "heads.json"
    exported = CliRunner().invoke(
        audit_app,
        [
            "heads",
            "--data-dir",
            str(stores.settings.data_dir),
            "--database-url",
            stores.settings.database_url,
            "--output",
            str(export),
        ],
    )
    assert exported.exit_code == 0, exported.output
    assert stores.verify("--against", str(export)).exit_code == 0

    rename(stores.raw, stores.customers[0], 1, b"Rewritten Ltd")
    # Whoever rewrote it could not touch the orders database here either; drop what the orders
    # service witnessed to show that the export alone finds it.
    with closing(OrdersApplication(stores.settings)) as orders, orders.read_models.writing() as db:
        db.exec_driver_sql("DELETE FROM witnessed_checkpoints")
    assert stores.verify().exit_code == 0  # nothing witnessed: the chains alone verify

    result = stores.verify("--against", str(export))
    assert result.exit_code == 1
    assert "rewritten: the export heads.json" in result.stderr.replace("\n", "")


def test_a_witness_keeps_only_other_services_checkpoints_that_verify(stores: Stores) -> None:
    genuine = stores.checkpoint()
    forged = genuine.model_copy(update={"head": "0" * 64})
    own = genuine.model_copy(update={"service": "orders"})
    assert stores.witness(forged, own, b"not json", b'{"service": "customers"}') == 0
    assert stores.witness(genuine) == 1


def test_a_forged_row_in_a_witness_database_is_not_trusted(stores: Stores) -> None:
    genuine = stores.checkpoint()
    stores.witness(genuine)
    with closing(OrdersApplication(stores.settings)) as orders, orders.read_models.writing() as db:
        db.exec_driver_sql(f"UPDATE witnessed_checkpoints SET position = {genuine.position + 50}")

    result = stores.verify()

    assert result.exit_code == 0
    assert "orders keeps a checkpoint of customers" in result.stderr.replace("\n", " ")
    assert "does not verify" in result.stderr
