"""Sales contracts over HTTP on a real store, SQLite and PostgreSQL (RULES §4.2): drafted from the
won quote (OR-10), negotiated (OR-06), its deviation from the quote confirmed (OR-08) and its
non-standard terms consented to (OR-07) before review, reviewed with every issue confirmed (OR-09)
and approved through the matrix, signed by the customer through their own link and by the company
with its seal (OR-10), which raises ``ContractSigned`` with its payment terms; filed by the sales
clerk (OR-11, OR-13), flagged by the timer when filed or archived late, and bound into the month's
volume (OR-12). Refusals are 422s with the rule's id that change nothing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlparse
from uuid import UUID

import pytest

from contracts.orders import ContractSigned
from kernel.approvals.domain import Capacity, Method, SignatureCapture
from kernel.roles import Role
from kernel.settings import KernelSettings
from orders.adapters.outbound import OUTBOUND
from orders.application.sales_contracts import CONTRACT_CUSTODY, month_of
from orders.bootstrap import SPEC
from runtime import clock
from tests.orders.order_flow import scrape
from tests.orders.test_quotes_api import Customers, application, approved, refused
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers, page_answer

LIABILITY = "0.05% of the amount due for each day late"
TERMS = {"payment_terms_days": 30, "term_months": 12, "liability_clause": LIABILITY}
CUSTOMERS: dict[int, Customers] = {}
"""What the customers service published to each test's service."""


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        Signers(store_settings.keys_path).put_policies_in_force(application(client))
        CUSTOMERS[id(client)] = Customers(client)
        yield client
        del CUSTOMERS[id(client)]


@pytest.fixture
def signers(store_settings: KernelSettings) -> Signers:
    return Signers(store_settings.keys_path)


def won_quote(client: ServiceClient, signers: Signers) -> str:
    customers = CUSTOMERS[id(client)]
    quote_id = approved(client, signers, customers.registered())
    client.ok("POST", f"/quotes/{quote_id}/issue", "sales-clerk")
    client.ok("POST", f"/quotes/{quote_id}/won", "salesperson", {"feedback": "accepted"})
    return quote_id


def decide(client: ServiceClient, signers: Signers, contract_id: str, *deciders: str) -> None:
    roles = {
        "finance": Role.FINANCE,
        "legal-expert": Role.LEGAL_EXPERT,
        "sales-manager": Role.SALES_MANAGER,
        "gm": Role.LEADERSHIP_GM,
    }
    for user in deciders:
        signers.decide(application(client), UUID(contract_id), user, roles[user])


def contract(client: ServiceClient, contract_id: str) -> dict[str, Any]:
    found: dict[str, Any] = client.ok("GET", f"/sales-contracts/{contract_id}", "sales-manager")
    return found


def approved_contract(client: ServiceClient, signers: Signers) -> str:
    body = {"quote_id": won_quote(client, signers)} | TERMS
    contract_id = str(client.ok("POST", "/sales-contracts", "salesperson", body)["contract_id"])
    client.ok("POST", f"/sales-contracts/{contract_id}/submission", "salesperson")
    decide(client, signers, contract_id, "finance", "sales-manager")
    return contract_id


def company_seal(client: ServiceClient, signers: Signers, contract_id: str) -> None:
    capture = SignatureCapture(
        signer_id="gm",
        signer_name="Wu Hao",
        capacity=Capacity.EMPLOYEE,
        signer_org="Countersign",
        method=Method.SEAL,
        image_hash=hashlib.sha256(b"the company seal").hexdigest(),
        place="Shanghai",
        signed_at=clock.now(),
    )
    signers.seal(application(client), UUID(contract_id), "gm", capture)


def customer_signs(client: ServiceClient, contract_id: str) -> None:
    body = {"contact_name": "Zhao Lan", "contact": "+86 139 0000 0000", "open_hours": 72}
    link = client.ok(
        "POST", f"/sales-contracts/{contract_id}/signing-requests", "sales-clerk", body
    )
    page = urlparse(link["url"]).path
    assert "Sales contract" in client.http.get(page).text
    signed = client.http.post(page, json=page_answer())
    assert signed.status_code == 200, signed.text


def signed_contract(client: ServiceClient, signers: Signers) -> str:
    contract_id = approved_contract(client, signers)
    company_seal(client, signers, contract_id)
    customer_signs(client, contract_id)
    return contract_id


