"""The customers service's reactions to the other services' events, fed as the inbox feeds them
(RULES §7 rows 3, 4, 6, 7, 8, 18, 22): the trading history records contracts, returns, receipts,
payments, surveys and complaints (CU-26); billing's grave news is an abnormality that opens the
dangerous-customer review and may hold the customer (CU-13, CU-06); repeated dissatisfaction
(CU-05) and the June and December reconciliation (BI-08, CU-05, CU-11) make reviews due. An
event about a customer the service does not know is recorded, never refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from itertools import count
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Tracking

from contracts.billing import (
    CreditReviewFiguresSupplied,
    InstrumentDishonoured,
    InvoiceReceiptSignedByCustomer,
    PaymentApplied,
    ReceivableOverdue,
    ReconciliationDiscrepancyFound,
    ReconciliationStatementIssued,
)
from contracts.customers import CreditReviewDue
from contracts.envelope import IntegrationEvent
from contracts.orders import (
    ContractSigned,
    OpenPipelineSupplied,
    OrderLine,
    OrderPlaced,
    RedOutboundOrderIssued,
    ReturnReceivedIntoWarehouse,
)
from contracts.service_desk import ComplaintClosed, SurveyRatings, SurveyResponseRecorded
from customers.adapters.outbound import OUTBOUND
from customers.bootstrap import SPEC
from customers.domain.customer import Customer
from kernel.application import KernelApplication
from kernel.settings import KernelSettings
from runtime.unit_of_work import CommandContext
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers

POLICY = CommandContext("customers:policy")
AT = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        assert isinstance(client.app, KernelApplication)
        Signers(store_settings.keys_path).put_policies_in_force(client.app)
        yield client


@pytest.fixture
def feed(client: ServiceClient) -> Iterator[Any]:
    """Apply an upstream event as the inbox does, each at a new position of its topic."""
    positions = count(1)

    def apply(event: IntegrationEvent) -> None:
        tracking = Tracking(f"{event.producer}.events:0", next(positions))
        client.app.process(event, POLICY, tracking)
        client.app.catch_up_projections()

    yield apply


def register(client: ServiceClient, name: str = "ACME Valves") -> UUID:
    customer = client.ok("POST", "/customers", "salesperson", {"legal_name": name})
    return UUID(customer["customer_id"])


def customer(client: ServiceClient, customer_id: UUID) -> Any:
    return client.ok("GET", f"/customers/{customer_id}", "sales-manager")


def history(client: ServiceClient, customer_id: UUID) -> Any:
    return client.ok("GET", f"/customers/{customer_id}/trading-history", "finance")


def entries(client: ServiceClient, customer_id: UUID) -> list[str]:
    page = client.page(f"/trading-entries?customer_id={customer_id}&limit=100", "sales-manager")
    return sorted(entry["kind"] for entry in page["items"])


def due(client: ServiceClient, path: str) -> list[UUID]:
    return [UUID(c["customer_id"]) for c in client.page(path, "sales-manager")["items"]]


def abnormalities(client: ServiceClient, customer_id: UUID) -> list[Any]:
    page = client.page("/abnormalities?limit=100", "sales-manager")
    return [a for a in page["items"] if a["customer_id"] == str(customer_id)]


def overdue(customer_id: UUID, days: int, receivable_id: UUID | None = None) -> ReceivableOverdue:
    return ReceivableOverdue(
        receivable_id=receivable_id or uuid4(),
        invoice_id=uuid4(),
        customer_id=customer_id,
        amount=Decimal("8000.00"),
        currency="CNY",
        days_overdue=days,
        threshold=30,
    )


def dishonoured(customer_id: UUID) -> InstrumentDishonoured:
    return InstrumentDishonoured(
        instrument_id=uuid4(),
        customer_id=customer_id,
        instrument_type="cheque",
        amount=Decimal("5000.00"),
        currency="CNY",
        maturity=date(2026, 11, 15),
        reason="insufficient funds",
    )


def discrepancy(customer_id: UUID, explained: bool) -> ReconciliationDiscrepancyFound:
    return ReconciliationDiscrepancyFound(
        statement_id=uuid4(),
        customer_id=customer_id,
        year=2026,
        period="H2",
        balance=Decimal("12000.00"),
        customer_balance=Decimal("9000.00"),
        currency="CNY",
        explained=explained,
        explanation="payment in transit" if explained else None,
    )


def survey(customer_id: UUID, lowest: int) -> SurveyResponseRecorded:
    ratings = SurveyRatings(attitude=4, technique=lowest, arrival_time=3, promise_keeping=4)
    return SurveyResponseRecorded(
        call_id=uuid4(), customer_id=customer_id, ratings=ratings, comments=None, responded_at=AT
    )


def complaint(customer_id: UUID, valid: bool) -> ComplaintClosed:
    return ComplaintClosed(
        complaint_id=uuid4(),
        customer_id=customer_id,
        subject="service",
        valid=valid,
        satisfaction="satisfied",
        closed_at=AT,
    )


def parameters(client: ServiceClient) -> Any:
    assert isinstance(client.app, KernelApplication)
    return client.app.rule_parameters().customers


# CU-26: the trading history (rows 3, 4, 6, 7)


def test_cu_26_contracts_returns_receipts_and_payments_accumulate_once_each(
    client: ServiceClient, feed: Any
) -> None:
    customer_id = register(client)
    order_id, return_id, invoice_id = uuid4(), uuid4(), uuid4()
    signed = ContractSigned(
        contract_id=uuid4(),
        customer_id=customer_id,
        version_hash="a" * 64,
        customer_signature_id=uuid4(),
        company_signature_id=uuid4(),
        sealed=True,
        amount=Decimal("30000.00"),
        currency="CNY",
        signed_at=AT,
    )
    line = OrderLine(product_code="P-1", quantity=2, unit_price=Decimal("12.50"))
    red = RedOutboundOrderIssued(
        return_id=return_id,
        order_id=order_id,
        customer_id=customer_id,
        red_outbound_id=uuid4(),
        lines=[line],
        currency="CNY",
    )
    received = ReturnReceivedIntoWarehouse(
        return_id=return_id,
        order_id=order_id,
        customer_id=customer_id,
        red_outbound_id=red.red_outbound_id,
        received_at=AT,
        discrepancy="one unit short",
    )
    receipt = InvoiceReceiptSignedByCustomer(
        invoice_id=invoice_id,
        order_id=order_id,
        customer_id=customer_id,
        signature_id=uuid4(),
        signed_at=AT,
    )
    paid = PaymentApplied(
        payment_id=uuid4(),
        customer_id=customer_id,
        amount=Decimal("25.00"),
        currency="CNY",
        method="bank_transfer",
        applied_to=[invoice_id],
        received_at=AT,
    )
    for event in (signed, red, received, receipt, paid):
        feed(event)
        feed(event)  # republished: counted once

    recorded = history(client, customer_id)
    assert recorded["trade"] == {"contracts": 1, "returns": 1, "returned": {"CNY": "25.00"}}
    payments = recorded["payment_record"]
    assert (payments["receipts_signed"], payments["payments"]) == (1, 1)
    assert (payments["paid"], payments["last_paid_at"]) == (
        {"CNY": "25.00"},
        "2026-11-20T02:00:00Z",
    )
    assert entries(client, customer_id) == [
        "contract",
        "payment",
        "receipt_signed",
        "return",
        "return_received",
    ]
    # CU-06: a return alone is history, not a review.
    assert customer(client, customer_id)["open_review_id"] is None


def test_cu_26_an_unknown_customer_gets_a_history_not_a_refusal(
    client: ServiceClient, feed: Any
) -> None:
    stranger = uuid4()
    feed(dishonoured(stranger))
    feed(overdue(stranger, parameters(client).overdue_abnormality_days + 1))
    feed(survey(stranger, lowest=1))
    feed(
        ReconciliationStatementIssued(
            statement_id=uuid4(),
            customer_id=stranger,
            year=2026,
            period="H1",
            balance=Decimal("100.00"),
            currency="CNY",
        )
    )
    assert entries(client, stranger) == ["dishonoured", "overdue", "survey"]
    assert abnormalities(client, stranger) == []


# CU-13, CU-06: billing's news (row 8)


def test_cu_13_a_dishonoured_instrument_opens_a_review_and_holds_the_customer_at_once(
    client: ServiceClient, feed: Any
) -> None:
    customer_id = register(client)
    bounced = dishonoured(customer_id)
    feed(bounced)
    feed(bounced)  # republished: one abnormality

    held = customer(client, customer_id)
    assert held["standing"] == "provisional_hold"
    [reported] = abnormalities(client, customer_id)
    assert (reported["source"], reported["severity"], reported["reported_by"]) == (
        "billing",
        "high",
        "billing",
    )
    assert reported["review_id"] == held["open_review_id"]
    assert "insufficient funds" in reported["facts"]
    review = client.ok("GET", f"/risk-reviews/{held['open_review_id']}", "sales-manager")
    assert review["trigger"] == "bounced_instrument"


def test_cu_13_billing_and_a_person_report_into_the_same_review(
    client: ServiceClient, feed: Any
) -> None:
    customer_id = register(client)
    person = {"source": "sales", "facts": "The owner left the country", "severity": "medium"}
    review_id = client.ok("POST", f"/customers/{customer_id}/abnormalities", "warehouse", person)[
        "open_review_id"
    ]
    feed(dishonoured(customer_id))
    feed(dishonoured(customer_id))  # another cheque: already held, still reported
    reports = abnormalities(client, customer_id)
    assert [(a["source"], a["review_id"]) for a in reports] == [
        ("sales", review_id),
        ("billing", review_id),
        ("billing", review_id),
    ]
    assert customer(client, customer_id)["standing"] == "provisional_hold"


def test_cu_13_a_receivable_overdue_past_the_threshold_opens_a_review_once(
    client: ServiceClient, feed: Any
) -> None:
    customer_id = register(client)
    threshold = parameters(client).overdue_abnormality_days
    receivable_id = uuid4()
    feed(overdue(customer_id, threshold, receivable_id))
    assert customer(client, customer_id)["open_review_id"] is None

    feed(overdue(customer_id, threshold + 1, receivable_id))
    feed(overdue(customer_id, threshold + 30, receivable_id))  # later still: no second report
    held = customer(client, customer_id)
    assert (held["standing"], held["open_review_id"] is not None) == ("provisional_hold", True)
    review = client.ok("GET", f"/risk-reviews/{held['open_review_id']}", "sales-manager")
    assert review["trigger"] == "overdue_receivables"
    assert len(abnormalities(client, customer_id)) == 1
    assert history(client, customer_id)["payment_record"]["overdue"] == {
        str(receivable_id): threshold + 30
    }


def test_cu_13_a_receivable_overdue_under_the_threshold_is_only_recorded(
    client: ServiceClient, feed: Any
) -> None:
    customer_id = register(client)
    feed(overdue(customer_id, parameters(client).overdue_abnormality_days))
    file = customer(client, customer_id)
    assert (file["standing"], file["open_review_id"]) == ("good", None)
    assert entries(client, customer_id) == ["overdue"]


def test_cu_13_an_unexplained_discrepancy_opens_a_review_without_a_hold(
    client: ServiceClient, feed: Any
) -> None:
    customer_id = register(client)
    feed(discrepancy(customer_id, explained=False))
    file = customer(client, customer_id)
    assert (file["standing"], file["open_review_id"] is not None) == ("good", True)
    [reported] = abnormalities(client, customer_id)
    assert reported["severity"] == "medium"


def test_cu_13_an_explained_discrepancy_is_only_recorded(client: ServiceClient, feed: Any) -> None:
    customer_id = register(client)
    feed(discrepancy(customer_id, explained=True))
    assert customer(client, customer_id)["open_review_id"] is None
    assert history(client, customer_id)["payment_record"]["unexplained_discrepancies"] == 0
    assert entries(client, customer_id) == ["discrepancy"]


# CU-05: the satisfaction profile (row 18)


def test_cu_05_repeated_dissatisfaction_makes_the_grade_review_due(
    client: ServiceClient, feed: Any
) -> None:
    customer_id = register(client)
    client.ok("POST", f"/customers/{customer_id}/grade", "sales-manager", {"grade": "B"})
    repeated = parameters(client).dissatisfactions_for_grade_review
    assert repeated == 2, "the test feeds one survey and one complaint"
    feed(survey(customer_id, lowest=2))
    assert customer_id not in due(client, "/customers/grade-review-due")

    feed(complaint(customer_id, valid=True))
    assert customer_id in due(client, "/customers/grade-review-due")
    satisfaction = history(client, customer_id)["satisfaction"]
    assert satisfaction == {
        "surveys": 1,
        "dissatisfied_surveys": 1,
        "complaints": 1,
        "valid_complaints": 1,
    }

    # Reviewed: the count starts again from the decision.
    body = {"grade": "C", "reason": "two complaints this quarter"}
    client.ok("POST", f"/customers/{customer_id}/grade", "sales-manager", body)
    assert customer_id not in due(client, "/customers/grade-review-due")
    feed(survey(customer_id, lowest=1))
    assert customer_id not in due(client, "/customers/grade-review-due")


def test_cu_05_satisfied_surveys_and_invalid_complaints_trigger_no_grade_review(
    client: ServiceClient, feed: Any
) -> None:
    customer_id = register(client)
    client.ok("POST", f"/customers/{customer_id}/grade", "sales-manager", {"grade": "B"})
    for _ in range(3):
        feed(survey(customer_id, lowest=3))
        feed(complaint(customer_id, valid=False))
    feed(survey(customer_id, lowest=1))  # one dissatisfied survey is not repeated
    assert customer_id not in due(client, "/customers/grade-review-due")
    assert history(client, customer_id)["satisfaction"]["dissatisfied_surveys"] == 1


# BI-08, CU-05, CU-11: the June and December reconciliation (row 22)


def test_cu_05_cu_11_the_reconciliation_statement_schedules_grade_and_credit_reviews(
    client: ServiceClient, feed: Any
) -> None:
    customer_id = register(client)
    other = register(client, "Bravo Pumps")
    client.ok("POST", f"/customers/{customer_id}/grade", "sales-manager", {"grade": "A"})
    assert customer_id not in due(client, "/customers/grade-review-due")
    assert customer_id not in due(client, "/credit-reviews/due")
    statement = ReconciliationStatementIssued(
        statement_id=uuid4(),
        customer_id=customer_id,
        year=2026,
        period="H2",
        balance=Decimal("12000.00"),
        currency="CNY",
    )
    feed(statement)
    feed(statement)  # republished: still one review of each

    assert due(client, "/customers/grade-review-due") == [customer_id]
    assert due(client, "/credit-reviews/due") == [customer_id]
    file = customer(client, customer_id)
    assert file["grade_review_due_since"] is not None
    assert file["credit_review_due_since"] is not None
    assert other not in due(client, "/credit-reviews/due")


# CU-05: repeated overdue payments and a large order are grade review triggers


def test_cu_05_repeated_overdue_payments_make_the_grade_review_due(
    client: ServiceClient, feed: Any
) -> None:
    customer_id = register(client)
    client.ok("POST", f"/customers/{customer_id}/grade", "sales-manager", {"grade": "B"})
    assert parameters(client).overdue_payments_for_grade_review == 2, "the test feeds two"
    first = uuid4()
    feed(overdue(customer_id, 5, first))
    feed(overdue(customer_id, 20, first))  # the same receivable, later: still one
    assert customer_id not in due(client, "/customers/grade-review-due")

    feed(overdue(customer_id, 3))
    assert customer_id in due(client, "/customers/grade-review-due")


def placed(customer_id: UUID, unit_price: str) -> OrderPlaced:
    line = OrderLine(product_code="P-1", quantity=1, unit_price=Decimal(unit_price))
    return OrderPlaced(order_id=uuid4(), customer_id=customer_id, lines=[line], currency="CNY")


def test_cu_05_a_large_order_makes_the_grade_review_due_a_smaller_one_does_not(
    client: ServiceClient, feed: Any
) -> None:
    customer_id = register(client)
    client.ok("POST", f"/customers/{customer_id}/grade", "sales-manager", {"grade": "C"})
    large = parameters(client).large_order_amount
    feed(placed(customer_id, str(large - Decimal("0.01"))))
    assert customer_id not in due(client, "/customers/grade-review-due")

    feed(placed(customer_id, str(large)))
    assert customer_id in due(client, "/customers/grade-review-due")


def credit_figures(customer_id: UUID, as_of: datetime, overdue: str) -> CreditReviewFiguresSupplied:
    return CreditReviewFiguresSupplied(
        customer_id=customer_id,
        currency="CNY",
        open_receivables=Decimal("1200.00"),
        overdue_receivables=Decimal(overdue),
        unbilled_shipments=Decimal("300.00"),
        reservations=Decimal("150.00"),
        as_of=as_of,
    )


def test_cu_11_a_credit_review_falling_due_is_published_for_billing_and_orders(
    client: ServiceClient, feed: Any
) -> None:
    customer_id = register(client)
    statement = ReconciliationStatementIssued(
        statement_id=uuid4(),
        customer_id=customer_id,
        year=2026,
        period="H2",
        balance=Decimal("100.00"),
        currency="CNY",
    )
    feed(statement)  # BI-08: the December statement makes the credit review due (row 22)

    (recorded,) = [
        e for e in client.app.events.get(customer_id) if isinstance(e, Customer.CreditReviewDue)
    ]
    due = OUTBOUND(recorded)
    assert isinstance(due, CreditReviewDue)
    assert due.customer_id == customer_id and due.last_reviewed_at is None
    assert due.due_since == recorded.timestamp


def test_cu_11_billing_s_and_orders_answers_reach_the_credit_review_confidential_levels_only(
    client: ServiceClient, feed: Any
) -> None:
    customer_id = register(client)
    later = datetime(2026, 11, 21, 2, 0, tzinfo=UTC)
    feed(credit_figures(customer_id, later, overdue="400.00"))
    feed(credit_figures(customer_id, AT, overdue="999.00"))  # older, arriving late: ignored
    feed(
        OpenPipelineSupplied(
            customer_id=customer_id,
            currency="CNY",
            open_orders=2,
            open_orders_amount=Decimal("5000.00"),
            open_quotes_amount=Decimal("12000.00"),
            as_of=later,
        )
    )

    shown = history(client, customer_id)  # finance
    figures = shown["credit_review_figures"]
    assert (figures["open_receivables"], figures["overdue_receivables"]) == ("1200.00", "400.00")
    assert shown["open_pipeline"]["open_orders"] == 2

    # CU-21: below the confidential levels the figures are not shown.
    for_sales = client.ok("GET", f"/customers/{customer_id}/trading-history", "salesperson")
    assert for_sales["credit_review_figures"] is None and for_sales["open_pipeline"] is None
    log = client.page(f"/customer-files/sensitive-reads?customer_id={customer_id}", "gm")
    assert ["credit_review_figures", "open_pipeline"] in [r["fields"] for r in log["items"]]
    assert "salesperson" not in {r["reader"] for r in log["items"]}
