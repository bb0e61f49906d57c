"""Billing answers a customer's credit review (CU-11, RULES §7 row 21) with the exposure it
keeps and what of its receivables is overdue, published for the customers service."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

from billing.adapters.outbound import OUTBOUND
from billing.domain.credit_exposure import CreditExposure
from billing.domain.invoice import Invoice
from contracts.billing import CreditReviewFiguresSupplied
from contracts.customers import CreditReviewDue
from runtime.unit_of_work import CommandContext, acting
from tests.billing.test_credit_api import Upstream, approved, request
from tests.service_client import ServiceClient

DUE_SINCE = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def test_cu_11_billing_answers_a_credit_review_with_the_exposure_and_the_overdue(
    client: ServiceClient,
) -> None:
    upstream = Upstream(client)
    customer_id = approved(upstream, "5000")
    upstream.publish(request(customer_id, "700"), "orders.events:0")
    with acting(CommandContext("finance")) as unit:
        # Issued 60 days before the review on 30 days' terms: overdue when it falls due.
        overdue = Invoice.issue_requested(
            uuid4(),
            uuid4(),
            customer_id,
            Decimal(400),
            "CNY",
            "s",
            "F-1",
            "finance",
            date(2026, 10, 2),
            30,
        )
        client.app.exposure_of(customer_id).invoiced(overdue.order_id, overdue.id, overdue.amount)
    client.app.commit(unit)

    upstream.publish(
        CreditReviewDue(customer_id=customer_id, last_reviewed_at=None, due_since=DUE_SINCE),
        "customers.events:1",
    )

    events = client.app.repository.event_store.get(CreditExposure.id_for(customer_id))
    (supplied,) = [e for e in events if isinstance(e, CreditExposure.ReviewFiguresSupplied)]
    published = OUTBOUND(supplied)
    assert isinstance(published, CreditReviewFiguresSupplied)
    assert published.customer_id == customer_id
    assert (published.open_receivables, published.overdue_receivables) == (400, 400)
    assert (published.reservations, published.unbilled_shipments) == (700, 0)
    assert (published.currency, published.as_of) == ("CNY", DUE_SINCE)