def test_or_08_or_07_a_contract_from_the_won_quote_confirms_its_deviations_first(
    client: ServiceClient, signers: Signers
) -> None:
    quote_id = won_quote(client, signers)
    cheaper = [{"product_code": "V-50", "quantity": 200, "unit_price": "115.00"}]
    body = {
        "quote_id": quote_id,
        "lines": cheaper,
        "special_clauses": ["Two operators trained on site"],
    } | TERMS
    refused(client, "/sales-contracts", "salesperson", body | {"liability_clause": " "}, "OR-10")
    drafted = client.ok("POST", "/sales-contracts", "salesperson", body)
    contract_id = str(drafted["contract_id"])
    assert drafted["deviations"] == [
        {"clause": "line V-50 unit price", "original": "120.00", "proposed": "115.00"}
    ]
    assert drafted["quoted_lines"][0]["unit_price"] == "120.00"
    note = {"note": "The customer asks for 4% off against a larger second order"}
    notes = f"/sales-contracts/{contract_id}/negotiation-notes"
    client.ok("POST", notes, "salesperson", note)
    refused(client, notes, "salesperson", {"note": " "}, "OR-06")

    submission = f"/sales-contracts/{contract_id}/submission"
    refused(client, submission, "salesperson", None, "OR-08")
    assert contract(client, contract_id)["status"] == "draft"  # nothing written
    client.ok("POST", f"/sales-contracts/{contract_id}/deviations", "salesperson")
    approval = client.ok("GET", f"/sales-contracts/{contract_id}/approval", "sales-manager")
    assert (approval["kind"], [s["name"] for s in approval["steps"]]) == (
        "deviation",
        ["sales_manager", "leadership"],  # a special clause is a non-standard term: major
    )
    decide(client, signers, contract_id, "sales-manager", "gm")
    assert contract(client, contract_id)["confirmed_hash"] == approval["version_hash"]

    client.ok("POST", submission, "salesperson")
    approval = client.ok("GET", f"/sales-contracts/{contract_id}/approval", "sales-manager")
    assert (approval["kind"], [s["name"] for s in approval["steps"]]) == (
        "contract",
        ["department_review", "legal_expert", "sales_manager", "leadership"],
    )
    decide(client, signers, contract_id, "finance", "legal-expert", "sales-manager", "gm")
    assert contract(client, contract_id)["status"] == "ready_to_sign"

    # OR-07: longer payment terms than the norm, changed after the approval, need consent again.
    revised = {"lines": cheaper} | TERMS | {"payment_terms_days": 90}
    client.ok("POST", f"/sales-contracts/{contract_id}/revision", "salesperson", revised)
    refused(client, submission, "salesperson", None, "OR-08")
    ordinary = {"quote_id": won_quote(client, signers)} | TERMS | {"payment_terms_days": 90}
    long_terms = str(client.ok("POST", "/sales-contracts", "salesperson", ordinary)["contract_id"])
    refused(client, f"/sales-contracts/{long_terms}/submission", "salesperson", None, "OR-07")
    client.ok("POST", f"/sales-contracts/{long_terms}/deviations", "salesperson")
    consent = client.ok("GET", f"/sales-contracts/{long_terms}/approval", "sales-manager")
    assert consent["kind"] == "non_standard_terms"
    decide(client, signers, long_terms, "sales-manager")
    client.ok("POST", f"/sales-contracts/{long_terms}/submission", "salesperson")
    waiting = client.page("/sales-contracts?status=under_review", "sales-manager")
    assert [c["contract_id"] for c in waiting["items"]] == [long_terms]
    # RULES §8: deviations re-approved per contract; none signed while some waited.
    figures = scrape(client)
    assert figures[("countersign_orders_contract_deviations_reapproved_total", ())] == 2
    assert figures[("countersign_orders_contracts_drafted_total", ())] == 2
    assert figures[("countersign_orders_contracts_signed_with_open_deviations", ())] == 0


