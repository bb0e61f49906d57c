"""The event store guarantees, on SQLite and on PostgreSQL (invariants 1 and 3)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from uuid import uuid4

import pytest
from chassis.domain import CommandContext, RuleViolation
from chassis.settings import Settings
from eventsourcing.persistence import IntegrityError, Tracking

from contracts.customers import CustomerApproved, CustomerRegistered
from customers.application.service import CustomersApplication
from orders.application.service import OrdersApplication
from orders.domain.order import OrderLine

CLERK = CommandContext(actor="salesperson")
MANAGER = CommandContext(actor="sales-manager")
POLICY = CommandContext(actor="orders:policy")
LINE = OrderLine("P-1", "pump", 1, Decimal("10.00"), ("SN-1",))


def test_a_refused_command_writes_nothing_and_leaves_nothing_to_publish(
    store_settings: Settings,
) -> None:
    app = CustomersApplication(store_settings)
    customer_id = app.register_customer(CLERK, "ACME", owner_id="salesperson")
    before = app.recorder.max_notification_id()

    with pytest.raises(RuleViolation) as refused:
        app.submit_for_approval(CLERK, customer_id, Decimal(-100), "CNY")  # CU-12

    assert refused.value.rule == "CU-12"
    assert app.recorder.max_notification_id() == before
    # The relay publishes only what is in the notification log: nothing new is there.
    assert app.recorder.select_notifications(start=(before or 0) + 1, limit=10) == []
    assert app.customer(customer_id).version == 1
    app.close()


def test_a_command_that_changes_two_aggregates_commits_both_or_neither(
    store_settings: Settings,
) -> None:
    app = OrdersApplication(store_settings)
    customer_id = uuid4()
    app.on_customer_registered(
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
        app.on_customer_approved(approved, POLICY, Tracking("customers.events:0", 1))
    assert app.recorder.max_notification_id() == before
    assert app._known_customer(customer_id) is not None
    assert not app._known_customer(customer_id).approved  # type: ignore[union-attr]

    app.on_customer_approved(approved, POLICY, Tracking("customers.events:0", 2))
    assert app.process_recorder.max_tracking_id("customers.events:0") == 2
    app.close()


def test_concurrent_commands_are_group_committed_and_a_conflict_fails_alone(
    store_settings: Settings,
) -> None:
    app = CustomersApplication(store_settings)
    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(lambda i: app.register_customer(CLERK, f"C{i}", "s"), range(200)))
    assert len(set(ids)) == 200
    assert app.recorder.max_notification_id() == 200

    # Two managers approve the same customer at once from the same version: one wins.
    target = ids[0]
    copies = [app.customer(target), app.customer(target)]
    for copy in copies:
        with app.acting(MANAGER):
            copy.submit_for_approval(Decimal(1), "CNY", "salesperson")
    others = [app.customer(i) for i in ids[1:20]]
    for other in others:
        with app.acting(MANAGER):
            other.submit_for_approval(Decimal(1), "CNY", "salesperson")

    def save(aggregate: object) -> str:
        try:
            app.save(aggregate)  # type: ignore[arg-type]
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
