"""The sales claim's standard procedure at the aggregate that guards it (OR-31): registered, the
facts gathered and the type settled, then a countermeasure the sales manager reviews, allowed and
refused."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from uuid import uuid4

import pytest

from kernel.roles import Role
from orders.domain.known_customer import KnownCustomer
from orders.domain.sales_claim import SALES_CLAIM, ClaimStatus, ClaimType, SalesClaim
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from tests.orders.test_quote_rules import MATRIX, grant, refused

SALESPERSON = frozenset({Role.SALESPERSON})


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def registered(claim_type: ClaimType | None = ClaimType.QUANTITY) -> SalesClaim:
    customer = KnownCustomer.learn(uuid4(), "ACME")
    return SalesClaim.register(
        customer, claim_type, "two pumps short", Decimal("210"), "salesperson", SALESPERSON
    )


def proposed() -> SalesClaim:
    claim = registered()
    claim.investigate(ClaimType.QUANTITY, "delivery note shows 8 of 10", "salesperson", SALESPERSON)
    claim.propose("ship the two missing pumps", Decimal(0), "salesperson", SALESPERSON)
    claim.request_approval(uuid4(), MATRIX.rule(SALES_CLAIM), 1, "salesperson", Decimal(0))
    return claim


def test_or_31_a_claim_investigated_then_resolved_with_the_sales_managers_review() -> None:
    claim = proposed()
    assert claim.status is ClaimStatus.PENDING_REVIEW
    grant(claim, "sales_manager", "sales-manager", Role.SALES_MANAGER)
    assert claim.status is ClaimStatus.RESOLVED


def test_or_31_refused_countermeasure_before_the_facts_are_gathered() -> None:
    claim = registered()
    with pytest.raises(RuleViolation) as excinfo:
        claim.propose("refund", Decimal(210), "salesperson", SALESPERSON)
    refused("OR-31", excinfo)
    assert claim.status is ClaimStatus.REGISTERED


def test_or_31_refused_resolution_reviewed_by_anyone_but_the_sales_manager() -> None:
    claim = proposed()
    with pytest.raises(RuleViolation) as excinfo:
        grant(claim, "sales_manager", "branch-manager", Role.BRANCH_MANAGER)
    refused("XC-07", excinfo)


def test_or_31_refused_investigation_without_findings() -> None:
    claim = registered(None)
    with pytest.raises(RuleViolation) as excinfo:
        claim.investigate(ClaimType.DELIVERY, "  ", "salesperson", SALESPERSON)
    refused("OR-31", excinfo)


def test_or_31_a_sales_complaint_becomes_a_claim_whose_type_is_settled_by_its_facts() -> None:
    complaint_id = uuid4()
    claim = SalesClaim.from_complaint(complaint_id, uuid4(), "major", "orders:policy")
    assert claim.id == SalesClaim.id_for_complaint(complaint_id)
    assert claim.claim_type is None and claim.severity == "major"
    claim.investigate(
        ClaimType.DELIVERY, "shipped a week late", "sales-manager", frozenset({Role.SALES_MANAGER})
    )
    assert claim.claim_type is ClaimType.DELIVERY
