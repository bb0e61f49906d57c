"""What the sales department asks the managers to approve on a customer's behalf, at the
aggregates that guard it: special fees (OR-15), stock held for a customer (OR-33) and service
proposals (OR-34), allowed and refused."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from uuid import uuid4

import pytest

from kernel.approvals.domain import ApprovalStatus, Approver
from kernel.roles import Role
from orders.domain.known_customer import KnownCustomer
from orders.domain.service_proposal import (
    SERVICE_PROPOSAL,
    Contributor,
    ProposalStatus,
    ServiceProposal,
)
from orders.domain.special_fee import (
    SPECIAL_FEE,
    FeeType,
    PaymentForm,
    SpecialFee,
    SpecialFeeStatus,
)
from orders.domain.stock_reservation import (
    STOCK_RESERVATION,
    ReservationStatus,
    ReservedProduct,
    StockReservation,
)
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from tests.orders.test_quote_rules import MATRIX, grant, refused

SALESPERSON = frozenset({Role.SALESPERSON})
MANAGER = frozenset({Role.SALES_MANAGER})
KEEPER = frozenset({Role.WAREHOUSE_KEEPER})
TECHNICAL = frozenset({Role.TECHNICAL_DEPARTMENT})
SERVICE = frozenset({Role.SERVICE_DEPARTMENT})


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def approved_customer(blacklisted: bool = False) -> KnownCustomer:
    known = KnownCustomer.learn(uuid4(), "ACME")
    known.approve(Decimal("1000"), "CNY")
    known.blacklist(blacklisted)
    return known


def fee(amount: str = "800", purpose: str = "store promotion in May") -> SpecialFee:
    requested = SpecialFee.request(
        approved_customer(),
        FeeType.MARKET_PROMOTION,
        Decimal(amount),
        PaymentForm.DISCOUNT,
        purpose,
        "salesperson",
        SALESPERSON,
    )
    requested.request_approval(uuid4(), MATRIX.rule(SPECIAL_FEE), 1, "salesperson", Decimal(amount))
    return requested


def test_or_15_the_sales_manager_then_leadership_approve_before_the_promise() -> None:
    requested = fee()
    assert [s.step.name for s in requested.approval.steps] == [  # type: ignore[union-attr]
        "sales_manager",
        "leadership_payment_form",
    ]
    grant(requested, "sales_manager", "sales-manager", Role.SALES_MANAGER)
    assert requested.status is SpecialFeeStatus.PENDING_APPROVAL
    grant(requested, "leadership_payment_form", "gm", Role.LEADERSHIP_GM)
    assert requested.status is SpecialFeeStatus.APPROVED
    requested.promise("salesperson")
    assert requested.status is SpecialFeeStatus.PROMISED
    assert requested.promised_by == "salesperson"


def test_or_15_refused_promise_with_only_the_sales_managers_agreement() -> None:
    requested = fee()
    grant(requested, "sales_manager", "sales-manager", Role.SALES_MANAGER)
    with pytest.raises(RuleViolation) as excinfo:
        requested.promise("salesperson")
    refused("OR-15", excinfo)
    assert requested.status is SpecialFeeStatus.PENDING_APPROVAL


def test_or_15_refused_promise_of_a_rejected_fee() -> None:
    requested = fee()
    requested.reject(
        "sales_manager",
        Approver("sales-manager", MANAGER, requested.version_hash, "signature"),
        "not in the budget",
    )
    assert requested.status is SpecialFeeStatus.REJECTED
    assert requested.approval.status is ApprovalStatus.REJECTED  # type: ignore[union-attr]
    with pytest.raises(RuleViolation) as excinfo:
        requested.promise("salesperson")
    refused("OR-15", excinfo)


def test_or_15_refused_leadership_before_the_sales_manager() -> None:
    requested = fee()
    with pytest.raises(RuleViolation) as excinfo:
        grant(requested, "leadership_payment_form", "gm", Role.LEADERSHIP_GM)
    refused("XC-01", excinfo)


def test_or_15_refused_without_a_positive_amount_or_a_purpose() -> None:
    for amount, purpose in (("0", "promotion"), ("800", "  ")):
        with pytest.raises(RuleViolation) as excinfo:
            fee(amount, purpose)
        refused("OR-15", excinfo)


def test_or_15_refused_unless_recorded_by_sales_staff() -> None:
    with pytest.raises(RuleViolation) as excinfo:
        SpecialFee.request(
            approved_customer(),
            FeeType.TEMPORARY_STAFF,
            Decimal("100"),
            PaymentForm.CASH,
            "promoters for the fair",
            "warehouse",
            frozenset({Role.WAREHOUSE_KEEPER}),
        )
    refused("OR-15", excinfo)


def test_or_15_refused_for_a_blacklisted_customer() -> None:
    with pytest.raises(RuleViolation) as excinfo:
        SpecialFee.request(
            approved_customer(blacklisted=True),
            FeeType.OTHER,
            Decimal("100"),
            PaymentForm.CREDIT_NOTE,
            "opening event",
            "salesperson",
            SALESPERSON,
        )
    refused("CU-06", excinfo)


# -- OR-33: stock held for a customer's regular products

PUMPS = (ReservedProduct("P-1", "Pump 2kW", 20),)


def reservation(products: tuple[ReservedProduct, ...] = PUMPS) -> StockReservation:
    requested = StockReservation.request(
        approved_customer(), products, "ordered monthly", "salesperson", SALESPERSON
    )
    requested.request_approval(uuid4(), MATRIX.rule(STOCK_RESERVATION), 1, "salesperson")
    return requested


def test_or_33_stock_is_held_once_the_sales_manager_approved() -> None:
    requested = reservation()
    grant(requested, "sales_manager", "sales-manager", Role.SALES_MANAGER)
    assert requested.status is ReservationStatus.APPROVED
    requested.hold("warehouse", KEEPER)
    assert requested.status is ReservationStatus.HELD and requested.held_by == "warehouse"
    requested.release("salesperson", "the customer changed supplier")
    assert requested.status is ReservationStatus.RELEASED


def test_or_33_refused_hold_before_the_sales_managers_approval() -> None:
    requested = reservation()
    with pytest.raises(RuleViolation) as excinfo:
        requested.hold("warehouse", KEEPER)
    refused("OR-33", excinfo)
    assert requested.status is ReservationStatus.PENDING_APPROVAL


def test_or_33_refused_approval_by_a_branch_manager() -> None:
    requested = reservation()
    with pytest.raises(RuleViolation) as excinfo:
        grant(requested, "sales_manager", "branch-manager", Role.BRANCH_MANAGER)
    refused("XC-07", excinfo)


def test_or_33_refused_hold_by_anyone_but_the_warehouse_keeper() -> None:
    requested = reservation()
    grant(requested, "sales_manager", "sales-manager", Role.SALES_MANAGER)
    with pytest.raises(RuleViolation) as excinfo:
        requested.hold("salesperson", SALESPERSON)
    refused("OR-33", excinfo)


def test_or_33_refused_without_products_in_positive_quantities() -> None:
    for products in ((), (ReservedProduct("P-1", "Pump", 0),), PUMPS + PUMPS):
        with pytest.raises(RuleViolation) as excinfo:
            reservation(products)
        refused("OR-33", excinfo)


# -- OR-34: service proposals


def proposal(value_added: str = "free yearly inspection") -> ServiceProposal:
    return ServiceProposal.draft(
        approved_customer(),
        "maintenance of 20 pumps",
        "on site within 24 h",
        "quarterly visits, report signed by the customer",
        Decimal("36000"),
        value_added,
        "salesperson",
        SALESPERSON,
    )


def submitted() -> ServiceProposal:
    drafted = proposal()
    drafted.contribute(Contributor.TECHNICAL, "visit checklist", "technical", TECHNICAL)
    drafted.contribute(Contributor.CUSTOMER_SERVICE, "hotline", "service-dept", SERVICE)
    drafted.submit("salesperson")
    rule = MATRIX.rule(SERVICE_PROPOSAL)
    drafted.request_approval(uuid4(), rule, 1, "salesperson", drafted.price)
    return drafted


def test_or_34_a_proposal_drafted_together_reviewed_then_offered() -> None:
    drafted = submitted()
    assert drafted.status is ProposalStatus.PENDING_APPROVAL
    grant(drafted, "sales_manager", "sales-manager", Role.SALES_MANAGER)
    grant(drafted, "finance_price_review", "finance", Role.FINANCE)
    assert drafted.status is ProposalStatus.APPROVED
    drafted.offer("salesperson")
    assert drafted.status is ProposalStatus.OFFERED


def test_or_34_refused_offer_before_finance_reviewed_the_price() -> None:
    drafted = submitted()
    grant(drafted, "sales_manager", "sales-manager", Role.SALES_MANAGER)
    with pytest.raises(RuleViolation) as excinfo:
        drafted.offer("salesperson")
    refused("OR-34", excinfo)


def test_or_34_refused_submission_without_the_technical_and_customer_service_parts() -> None:
    drafted = proposal()
    drafted.contribute(Contributor.TECHNICAL, "visit checklist", "technical", TECHNICAL)
    with pytest.raises(RuleViolation) as excinfo:
        drafted.submit("salesperson")
    refused("OR-34", excinfo)
    assert excinfo.value.details["missing"] == ["customer_service"]


def test_or_34_refused_a_part_added_by_another_department() -> None:
    drafted = proposal()
    with pytest.raises(RuleViolation) as excinfo:
        drafted.contribute(Contributor.TECHNICAL, "checklist", "service-dept", SERVICE)
    refused("OR-34", excinfo)


def test_or_34_refused_a_proposal_missing_a_part() -> None:
    with pytest.raises(RuleViolation) as excinfo:
        proposal(value_added=" ")
    refused("OR-34", excinfo)
    assert excinfo.value.details["missing"] == ["value_added"]
