"""Service billing over HTTP on a real store (BI-16, BI-17, RULES §7 row 13): a fee service-desk
reports collected on site is expected with the accountant the same day; the accountant books it
against the cash handover giver and receiver signed, for exactly the fee; a fee not handed in by
the close of its day is flagged once by the timer. Refusals are 4xx that write nothing."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Tracking

from billing.application.service_billing import FEE_HANDOVERS
from billing.domain.service_fee import ServiceFee
from contracts.service_desk import ServiceFeeCollectedOnSite
from runtime import clock
from runtime.unit_of_work import CommandContext
from tests.billing.test_collections_api import own_signature
from tests.billing.test_expenses_api import app_of, refused
from tests.service_client import ServiceClient
from tests.signers import Signers

POLICY = CommandContext("billing:policy")
_POSITIONS = itertools.count(1)


@pytest.fixture
def restore_clock() -> Iterator[None]:
    yield
    clock.use(lambda: datetime.now(tz=UTC))


def collected(client: ServiceClient, amount: str = "80.00") -> str:
    """Service-desk reported a fee collected on site (twice: redelivered); its path."""
    fee = ServiceFeeCollectedOnSite(
        call_id=uuid4(),
        customer_id=uuid4(),
        amount=amount,
        receipt_no=f"SR-{next(_POSITIONS)}",
        prior_approval_id=uuid4(),
    )
    for _ in range(2):
        client.app.process(fee, POLICY, Tracking("service-desk.events:0", next(_POSITIONS)))
    return f"/service-fees/{ServiceFee.id_for(fee.call_id, fee.receipt_no)}"


def signed_handover(client: ServiceClient, signers: Signers, amount: str, to: str) -> str:
    body = {
        "giver_id": "technician",
        "receiver_id": to,
        "amount": amount,
        "currency": "CNY",
        "purpose": "fees collected on site",
    }
    handover_id = client.ok("POST", "/cash-handovers", to, body)["handover_id"]
    for user in ("technician", to):
        signers.seal(app_of(client), UUID(handover_id), user, own_signature(user))
    return str(handover_id)


def test_bi_16_a_fee_collected_on_site_is_booked_by_the_accountant_against_a_signed_handover(
    client: ServiceClient, signers: Signers
) -> None:
    fee = collected(client)
    app_of(client).catch_up_projections()
    (row,) = client.page("/service-fees?status=collected", "accountant")["items"]
    assert (row["amount"], row["handover_missed"]) == ("80.00", False)

    unsigned = client.ok(
        "POST",
        "/cash-handovers",
        "accountant",
        {
            "giver_id": "technician",
            "receiver_id": "accountant",
            "amount": "80.00",
            "currency": "CNY",
            "purpose": "fees collected on site",
        },
    )["handover_id"]
    refused(client, f"{fee}/hand-in", "accountant", "BI-17", {"handover_id": unsigned})
    short = signed_handover(client, signers, "70.00", "accountant")
    refused(client, f"{fee}/hand-in", "accountant", "BI-16", {"handover_id": short})
    to_finance = signed_handover(client, signers, "80.00", "finance")
    refused(client, f"{fee}/hand-in", "accountant", "BI-17", {"handover_id": to_finance})
    handover = signed_handover(client, signers, "80.00", "accountant")
    refused(client, f"{fee}/hand-in", "technician", "BI-15", {"handover_id": handover})
    booked = client.ok("POST", f"{fee}/hand-in", "accountant", {"handover_id": handover})
    assert (booked["status"], booked["handed_to"], booked["handover_missed"]) == (
        "handed_in",
        "accountant",
        False,
    )
    refused(client, f"{fee}/hand-in", "accountant", "BI-16", {"handover_id": handover})


def test_bi_16_a_fee_not_handed_in_by_the_close_of_its_day_is_flagged_once(
    client: ServiceClient, signers: Signers, restore_clock: None
) -> None:
    app = app_of(client)
    fee = collected(client, "50.00")
    app.catch_up_projections()
    FEE_HANDOVERS.tick(app)  # still within its day
    assert client.ok("GET", fee, "accountant")["handover_missed"] is False
    fee_id = UUID(fee.rsplit("/", 1)[1])
    after_close = app.service_fee(fee_id).handover_due_at + timedelta(minutes=1)
    clock.use(lambda: after_close)
    FEE_HANDOVERS.tick(app)
    app.catch_up_projections()
    FEE_HANDOVERS.tick(app)  # once
    stored = app.events.get(fee_id)
    missed = [event for event in stored if isinstance(event, ServiceFee.HandoverMissed)]
    assert len(missed) == 1
    rows = client.page("/service-fees?handover_missed=true", "finance")["items"]
    assert [r["receipt_no"] for r in rows] == [client.ok("GET", fee, "finance")["receipt_no"]]
    late = client.ok(
        "POST",
        f"{fee}/hand-in",
        "accountant",
        {"handover_id": signed_handover(client, signers, "50.00", "accountant")},
    )
    assert (late["status"], late["handover_missed"]) == ("handed_in", True)
