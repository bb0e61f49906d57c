"""RULES §8 (Orders): a return's cycle runs from its request to the credit note billing issues for
its goods (BI-18, published as ``CreditNoteIssued``); orders records it once on the return and
counts it on /metrics. A credit note for a return orders does not know changes nothing."""

from __future__ import annotations

import itertools
from datetime import timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from eventsourcing.persistence import Tracking

from contracts.billing import CreditNoteIssued
from orders.domain.product_return import ProductReturn
from runtime.unit_of_work import CommandContext
from tests.orders.order_flow import OrderFlow, scrape
from tests.orders.test_returns_api import approved
from tests.service_client import ServiceClient

POLICY = CommandContext("orders:policy")
_POSITIONS = itertools.count(1_000_000)
"""Far past the positions the order flow gives billing's credit replies."""


def credit_note(client: ServiceClient, return_id: UUID, later: timedelta) -> CreditNoteIssued:
    ret = client.app.product_return(return_id)  # type: ignore[attr-defined]
    (requested,) = [
        e for e in client.app.events.get(return_id) if isinstance(e, ProductReturn.Requested)
    ]
    return CreditNoteIssued(
        credit_note_id=uuid4(),
        return_id=return_id,
        order_id=ret.order_id,
        customer_id=ret.customer_id,
        original_invoice_id=uuid4(),
        amount=Decimal("21.00"),
        currency="CNY",
        issued_at=requested.timestamp + later,
    )


def deliver(client: ServiceClient, event: CreditNoteIssued) -> None:
    tracking = Tracking("billing.events:0", next(_POSITIONS))
    client.app.process(event, POLICY, tracking)  # type: ignore[attr-defined]


def test_or_29_bi_18_a_returns_cycle_ends_once_with_billings_credit_note(
    client: ServiceClient, flow: OrderFlow
) -> None:
    return_id = UUID(approved(flow))
    note = credit_note(client, return_id, timedelta(hours=30))
    deliver(client, note)
    deliver(client, note.model_copy(update={"credit_note_id": uuid4()}))  # a second: ignored
    credited = [
        e for e in client.app.events.get(return_id) if isinstance(e, ProductReturn.Credited)
    ]
    assert [(e.credit_note_id, e.amount) for e in credited] == [(note.credit_note_id, Decimal(21))]
    client.app.catch_up_projections()
    figures = scrape(client)
    assert figures[("countersign_orders_return_cycles_total", ())] == 1
    assert figures[("countersign_orders_return_cycle_seconds_total", ())] == 30 * 3600


def test_or_29_bi_18_a_credit_note_for_an_unknown_return_changes_nothing(
    client: ServiceClient, flow: OrderFlow
) -> None:
    return_id = UUID(approved(flow))
    note = credit_note(client, return_id, timedelta(hours=1))
    deliver(client, note.model_copy(update={"return_id": uuid4()}))
    assert not [
        e for e in client.app.events.get(return_id) if isinstance(e, ProductReturn.Credited)
    ]
    client.app.catch_up_projections()
    assert scrape(client)[("countersign_orders_return_cycles_total", ())] == 0
