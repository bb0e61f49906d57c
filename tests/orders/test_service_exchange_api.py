"""An exchange originated by service-desk on a real store (C10; RULES §7 row 16): a diagnosis
that the unit must be replaced opens one return request (exchange) from the service channel on
the unit's order, which the branch manager then confirms like any return (OR-24); a redelivered
diagnosis, one without a replacement, one of an order orders does not know or not delivered opens
nothing."""

from __future__ import annotations

import itertools
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import Tracking

from contracts.service_desk import DiagnosisRecorded
from orders.domain.product_return import ProductReturn
from runtime.unit_of_work import CommandContext
from tests.orders.order_flow import OrderFlow
from tests.orders.test_delivery_signing import shipped_order
from tests.orders.test_returns_api import delivered
from tests.service_client import ServiceClient

POLICY = CommandContext("orders:policy")
_POSITIONS = itertools.count(1)


def diagnosis(order_id: str | UUID | None, replace: bool = True) -> DiagnosisRecorded:
    return DiagnosisRecorded(
        call_id=uuid4(),
        customer_id=uuid4(),
        voucher_id=uuid4(),
        in_warranty=True,
        tampered=False,
        service_type="C",
        unit_to_be_replaced=replace,
        cause="Compressor seized beyond repair",
        diagnosed_by="technician",
        order_id=order_id,
        product_code="P-1",
        serial_number="SN-0001",
    )


def deliver(client: ServiceClient, event: Any, times: int = 1) -> None:
    for _ in range(times):
        tracking = Tracking("service-desk.events:0", next(_POSITIONS))
        client.app.process(event, POLICY, tracking)  # type: ignore[attr-defined]


def returns_of(client: ServiceClient, order_id: str | UUID) -> list[dict[str, Any]]:
    return list(client.page(f"/returns?order_id={order_id}", "sales-manager")["items"])


def test_c10_row_16_a_unit_to_be_replaced_opens_one_exchange_from_the_service_channel(
    client: ServiceClient, flow: OrderFlow
) -> None:
    order_id = delivered(client)
    event = diagnosis(order_id)
    deliver(client, event, times=2)
    (exchange,) = returns_of(client, order_id)
    assert exchange["return_id"] == str(ProductReturn.id_for_call(event.call_id))
    assert (exchange["status"], exchange["exchange"]) == ("requested", True)
    assert (exchange["service_call_id"], exchange["requested_by"]) == (
        str(event.call_id),
        "technician",
    )
    # OR-24: from here it follows the return chain, the branch manager confirming first.
    path = f"/returns/{exchange['return_id']}"
    approval = client.ok("GET", f"{path}/approval", "branch-manager")
    assert (approval["kind"], approval["next_step"]) == ("return", "branch_manager")
    flow.decide_over_http(path, "branch-manager")
    assert client.ok("GET", path, "salesperson")["status"] == "verifying"


def test_c10_row_16_no_replacement_or_an_unknown_order_opens_nothing(
    client: ServiceClient,
) -> None:
    order_id = delivered(client)
    before = client.app.recorder.max_notification_id()  # type: ignore[attr-defined]
    deliver(client, diagnosis(order_id, replace=False))
    deliver(client, diagnosis(None))
    unknown = uuid4()
    deliver(client, diagnosis(unknown))
    assert client.app.recorder.max_notification_id() == before  # type: ignore[attr-defined]
    assert returns_of(client, order_id) == returns_of(client, unknown) == []


def test_c10_row_16_an_order_not_delivered_opens_nothing(client: ServiceClient) -> None:
    order_id = shipped_order(client)
    before = client.app.recorder.max_notification_id()  # type: ignore[attr-defined]
    deliver(client, diagnosis(order_id))
    assert client.app.recorder.max_notification_id() == before  # type: ignore[attr-defined]
    assert returns_of(client, order_id) == []