def test_or_09_or_10_signed_by_both_parties_after_every_issue_is_confirmed(
    client: ServiceClient, signers: Signers
) -> None:
    contract_id = approved_contract(client, signers)
    base = f"/sales-contracts/{contract_id}"
    link = {"contact_name": "Zhao Lan", "contact": "+86 139 0000 0000", "open_hours": 72}
    issue = client.ok("POST", f"{base}/issues", "legal-expert", {"issue": "No cap on penalties"})
    (raised,) = issue["review_issues"]
    refused(client, f"{base}/signing-requests", "sales-clerk", link, "OR-09")
    assert client.call("POST", f"{base}/issues", "salesperson", {"issue": "x"}).status_code == 403
    confirmation = f"{base}/issues/{raised['issue_id']}/confirmation"
    refused(client, confirmation, "finance", {"resolution": "capped at 10%"}, "OR-09")
    client.ok("POST", confirmation, "sales-manager", {"resolution": "capped at 10%"})

    company_seal(client, signers, contract_id)
    assert contract(client, contract_id)["status"] == "ready_to_sign"
    customer_signs(client, contract_id)
    signed = contract(client, contract_id)
    assert signed["status"] == "signed" and signed["signed_at"] is not None
    refused(client, f"{base}/signing-requests", "sales-clerk", link, "OR-10")

    app = application(client)
    published = [OUTBOUND(event) for event in app.events.get(UUID(contract_id))]
    (event,) = [p for p in published if isinstance(p, ContractSigned)]
    assert (event.payment_terms_days, event.amount, event.sealed) == (30, 24000, True)
    assert event.version_hash == signed["approved_hash"]


def test_or_11_or_12_or_13_the_clerk_files_and_archives_and_the_timer_flags_misses(
    client: ServiceClient, signers: Signers, moved_clock: list[datetime]
) -> None:
    app = application(client)
    moved_clock[0] = datetime(2027, 3, 9, 2, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Shanghai
    on_time = signed_contract(client, signers)
    moved_clock[0] += timedelta(minutes=1)  # the volume numbers them in the order signed
    late = signed_contract(client, signers)
    refused(client, f"/sales-contracts/{on_time}/filing", "salesperson", None, "OR-13")
    filed = client.ok("POST", f"/sales-contracts/{on_time}/filing", "sales-clerk")
    assert (filed["status"], filed["custodian"], filed["filing_missed"]) == (
        "active",
        "sales-clerk",
        False,
    )
    signed_at = datetime.fromisoformat(contract(client, late)["signed_at"])
    filing_due, archive_due = app.custody_deadlines(signed_at)
    month = month_of(app.calendar, signed_at)
    volume = {"month": month, "volume_no": "SC-1"}
    refused(client, "/contract-volumes", "sales-clerk", volume, "OR-12")  # the month is not over

    moved_clock[0] = filing_due + timedelta(minutes=1)
    app.catch_up_projections()
    CONTRACT_CUSTODY.tick(app)
    missed = client.page("/sales-contracts?filing_missed=true", "sales-manager")
    assert [c["contract_id"] for c in missed["items"]] == [late]

    moved_clock[0] = archive_due + timedelta(minutes=1)
    app.catch_up_projections()
    CONTRACT_CUSTODY.tick(app)
    missed = client.page("/sales-contracts?archive_missed=true&sort=signed_at", "sales-manager")
    assert [c["contract_id"] for c in missed["items"]] == [on_time, late]
    refused(client, "/contract-volumes", "sales-clerk", volume, "OR-12")  # an original is missing
    client.ok("POST", f"/sales-contracts/{late}/filing", "sales-clerk")
    refused(client, "/contract-volumes", "salesperson", volume, "OR-13")
    bound = client.ok("POST", "/contract-volumes", "sales-clerk", volume)
    assert (bound["count"], bound["contract_ids"]) == (2, [on_time, late])
    assert client.ok("GET", f"/contract-volumes/{month}", "sales-clerk")["volume_no"] == "SC-1"
    refused(client, "/contract-volumes", "sales-clerk", volume, "OR-12")  # bound once
    archived = contract(client, late)
    assert (archived["volume_no"], archived["archive_number"]) == ("SC-1", 2)
    assert client.page("/sales-contracts?status=active", "sales-clerk")["total"] == 2


def test_bad_contract_input_is_refused_without_a_500(client: ServiceClient) -> None:
    answers = [
        client.call("POST", "/sales-contracts", "salesperson", {"payment_terms_days": -1}),
        client.call("POST", "/contract-volumes", "sales-clerk", {"month": "2026-13"}),
        client.call("GET", "/contract-volumes/2026-1", "sales-clerk"),
        client.call("GET", f"/sales-contracts/{UUID(int=1)}", "sales-clerk"),
    ]
    assert [a.status_code for a in answers] == [422, 422, 422, 404]
    unknown = client.call("POST", "/sales-contracts", "salesperson", TERMS)
    assert (unknown.status_code, unknown.json()["rule"]) == (422, "OR-10")
