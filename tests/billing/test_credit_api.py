"""Billing's side of the credit gate (OR-18, BI-11) on a real store, SQLite and PostgreSQL: the
exposure learned from customers' and orders' events, answered per request, concurrent requests
never reserving past the limit, and read by finance and the sales manager."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import RecordConflictError, Tracking

from billing.bootstrap import SPEC
from billing.domain.credit_exposure import CreditExposure
from contracts.customers import (
    CreditHoldPlaced,
    CreditHoldReleased,
    CustomerApproved,
    CustomerRegistered,
)
from contracts.orders import CreditReservationRequested, GoodsIssued, OrderCancelled, OrderLine
from kernel.settings import KernelSettings
from runtime.aggregate import NotYet
from runtime.unit_of_work import CommandContext
from tests.service_client import ServiceClient, service_client

POLICY = CommandContext("billing:policy")


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        yield client


class Upstream:
    """Customers' and orders' events as the inbox hands them over, one partition each."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client
        self.positions: dict[str, int] = {}
        self.lock = threading.Lock()

    def publish(self, event: Any, partition: str) -> None:
        with self.lock:
            position = self.positions[partition] = self.positions.get(partition, 0) + 1
        while True:
            try:
                self.client.app.process(event, POLICY, Tracking(partition, position))
                return
            except RecordConflictError:
                # Another partition's message changed the same exposure first: the inbox applies
                # this one again, on the exposure as it is now.
                continue


def approved(upstream: Upstream, limit: str) -> UUID:
    customer_id = uuid4()
    # Billing's own record of the customer's file lives beside the exposure, never in it.
    registered = CustomerRegistered(customer_id=customer_id, legal_name="ACME", owner_id="s")
    upstream.publish(registered, "customers.events:0")
    event = CustomerApproved(
        customer_id=customer_id, credit_limit=Decimal(limit), currency="CNY", approved_by="m"
    )
    upstream.publish(event, "customers.events:0")
    return customer_id


def request(customer_id: UUID, amount: str, over: bool = False) -> CreditReservationRequested:
    return CreditReservationRequested(
        order_id=uuid4(),
        customer_id=customer_id,
        amount=Decimal(amount),
        currency="CNY",
        over_credit_approved=over,
        requested_by="salesperson",
    )


def answers(client: ServiceClient, customer_id: UUID) -> list[Any]:
    events = client.app.repository.event_store.get(CreditExposure.id_for(customer_id))
    kinds = (CreditExposure.CreditReserved, CreditExposure.CreditDeclined)
    return [e for e in events if isinstance(e, kinds)]


