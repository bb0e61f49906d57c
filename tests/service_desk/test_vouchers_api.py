"""Service-desk opens a voucher per delivered unit (SD-02), listed from the ``vouchers`` read
table."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Tracking

from contracts.orders import DeliveryConfirmedByCustomer, OrderLine
from kernel.application import PolicyNotInForce
from kernel.settings import KernelSettings
from runtime.unit_of_work import CommandContext
from service_desk.bootstrap import SPEC
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers

POLICY = CommandContext("service-desk:policy")


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        yield client


def delivery(customer_id: UUID, serials: list[str]) -> DeliveryConfirmedByCustomer:
    return DeliveryConfirmedByCustomer(
        order_id=uuid4(),
        customer_id=customer_id,
        lines=[
            OrderLine(
                product_code="P-1",
                quantity=len(serials),
                unit_price=Decimal(1),
                serial_numbers=serials,
            ),
            OrderLine(product_code="P-2", quantity=5, unit_price=Decimal(1)),  # not serialised
        ],
        received_at=datetime(2026, 3, 15, 10, tzinfo=UTC),
    )


def test_sd02_a_voucher_per_delivered_unit_with_its_warranty(
    client: ServiceClient, store_settings: KernelSettings
) -> None:
    Signers(store_settings.keys_path).put_policies_in_force(client.app)
    customer_id = uuid4()
    delivered = delivery(customer_id, ["SN-3", "SN-1", "SN-2"])
    client.app.process(delivered, POLICY, Tracking("orders.events:0", 1))
    client.app.process(delivered, POLICY, Tracking("orders.events:0", 2))  # republished

    page = client.page(f"/vouchers?customer_id={customer_id}&limit=2", "service-clerk")
    assert page["total"] == 3
    assert [v["serial_number"] for v in page["items"]] == ["SN-1", "SN-2"]
    assert {v["warranty_until"] for v in page["items"]} == {"2027-03-15"}
    voucher = page["items"][0]
    assert client.ok("GET", f"/vouchers/{voucher['voucher_id']}", "technician") == voucher
    assert client.page("/vouchers?serial_number=SN-3", "technician")["total"] == 1
    # The warranty length came from the rule parameters the general manager signed.
    assert voucher["rule_parameters_version"] == 1


def test_xc07_sd02_no_voucher_opens_before_the_rule_parameters_are_in_force(
    client: ServiceClient, store_settings: KernelSettings
) -> None:
    customer_id = uuid4()
    delivered = delivery(customer_id, ["SN-9"])
    with pytest.raises(PolicyNotInForce) as waiting:
        client.app.process(delivered, POLICY, Tracking("orders.events:0", 1))
    assert (waiting.value.rule, waiting.value.policy_key) == ("XC-07", "rule-parameters")
    # Nothing written, the message not consumed: it is applied once the GM signed.
    assert client.app.recorder.max_notification_id() is None
    assert client.app.applied_position("orders.events:0") is None
    Signers(store_settings.keys_path).put_policies_in_force(client.app)
    client.app.process(delivered, POLICY, Tracking("orders.events:0", 1))
    assert client.page(f"/vouchers?customer_id={customer_id}", "technician")["total"] == 1
