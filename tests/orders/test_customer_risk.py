"""Orders learns the customer's standing from the customers service and refuses every new
transaction with a blacklisted customer (CU-06): at the aggregate, and through the policies and
the API on a real store."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.persistence import Tracking

from contracts.customers import (
    CreditHoldPlaced,
    CreditHoldReleased,
    CustomerApproved,
    CustomerBlacklisted,
    CustomerRegistered,
    CustomerRemovedFromBlacklist,
)
from kernel.settings import KernelSettings
from orders.application import OrdersApplication
from orders.bootstrap import SPEC
from orders.domain.known_customer import KnownCustomer
from orders.domain.order import Order, OrderLine
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from tests.service_client import ServiceClient, service_client

LINE = OrderLine("P-1", "pump", 1, Decimal("10.50"), ())
POLICY = CommandContext("orders:policy")


def test_cu_06_no_order_for_a_blacklisted_customer() -> None:
    with acting(CommandContext(actor="tester")):
        customer = KnownCustomer.learn(uuid4(), "ACME")
        customer.approve(Decimal(1000), "CNY")
        customer.blacklist(True)
        with pytest.raises(RuleViolation) as refused:
            Order.place(customer, (LINE,), "salesperson", uuid4())
        assert refused.value.rule == "CU-06"
        customer.blacklist(False)
        assert Order.place(customer, (LINE,), "salesperson", uuid4()).customer_id == customer.id


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        yield client


def test_cu_06_orders_learns_the_standing_and_refuses_a_blacklisted_customer(
    client: ServiceClient,
) -> None:
    app = client.app
    assert isinstance(app, OrdersApplication)
    customer_id = uuid4()
    review_id, approval_id = uuid4(), uuid4()
    positions = iter(range(1, 100))

    def receive(*events: object) -> None:
        for event in events:
            app.process(event, POLICY, Tracking("customers.events:0", next(positions)))

    def place() -> tuple[int, dict[str, object]]:
        line = {"product_code": "P-1", "quantity": 1, "unit_price": "2.50"}
        body = {"customer_id": str(customer_id), "lines": [line], "contract_id": str(uuid4())}
        response = client.call("POST", "/orders", "salesperson", body)
        return response.status_code, response.json()

    def known() -> KnownCustomer:
        customer = app.known_customer(customer_id)
        assert customer is not None
        return customer

    receive(
        CustomerRegistered(customer_id=customer_id, legal_name="ACME", owner_id="s"),
        CustomerApproved(
            customer_id=customer_id, credit_limit=Decimal(900), currency="CNY", approved_by="m"
        ),
        CreditHoldPlaced(
            customer_id=customer_id,
            reason="cheque bounced",
            provisional=True,
            placed_by="finance",
            review_id=review_id,
        ),
    )
    assert (known().credit_hold, known().blacklisted) == (True, False)

    receive(
        CustomerBlacklisted(
            customer_id=customer_id, reason="absconded", decided_by="gm", review_id=review_id
        )
    )
    status, answer = place()
    assert (status, answer["rule"]) == (422, "CU-06")
    assert client.page("/orders", "sales-manager")["total"] == 0

    receive(
        CustomerRemovedFromBlacklist(
            customer_id=customer_id,
            reason="settled",
            released_by="sales-manager",
            approval_id=approval_id,
        )
    )
    assert (known().credit_hold, known().blacklisted) == (False, False)
    assert place()[0] == 201

    receive(
        CreditHoldPlaced(
            customer_id=customer_id,
            reason="late again",
            provisional=False,
            placed_by="sales-manager",
            review_id=review_id,
        ),
        CreditHoldReleased(
            customer_id=customer_id,
            reason="settled",
            released_by="sales-manager",
            approval_id=approval_id,
        ),
    )
    assert known().credit_hold is False