def test_or_18_bi_11_concurrent_requests_never_reserve_past_the_limit(
    client: ServiceClient,
) -> None:
    upstream = Upstream(client)
    customer_id = approved(upstream, "1000")
    requests = [request(customer_id, "200") for _ in range(8)]
    threads = [
        threading.Thread(target=upstream.publish, args=(r, f"orders.events:{n}"))
        for n, r in enumerate(requests)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    given = answers(client, customer_id)
    assert len(given) == 8
    reserved = [a for a in given if isinstance(a, CreditExposure.CreditReserved)]
    assert len(reserved) == 5
    assert all(a.reason == "over_limit" for a in given if a not in reserved)
    exposure = client.ok("GET", f"/customers/{customer_id}/exposure", "finance")
    assert (exposure["reserved"], exposure["available"]) == ("1000.00", "0.00")


def test_bi_11_the_exposure_counts_reservations_and_shipments_and_lists_them(
    client: ServiceClient,
) -> None:
    upstream = Upstream(client)
    customer_id = approved(upstream, "1000")
    other_id = approved(upstream, "50")
    kept, cancelled = request(customer_id, "300"), request(customer_id, "100")
    for event in (kept, cancelled, request(other_id, "60")):
        upstream.publish(event, "orders.events:0")
    line = OrderLine(product_code="P-1", quantity=2, unit_price=Decimal("150"))
    shipped = GoodsIssued(
        order_id=kept.order_id,
        customer_id=customer_id,
        lines=[line],
        currency="CNY",
        issued_by="warehouse",
    )
    upstream.publish(shipped, "orders.events:0")
    release = OrderCancelled(
        order_id=cancelled.order_id,
        customer_id=customer_id,
        reason="withdrawn",
        cancelled_by="sales-manager",
    )
    upstream.publish(release, "orders.events:0")

    exposure = client.ok("GET", f"/customers/{customer_id}/exposure", "sales-manager")
    assert {k: exposure[k] for k in ("credit_limit", "unbilled_shipments", "reserved")} == {
        "credit_limit": "1000.00",
        "unbilled_shipments": "300.00",
        "reserved": "0.00",
    }
    assert (exposure["exposure"], exposure["available"]) == ("300.00", "700.00")
    listed = client.page("/exposures?sort=-exposure", "finance")["items"]
    assert [(e["customer_id"], e["exposure"]) for e in listed] == [
        (str(customer_id), "300.00"),
        (str(other_id), "0.00"),
    ]
    assert listed[0] == exposure
    forbidden = client.call("GET", f"/customers/{customer_id}/exposure", "salesperson")
    assert forbidden.status_code == 403
    missing = client.call("GET", f"/customers/{uuid4()}/exposure", "finance")
    assert missing.status_code == 404


def test_or_18_a_hold_declines_and_its_release_reserves_the_blocked_order(
    client: ServiceClient,
) -> None:
    upstream = Upstream(client)
    customer_id = approved(upstream, "1000")
    hold = CreditHoldPlaced(
        customer_id=customer_id,
        reason="cheque bounced",
        provisional=True,
        placed_by="sales-manager",
        review_id=uuid4(),
    )
    upstream.publish(hold, "customers.events:0")
    blocked = request(customer_id, "100", over=True)
    upstream.publish(blocked, "orders.events:0")
    assert [type(a).__name__ for a in answers(client, customer_id)] == ["CreditDeclined"]
    assert client.page("/exposures?credit_hold=true", "finance")["total"] == 1
    released = CreditHoldReleased(
        customer_id=customer_id, reason="paid", released_by="finance", approval_id=None
    )
    upstream.publish(released, "customers.events:0")
    last = answers(client, customer_id)[-1]
    assert isinstance(last, CreditExposure.CreditReserved)
    assert (last.order_id, last.amount) == (blocked.order_id, Decimal(100))


def test_bi_11_credit_utilisation_figures_follow_the_exposures(client: ServiceClient) -> None:
    from prometheus_client.parser import text_string_to_metric_families

    upstream = Upstream(client)
    within = approved(upstream, "1000")
    over = approved(upstream, "100")
    upstream.publish(request(within, "300"), "orders.events:0")
    upstream.publish(request(over, "150", over=True), "orders.events:0")  # approved over credit
    client.app.catch_up_projections()

    text = client.http.get("/metrics").text
    found = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name.startswith("countersign_billing_c")
    }
    cny = (("currency", "CNY"),)
    assert found[("countersign_billing_credit_exposure", cny)] == 450
    assert found[("countersign_billing_credit_limits", cny)] == 1100
    assert found[("countersign_billing_customers_over_limit", ())] == 1
    assert found[("countersign_billing_customers_without_limit_with_exposure", ())] == 0


def test_or_18_a_request_that_overtakes_the_approval_waits_for_it_and_writes_nothing_meanwhile(
    client: ServiceClient,
) -> None:
    """Found by the chaos soak: billing restarted and read orders' topic before customers' one,
    and declined an order of an approved customer against a limit of nothing."""
    upstream = Upstream(client)
    customer_id = uuid4()
    asked = request(customer_id, "300")
    before = client.app.recorder.max_notification_id()
    with pytest.raises(NotYet):
        client.app.process(asked, POLICY, Tracking("orders.events:0", 1))
    assert client.app.recorder.max_notification_id() == before  # the inbox tries it again later
    upstream.publish(
        CustomerApproved(
            customer_id=customer_id, credit_limit=Decimal(1000), currency="CNY", approved_by="m"
        ),
        "customers.events:0",
    )
    client.app.process(asked, POLICY, Tracking("orders.events:0", 1))
    [answer] = answers(client, customer_id)
    assert isinstance(answer, CreditExposure.CreditReserved)
