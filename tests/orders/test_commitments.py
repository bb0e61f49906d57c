"""OR-36: every commitment made to a customer is recorded with its due time and met first; the
timer flags the ones missed, for the dashboard; at the aggregate and through the API, allowed and
refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from kernel.roles import Role
from orders.application import OrdersApplication
from orders.application.claims import COMMITMENTS_DUE
from orders.domain.commitment import Commitment, CommitmentKind, CommitmentStatus
from runtime.unit_of_work import CommandContext, acting
from tests.orders.order_flow import OrderFlow, scrape
from tests.orders.test_order_rules import approved_customer, refusal
from tests.orders.test_sales_order_api import refused
from tests.service_client import ServiceClient

NOW = datetime(2027, 3, 9, 2, 0, tzinfo=UTC)
SALESPERSON = frozenset({Role.SALESPERSON})


@pytest.fixture
def in_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def recorded(due: timedelta = timedelta(days=3)) -> Commitment:
    return Commitment.record(
        approved_customer(),
        CommitmentKind.DELIVERY_DATE,
        "pumps on site by Friday",
        NOW + due,
        "salesperson",
        SALESPERSON,
        NOW,
    )


def test_or_36_a_commitment_met_in_time_is_never_flagged(in_context: None) -> None:
    commitment = recorded()
    commitment.meet("salesperson", SALESPERSON, NOW + timedelta(days=1))
    assert commitment.status is CommitmentStatus.MET
    assert not commitment.flag_missed(NOW + timedelta(days=5))
    with refusal("OR-36"):
        commitment.meet("salesperson", SALESPERSON, NOW + timedelta(days=1))


def test_or_36_a_commitment_past_its_time_is_flagged_missed_once(in_context: None) -> None:
    commitment = recorded()
    assert not commitment.flag_missed(NOW + timedelta(days=1))
    assert commitment.flag_missed(NOW + timedelta(days=4))
    assert not commitment.flag_missed(NOW + timedelta(days=5))
    assert commitment.status is CommitmentStatus.MISSED


def test_or_36_refused_a_commitment_without_a_promise_or_already_due(in_context: None) -> None:
    with refusal("OR-36"):
        recorded(timedelta(0))
    with refusal("OR-36"):
        Commitment.record(
            approved_customer(), CommitmentKind.SPECIAL_TERM, " ", NOW, "s", SALESPERSON, NOW
        )
    with refusal("OR-36"):
        recorded().meet("warehouse", frozenset({Role.WAREHOUSE_KEEPER}), NOW)


def test_or_36_the_timer_flags_a_missed_commitment_on_the_dashboard(
    client: ServiceClient, flow: OrderFlow, moved_clock: list[datetime]
) -> None:
    app = client.app
    assert isinstance(app, OrdersApplication)
    moved_clock[0] = NOW
    customer_id = str(flow.customer())
    body = {
        "customer_id": customer_id,
        "kind": "service_date",
        "promise": "technician on site Thursday",
        "due_at": (NOW + timedelta(days=2)).isoformat(),
    }
    kept = client.ok("POST", "/commitments", "salesperson", body)["commitment_id"]
    missed = client.ok("POST", "/commitments", "salesperson", body)["commitment_id"]
    client.ok("POST", f"/commitments/{kept}/met", "salesperson")
    refused(client, "/commitments", "salesperson", "OR-36", body | {"due_at": NOW.isoformat()})
    moved_clock[0] = NOW + timedelta(days=3)
    app.catch_up_projections()
    COMMITMENTS_DUE.tick(app)
    listed = client.page("/commitments?status=missed", "sales-manager")
    assert [c["commitment_id"] for c in listed["items"]] == [missed]
    figures = scrape(client)
    assert figures[("countersign_orders_commitments_pending", (("status", "missed"),))] == 1
    assert figures[("countersign_orders_commitments_pending", (("status", "open"),))] == 0
