"""Orders answers a customer's credit review (CU-11, RULES §7 row 21) with its open pipeline:
the orders not delivered or cancelled, and what they come to, published for customers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

import pytest

from contracts.customers import CreditReviewDue
from contracts.orders import OpenPipelineSupplied
from kernel.settings import KernelSettings
from orders.adapters.outbound import OUTBOUND
from orders.bootstrap import SPEC
from orders.domain.known_customer import KnownCustomer
from tests.orders.order_flow import OrderFlow
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers

DUE_SINCE = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        Signers(store_settings.keys_path).put_policies_in_force(client.app)
        yield client


def pipeline(client: ServiceClient, customer_id: UUID) -> list[OpenPipelineSupplied]:
    events = client.app.events.get(customer_id)
    found = [OUTBOUND(e) for e in events if isinstance(e, KnownCustomer.OpenPipelineSupplied)]
    return [p for p in found if isinstance(p, OpenPipelineSupplied)]


def test_cu_11_orders_answers_a_credit_review_with_the_open_pipeline(
    client: ServiceClient, store_settings: KernelSettings
) -> None:
    flow = OrderFlow(client, Signers(store_settings.keys_path))
    customer_id = flow.customer()
    flow.place(customer_id)  # 2 x 10.50, a draft
    flow.place(customer_id, {"product_code": "P-2", "quantity": 1, "unit_price": "100"})
    other = flow.customer()
    flow.place(other)

    flow.publish(
        "customers.events",
        CreditReviewDue(customer_id=customer_id, last_reviewed_at=None, due_since=DUE_SINCE),
    )

    (answer,) = pipeline(client, customer_id)
    assert answer.customer_id == customer_id
    assert (answer.open_orders, answer.open_orders_amount) == (2, Decimal("121.00"))
    assert (answer.open_quotes_amount, answer.currency, answer.as_of) == (0, "CNY", DUE_SINCE)
