"""OR-23: the sales clerk archives every outbound order promptly; the timer flags one not
archived within ``[orders] archive_outbound_within_working_days``, at the aggregate and through
the API, allowed and refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest

from kernel.roles import Role
from orders.application import OrdersApplication
from orders.application.outbound_archive import OUTBOUND_ARCHIVE
from orders.domain.order import Order
from runtime.unit_of_work import CommandContext, acting
from tests.orders.order_flow import OrderFlow
from tests.orders.test_order_rules import LINE, approved_customer, refusal, to_the_warehouse
from tests.orders.test_sales_order_api import refused
from tests.service_client import ServiceClient

NOW = datetime(2027, 3, 9, 2, 0, tzinfo=UTC)
CLERK = frozenset({Role.SALES_CLERK})


@pytest.fixture
def in_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def issued() -> Order:
    order = Order.place(approved_customer(), (LINE,), "salesperson", uuid4())
    to_the_warehouse(order)
    return order


def test_or_23_the_clerk_archives_the_outbound_order_in_time(in_context: None) -> None:
    order = issued()
    order.archive_outbound("sales-clerk", CLERK, NOW, NOW + timedelta(days=1))
    assert order.outbound_archived_at is not None and not order.outbound_archive_missed
    assert not order.flag_outbound_archive_late(NOW + timedelta(days=2), NOW + timedelta(days=1))
    with refusal("OR-23"):
        order.archive_outbound("sales-clerk", CLERK, NOW, NOW + timedelta(days=1))


def test_or_23_refused_archiving_by_a_salesperson_or_before_the_outbound_order(
    in_context: None,
) -> None:
    with refusal("OR-23"):
        issued().archive_outbound("salesperson", frozenset({Role.SALESPERSON}), NOW, NOW)
    placed = Order.place(approved_customer(), (LINE,), "salesperson", uuid4())
    with refusal("OR-23"):
        placed.archive_outbound("sales-clerk", CLERK, NOW, NOW)


def test_or_23_a_late_archive_is_flagged_once(in_context: None) -> None:
    order = issued()
    due = NOW + timedelta(days=1)
    assert not order.flag_outbound_archive_late(NOW, due)
    assert order.flag_outbound_archive_late(due + timedelta(minutes=1), due)
    assert not order.flag_outbound_archive_late(due + timedelta(days=1), due)
    assert order.outbound_archive_missed


def test_or_23_the_timer_flags_an_outbound_order_not_archived_in_time(
    client: ServiceClient, flow: OrderFlow, moved_clock: list[datetime]
) -> None:
    app = client.app
    assert isinstance(app, OrdersApplication)
    moved_clock[0] = NOW  # a Tuesday, 10:00 in Shanghai
    archived = flow.ready(flow.customer())
    late = flow.ready(flow.customer())
    for order_id in (archived, late):
        client.ok("POST", f"/orders/{order_id}/outbound", "sales-clerk")
    refused(client, f"/orders/{archived}/outbound/archive", "salesperson", "OR-23")
    done = client.ok("POST", f"/orders/{archived}/outbound/archive", "sales-clerk")
    assert done["outbound_archived_at"] is not None and not done["outbound_archive_missed"]

    issued_at = app.order(UUID(late)).outbound_issued_at
    assert issued_at is not None
    moved_clock[0] = app.outbound_archive_due(issued_at) + timedelta(minutes=1)
    app.catch_up_projections()
    OUTBOUND_ARCHIVE.tick(app)
    missed = client.page("/orders/outbound-archive?archive_missed=true", "sales-manager")
    assert [o["order_id"] for o in missed["items"]] == [late]
    client.ok("POST", f"/orders/{late}/outbound/archive", "sales-clerk")
    assert client.ok("GET", f"/orders/{late}", "sales-clerk")["outbound_archive_missed"]
