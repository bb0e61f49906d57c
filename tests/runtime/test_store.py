"""The event store guarantees, on SQLite and on PostgreSQL (invariants 1 and 3), and the units
of work that commands and policies commit through."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from contracts.customers import CustomerApproved, CustomerRegistered
from customers.application import CustomersApplication
from customers.domain.customer import Customer
from kernel.settings import KernelSettings
from orders.application import OrdersApplication
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting

CLERK = CommandContext(actor="salesperson")
MANAGER = CommandContext(actor="sales-manager")
POLICY = CommandContext(actor="orders:policy")


def test_a_refused_command_writes_nothing_and_leaves_nothing_to_publish(
    store_settings: KernelSettings,
) -> None:
    app = CustomersApplication(store_settings)
    customer = app.register_customer(CLERK, "ACME", owner_id="salesperson")
    before = app.recorder.max_notification_id()

    with pytest.raises(RuleViolation) as refused:
        app.submit_for_approval(CLERK, customer.id, Decimal(-100), "CNY")  # CU-12

    assert refused.value.rule == "CU-12"
    assert app.recorder.max_notification_id() == before
    # The relay publishes only what is in the notification log: nothing new is there.
    assert app.recorder.select_notifications(start=(before or 0) + 1, limit=10) == []
    assert app.customer(customer.id).version == 1
    app.close()


def test_a_command_that_fails_late_leaves_nothing_half_written(
    store_settings: KernelSettings,
) -> None:
    """The credit limit is recorded before the approval request is refused (XC-07, no matrix in
    force): the unit of work commits neither."""
    app = CustomersApplication(store_settings)
    customer = app.register_customer(CLERK, "ACME", owner_id="salesperson")
    with pytest.raises(RuleViolation) as refused:
        app.submit_for_approval(CLERK, customer.id, Decimal(100), "CNY")
    assert refused.value.rule == "XC-07"
    assert app.customer(customer.id).credit_limit == 0
    assert app.recorder.max_notification_id() == 1
    app.close()


def test_a_policy_commits_its_events_with_the_upstream_position_or_neither(
    store_settings: KernelSettings,
) -> None:
    app = OrdersApplication(store_settings)
    customer_id = uuid4()
    app.process(
        CustomerRegistered(customer_id=customer_id, legal_name="ACME", owner_id="s"),
        POLICY,
        Tracking("customers.events:0", 1),
    )
    before = app.recorder.max_notification_id()
    approved = CustomerApproved(
        customer_id=customer_id, credit_limit=Decimal(5), currency="CNY", approved_by="m"
    )
    # The same upstream position again: the tracking record refuses it, so the policy's
    # events are rolled back with it.
    with pytest.raises(IntegrityError):
        app.process(approved, POLICY, Tracking("customers.events:0", 1))
    assert app.recorder.max_notification_id() == before
    known = app.known_customer(customer_id)
    assert known is not None
    assert not known.approved

    app.process(approved, POLICY, Tracking("customers.events:0", 2))
    assert app.applied_position("customers.events:0") == 2
    app.close()


def test_concurrent_commands_are_group_committed_and_a_conflict_fails_alone(
    store_settings: KernelSettings,
) -> None:
    app = CustomersApplication(store_settings)
    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(lambda i: app.register_customer(CLERK, f"C{i}", "s").id, range(200)))
    assert len(set(ids)) == 200
    assert app.recorder.max_notification_id() == 200

    # Two managers change the same customer at once from the same version: one wins.
    target = ids[0]
    copies = [app.customer(target), app.customer(target)]
    others = [app.customer(i) for i in ids[1:20]]
    for customer in [*copies, *others]:
        with acting(MANAGER):
            customer.submit_for_approval(Decimal(1), "CNY", "salesperson")

    def save(customer: Customer) -> str:
        try:
            app.save(customer)
        except IntegrityError:
            return "conflict"
        return "saved"

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(save, [*copies, *others]))
    assert outcomes.count("conflict") == 1
    assert app.customer(target).version == 2
    assert all(app.customer(i).credit_limit == Decimal(1) for i in ids[1:20])
    # (PostgreSQL may leave gaps in notification ids after a failed insert: count them.)
    assert len(app.recorder.select_notifications(start=1, limit=1000)) == 200 + 1 + 19
    app.close()


def test_commands_performed_on_the_event_loop_commit_together_and_a_conflict_fails_alone(
    store_settings: KernelSettings,
) -> None:
    app = CustomersApplication(store_settings)
    batches: list[int] = []
    app.on_commit(lambda recordings: batches.append(len(recordings)))

    async def register(n: int) -> list[Customer]:
        return await asyncio.gather(
            *(app.perform(app.register_customer, CLERK, f"C{i}", "s") for i in range(n))
        )

    customers = asyncio.run(register(100))
    assert len({c.id for c in customers}) == 100
    assert app.recorder.max_notification_id() == 100
    assert batches == [1] * 100  # each command learns of its own commit

    # Two managers change the same customer at once from the same version: one wins, and
    # the other commands of the batch commit.
    target = customers[0].id
    copies = [app.customer(target), app.customer(target)]
    others = [app.customer(c.id) for c in customers[1:10]]

    def submit(customer: Customer) -> Callable[[CommandContext], None]:
        return lambda _: customer.submit_for_approval(Decimal(1), "CNY", "salesperson")

    async def change_all() -> list[object]:
        changes = (app.perform(submit(c), MANAGER) for c in [*copies, *others])
        return await asyncio.gather(*changes, return_exceptions=True)

    outcomes = asyncio.run(change_all())
    assert sum(isinstance(o, IntegrityError) for o in outcomes) == 1
    assert app.customer(target).version == 2
    assert all(app.customer(c.id).credit_limit == Decimal(1) for c in customers[1:10])

    # A refused command writes nothing.
    with pytest.raises(RuleViolation):
        asyncio.run(app.perform(app.submit_for_approval, CLERK, target, Decimal(-1), "CNY"))
    assert len(app.recorder.select_notifications(start=1, limit=1000)) == 100 + 10
    app.close()


def test_one_aggregate_is_loaded_once_per_unit_of_work(store_settings: KernelSettings) -> None:
    app = CustomersApplication(store_settings)
    customer = app.register_customer(CLERK, "ACME", owner_id="salesperson")
    with app.unit_of_work(CLERK):
        first = app.customer(customer.id)
        assert app.customer(customer.id) is first
    assert app.customer(customer.id) is not first  # a query outside a unit loads afresh
    app.close()


def test_domain_events_need_a_unit_of_work() -> None:
    with pytest.raises(RuntimeError, match="unit of work"):
        Customer.register("ACME", owner_id="o", registered_by="r")
