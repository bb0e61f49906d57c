"""OR-32: a breach of a signed contract or a dispute over it is reported to leadership, the sales
manager drafts the countermeasures personally, and leadership decides the outcome, never
casually; at the aggregate and through the API, allowed and refused."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from kernel.roles import Role
from orders.domain.dispute import Dispute, DisputeStatus, Outcome
from runtime.unit_of_work import CommandContext, acting
from tests.orders.order_flow import scrape
from tests.orders.test_order_rules import refusal
from tests.orders.test_sales_contracts_api import (  # noqa: F401 (the fixtures of its store)
    client,
    signed_contract,
    signers,
)
from tests.orders.test_sales_order_api import refused
from tests.service_client import ServiceClient
from tests.signers import Signers

SALESPERSON = frozenset({Role.SALESPERSON})
MANAGER = frozenset({Role.SALES_MANAGER})
GM = frozenset({Role.LEADERSHIP_GM})


@dataclass
class Contract:
    signed_at: datetime | None = datetime(2027, 3, 9, tzinfo=UTC)
    id: UUID = field(default_factory=uuid4)
    customer_id: UUID = field(default_factory=uuid4)


@pytest.fixture
def in_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def reported() -> Dispute:
    return Dispute.report(Contract(), "paid 60 days late", "salesperson", SALESPERSON)


def test_or_32_reported_to_leadership_handled_by_the_sales_manager_decided_by_leadership(
    in_context: None,
) -> None:
    dispute = reported()
    assert dispute.reported_to == ("leadership_gm", "leadership_dgm")
    dispute.draft_countermeasure("claim the late-payment penalty", "sales-manager", MANAGER)
    dispute.resolve(Outcome.SETTLED, "the customer pays the penalty in May", "gm", GM)
    assert (dispute.status, dispute.outcome) == (DisputeStatus.RESOLVED, Outcome.SETTLED)


def test_or_32_refused_countermeasure_left_to_a_subordinate(in_context: None) -> None:
    with refusal("OR-32"):
        reported().draft_countermeasure("let it go", "salesperson", SALESPERSON)


def test_or_32_refused_a_waiver_without_leadership_or_the_managers_countermeasure(
    in_context: None,
) -> None:
    dispute = reported()
    with refusal("OR-32"):
        dispute.resolve(Outcome.WAIVED, "small amount", "gm", GM)
    dispute.draft_countermeasure("negotiate", "sales-manager", MANAGER)
    with refusal("OR-32"):
        dispute.resolve(Outcome.WAIVED, "small amount", "sales-manager", MANAGER)
    with refusal("OR-32"):
        dispute.resolve(Outcome.WAIVED, " ", "gm", GM)


def test_or_32_refused_for_a_contract_not_signed(in_context: None) -> None:
    with refusal("OR-32"):
        Dispute.report(Contract(signed_at=None), "late", "salesperson", SALESPERSON)


def test_or_32_a_dispute_through_the_api(client: ServiceClient, signers: Signers) -> None:  # noqa: F811
    contract_id = signed_contract(client, signers)
    body = {"contract_id": contract_id, "description": "two deliveries refused"}
    made = client.ok("POST", "/disputes", "salesperson", body)
    assert made["status"] == "reported" and made["reported_to"] == [
        "leadership_gm",
        "leadership_dgm",
    ]
    dispute_id = made["dispute_id"]
    measure = {"countermeasure": "meet the buyer, offer a new delivery date"}
    refused(client, f"/disputes/{dispute_id}/countermeasure", "salesperson", "OR-32", measure)
    assert scrape(client)[("countersign_orders_disputes_open", (("status", "reported"),))] == 1
    client.ok("POST", f"/disputes/{dispute_id}/countermeasure", "sales-manager", measure)
    outcome = {"outcome": "settled", "reason": "new date agreed in writing"}
    refused(client, f"/disputes/{dispute_id}/outcome", "sales-manager", "OR-32", outcome)
    done = client.ok("POST", f"/disputes/{dispute_id}/outcome", "dgm", outcome)
    assert (done["status"], done["outcome"]) == ("resolved", "settled")
    listed = client.page(f"/disputes?contract_id={contract_id}", "gm")
    assert [d["dispute_id"] for d in listed["items"]] == [dispute_id]
