"""Maintenance-contract billing on a real store, SQLite and PostgreSQL (SD-01, BI-16; RULES §7
row 14): service-desk's ``MaintenanceContractSigned`` draws the contract's type-B schedule once,
listed by contract; a redelivery, a contract announced without its price or a renewal of one
billing never saw creates nothing."""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import Tracking

from contracts.service_desk import MaintenanceContractRenewed, MaintenanceContractSigned
from runtime.unit_of_work import CommandContext
from tests.billing.test_expenses_api import app_of
from tests.service_client import ServiceClient

POLICY = CommandContext("billing:policy")
_POSITIONS = itertools.count(1)


def deliver(client: ServiceClient, event: Any, times: int = 1) -> None:
    for _ in range(times):
        tracking = Tracking("service-desk.events:0", next(_POSITIONS))
        client.app.process(event, POLICY, tracking)  # type: ignore[attr-defined]


def signed(**changes: Any) -> MaintenanceContractSigned:
    fields: dict[str, Any] = {
        "contract_id": uuid4(),
        "customer_id": uuid4(),
        "starts_on": date(2026, 11, 2),
        "ends_on": date(2027, 1, 29),
        "signed_at": "2026-11-01T08:00:00Z",
        "price": "3600.00",
        "payment_terms": "Monthly in advance",
    }
    return MaintenanceContractSigned(**(fields | changes))


def schedule(client: ServiceClient, contract_id: UUID) -> list[dict[str, Any]]:
    page = client.page(f"/maintenance-billing?contract_id={contract_id}", "accountant")
    return list(page["items"])


def test_bi_16_row_14_a_signed_contract_is_billed_on_its_schedule_once(
    client: ServiceClient,
) -> None:
    event = signed()
    deliver(client, event, times=2)
    rows = schedule(client, event.contract_id)
    assert sorted((r["number"], r["due_on"], r["amount"]) for r in rows) == [
        (1, "2026-11-02", "1200.00"),
        (2, "2026-12-02", "1200.00"),
        (3, "2027-01-02", "1200.00"),
    ]
    renewal = uuid4()
    renewed = MaintenanceContractRenewed(
        contract_id=event.contract_id,
        customer_id=event.customer_id,
        ends_on=event.ends_on,
        renewal_id=renewal,
    )
    deliver(client, renewed, times=2)
    rows = schedule(client, event.contract_id)
    assert {r["renewed_by_id"] for r in rows} == {str(renewal)}


def test_bi_16_row_14_without_a_price_or_for_an_unknown_contract_nothing_is_billed(
    client: ServiceClient,
) -> None:
    before = app_of(client).recorder.max_notification_id()
    unpriced = signed(price=None)
    deliver(client, unpriced)
    deliver(client, signed(payment_terms=None))
    unknown = uuid4()
    deliver(
        client,
        MaintenanceContractRenewed(
            contract_id=unknown,
            customer_id=uuid4(),
            ends_on=date(2027, 1, 29),
            renewal_id=uuid4(),
        ),
    )
    assert app_of(client).recorder.max_notification_id() == before
    assert schedule(client, unpriced.contract_id) == []
    assert schedule(client, unknown) == []
