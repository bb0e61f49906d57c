"""The sales pipeline over HTTP on a real store: a lead reported and acted on (OR-35), an inquiry
reported to the manager at once and decided by the approval chain (OR-01), the departments' input
(OR-02), a quote priced from its costs (OR-04), approved and issued in the approved version
(OR-03), followed up (OR-05), and none for a blacklisted customer (CU-06). Refusals are 422s with
the rule's id that change nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Tracking

from contracts.customers import CustomerBlacklisted, CustomerGradeChanged, CustomerRegistered
from kernel.roles import Role
from kernel.settings import KernelSettings
from orders.application import OrdersApplication
from orders.application.quotes import QUOTE_EXPIRY
from orders.bootstrap import SPEC
from runtime import clock
from runtime.unit_of_work import CommandContext
from tests.orders.order_flow import scrape
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers

POLICY = CommandContext("orders:policy")
ROLES = {
    "sales-manager": Role.SALES_MANAGER,
    "sales-manager-2": Role.SALES_MANAGER,
    "gm": Role.LEADERSHIP_GM,
}
PRICING = {
    "lines": [
        {"product_code": "V-50", "quantity": 200, "unit_price": "120.00", "unit_cost": "100.00"}
    ],
    "cost_basis_ref": "COST-2026-114",
    "market_price_ref": "MKT-2026-11",
}


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        Signers(store_settings.keys_path).put_policies_in_force(application(client))
        yield client


@pytest.fixture
def signers(store_settings: KernelSettings) -> Signers:
    return Signers(store_settings.keys_path)


def application(client: ServiceClient) -> OrdersApplication:
    app = client.app
    assert isinstance(app, OrdersApplication)
    return app


class Customers:
    """What the customers service published, as the inbox hands it over."""

    def __init__(self, client: ServiceClient) -> None:
        self.app = application(client)
        self.position = 0

    def publish(self, event: Any) -> None:
        self.position += 1
        self.app.process(event, POLICY, Tracking("customers.events:0", self.position))

    def registered(self, grade: str | None = None) -> str:
        customer_id = uuid4()
        self.publish(CustomerRegistered(customer_id=customer_id, legal_name="ACME", owner_id="s"))
        if grade is not None:
            self.publish(
                CustomerGradeChanged(
                    customer_id=customer_id, old_grade=None, new_grade=grade, decided_by="m"
                )
            )
        return str(customer_id)

    def blacklist(self, customer_id: str) -> None:
        self.publish(
            CustomerBlacklisted(
                customer_id=UUID(customer_id),
                reason="never pays",
                decided_by="sales-manager",
                review_id=uuid4(),
            )
        )


def refused(client: ServiceClient, path: str, user: str, body: Any, rule: str) -> dict[str, Any]:
    response = client.call("POST", path, user, body)
    assert response.status_code == 422, response.text
    answer: dict[str, Any] = response.json()
    assert set(answer) == {"rule", "reason", "details"}
    assert answer["rule"] == rule, answer
    return answer


def decide(
    client: ServiceClient,
    signers: Signers,
    document_id: str,
    *deciders: str,
    reject: str = "",
) -> None:
    for user in deciders:
        action = "reject" if reject else "grant"
        signers.decide(application(client), UUID(document_id), user, ROLES[user], action, reject)


def inquiry_body(customer_id: str, **changes: Any) -> dict[str, Any]:
    body = {
        "customer_id": customer_id,
        "kind": "inquiry",
        "requirements": "200 valves DN50 PN16, delivery in March",
        "estimated_value": "24000.00",
    }
    return body | changes


def registered(client: ServiceClient, customer_id: str, **changes: Any) -> dict[str, Any]:
    inquiry: dict[str, Any] = client.ok(
        "POST", "/inquiries", "salesperson", inquiry_body(customer_id, **changes)
    )
    return inquiry


def preparing(client: ServiceClient, signers: Signers, customer_id: str, **changes: Any) -> str:
    inquiry_id = str(registered(client, customer_id, **changes)["inquiry_id"])
    decide(client, signers, inquiry_id, "sales-manager")
    return inquiry_id


def drafted(client: ServiceClient, inquiry_id: str, pricing: dict[str, Any] = PRICING) -> str:
    body = {"inquiry_id": inquiry_id} | pricing
    quote = client.ok("POST", "/quotes", "salesperson", body)
    return str(quote["quote_id"])


def approved(client: ServiceClient, signers: Signers, customer_id: str) -> str:
    quote_id = drafted(client, preparing(client, signers, customer_id))
    client.ok("POST", f"/quotes/{quote_id}/submission", "salesperson")
    decide(client, signers, quote_id, "sales-manager")
    return quote_id


def test_or_35_a_lead_is_reported_judged_by_the_manager_and_acted_on(
    client: ServiceClient, signers: Signers
) -> None:
    customer_id = Customers(client).registered()
    body = {"source": "trade fair", "summary": "Plant expansion in 2027", "material": " "}
    refused(client, "/leads", "salesperson", body, "OR-35")  # the material goes with it
    lead = client.ok("POST", "/leads", "salesperson", body | {"material": "brochure, notes"})
    path = f"/leads/{lead['lead_id']}/qualification"
    judged = {"valuable": True, "action": "Quote the valves", "act_by": "2030-01-15T00:00:00Z"}
    assert client.call("POST", path, "salesperson", judged).status_code == 403
    refused(client, path, "sales-manager", judged | {"act_by": None}, "OR-35")
    client.ok("POST", path, "sales-manager", judged)

    inquiry = registered(client, customer_id, lead_id=str(lead["lead_id"]))
    acted = client.page("/leads?status=acted_on", "sales-manager")
    assert [(item["inquiry_id"], item["act_by"]) for item in acted["items"]] == [
        (inquiry["inquiry_id"], "2030-01-15T00:00:00Z")
    ]
    again = inquiry_body(customer_id, lead_id=str(lead["lead_id"]))
    refused(client, "/inquiries", "salesperson", again, "OR-35")
    assert client.page("/inquiries", "sales-manager")["total"] == 1  # nothing half-written


def test_or_01_an_inquiry_goes_to_the_manager_at_once_whose_grant_is_the_go(
    client: ServiceClient, signers: Signers
) -> None:
    customer_id = Customers(client).registered()
    refused(
        client, "/inquiries", "salesperson", inquiry_body(customer_id, requirements=" "), "OR-01"
    )
    tender = inquiry_body(customer_id, kind="tender")
    refused(client, "/inquiries", "salesperson", tender, "OR-01")  # a tender has a deadline
    refused(client, "/inquiries", "salesperson", inquiry_body(str(uuid4())), "CU-02")

    inquiry = registered(client, customer_id)
    assert inquiry["status"] == "awaiting_decision"
    waiting = client.page("/approvals/pending", "sales-manager")
    assert [
        (a["document_id"], a["kind"], a["roles"], a["due_at"] is not None) for a in waiting["items"]
    ] == [(inquiry["inquiry_id"], "bid_participation", ["sales_manager"], True)]
    to_decide = client.page("/inquiries?status=awaiting_decision", "sales-manager")
    assert [i["inquiry_id"] for i in to_decide["items"]] == [inquiry["inquiry_id"]]

    inquiry_id = str(inquiry["inquiry_id"])
    refused(client, "/quotes", "salesperson", {"inquiry_id": inquiry_id} | PRICING, "OR-01")
    decide(client, signers, inquiry_id, "sales-manager")
    assert client.ok("GET", f"/inquiries/{inquiry_id}", "salesperson")["status"] == "preparing"

    declined = str(registered(client, customer_id)["inquiry_id"])
    decide(client, signers, declined, "sales-manager", reject="outside our product range")
    answer = client.ok("GET", f"/inquiries/{declined}", "salesperson")
    assert (answer["status"], answer["decision_reason"]) == (
        "declined",
        "outside our product range",
    )
    # RULES §8: the time from the report to the go / no-go decision, from the read table.
    figures = scrape(client)
    for decision in ("go", "no_go"):
        labels = (("decision", decision),)
        assert figures[("countersign_orders_go_no_go_decisions_total", labels)] == 1
        assert figures[("countersign_orders_go_no_go_seconds_total", labels)] > 0


def test_or_01_a_major_or_grade_a_bid_is_decided_by_leadership_as_well(
    client: ServiceClient, signers: Signers
) -> None:
    customers = Customers(client)
    for customer_id, value in (
        (customers.registered(), "600000.00"),
        (customers.registered(grade="A"), "24000.00"),
    ):
        inquiry = registered(client, customer_id, estimated_value=value)
        inquiry_id = str(inquiry["inquiry_id"])
        assert inquiry["why_major"]
        decide(client, signers, inquiry_id, "sales-manager")
        assert client.ok("GET", f"/inquiries/{inquiry_id}", "sales-manager")["status"] == (
            "awaiting_decision"
        )
        decide(client, signers, inquiry_id, "gm")
        assert client.ok("GET", f"/inquiries/{inquiry_id}", "gm")["status"] == "preparing"


def test_or_02_the_departments_input_is_in_before_the_bid_is_submitted(
    client: ServiceClient, signers: Signers
) -> None:
    customer_id = Customers(client).registered()
    inquiry_id = preparing(
        client, signers, customer_id, kind="tender", deadline="2030-02-01T09:00:00Z"
    )
    quote_id = drafted(client, inquiry_id)
    refused(client, f"/quotes/{quote_id}/submission", "salesperson", None, "OR-02")

    path = f"/inquiries/{inquiry_id}/inputs"
    technical = {"department": "technical", "content_ref": "TECH-7: DN50 PN16 fits"}
    purchasing = {"department": "purchasing", "content_ref": "PUR-3: castings 6 weeks"}
    assert client.call("POST", path, "salesperson", technical).status_code == 403
    refused(client, path, "purchasing", technical, "OR-02")  # each department its own
    client.ok("POST", path, "technical", technical)
    refused(client, f"/quotes/{quote_id}/submission", "salesperson", None, "OR-02")
    inquiry = client.ok("POST", path, "purchasing", purchasing)
    assert inquiry["inputs"] == {
        "technical": "TECH-7: DN50 PN16 fits",
        "purchasing": "PUR-3: castings 6 weeks",
    }
    submitted = client.ok("POST", f"/quotes/{quote_id}/submission", "salesperson")
    assert submitted["status"] == "pending_approval"


def test_or_04_a_quote_is_priced_from_its_costs_and_a_thin_margin_goes_to_leadership(
    client: ServiceClient, signers: Signers
) -> None:
    customer_id = Customers(client).registered()
    inquiry_id = preparing(client, signers, customer_id)
    uncosted = PRICING | {
        "lines": [{"product_code": "V-50", "quantity": 1, "unit_price": "120.00", "unit_cost": "0"}]
    }
    refused(client, "/quotes", "salesperson", {"inquiry_id": inquiry_id} | uncosted, "OR-04")
    no_sheet = {"inquiry_id": inquiry_id} | PRICING | {"cost_basis_ref": ""}
    refused(client, "/quotes", "salesperson", no_sheet, "OR-04")

    thin = PRICING | {
        "lines": [
            {"product_code": "V-50", "quantity": 200, "unit_price": "104.00", "unit_cost": "100"}
        ]
    }
    quote_id = drafted(client, inquiry_id, thin)
    quote = client.ok("POST", f"/quotes/{quote_id}/submission", "salesperson")
    assert (quote["margin_percent"], quote["why_major"]) == ("3.85", ["below_margin_floor"])
    approval = client.ok("GET", f"/quotes/{quote_id}/approval", "sales-manager")
    assert [s["name"] for s in approval["steps"]] == ["sales_manager", "leadership"]


def test_or_03_only_the_approved_version_is_issued_bound_and_sealed(
    client: ServiceClient, signers: Signers
) -> None:
    customer_id = Customers(client).registered()
    quote_id = drafted(client, preparing(client, signers, customer_id))
    refused(client, f"/quotes/{quote_id}/issue", "sales-clerk", None, "OR-03")
    client.ok("POST", f"/quotes/{quote_id}/submission", "salesperson")
    decide(client, signers, quote_id, "sales-manager")

    cheaper = PRICING | {
        "lines": [
            {"product_code": "V-50", "quantity": 200, "unit_price": "118.00", "unit_cost": "100"}
        ]
    }
    revised = client.ok("POST", f"/quotes/{quote_id}/revision", "salesperson", cheaper)
    assert (revised["status"], revised["revision"], revised["approved_hash"]) == ("draft", 2, None)
    refused(client, f"/quotes/{quote_id}/issue", "sales-clerk", None, "OR-03")

    client.ok("POST", f"/quotes/{quote_id}/submission", "salesperson")
    decide(client, signers, quote_id, "sales-manager-2")
    issued = client.ok("POST", f"/quotes/{quote_id}/issue", "sales-clerk")
    assert issued["status"] == "issued"
    assert issued["issued_hash"] == issued["approved_hash"] is not None
    refused(client, f"/quotes/{quote_id}/revision", "salesperson", PRICING, "OR-03")


def test_cu_06_a_blacklisted_customer_receives_no_quote(
    client: ServiceClient, signers: Signers
) -> None:
    customers = Customers(client)
    customer_id = customers.registered()
    quote_id = approved(client, signers, customer_id)
    inquiry_id = preparing(client, signers, customer_id)
    customers.blacklist(customer_id)
    before = client.ok("GET", f"/quotes/{quote_id}", "salesperson")
    refused(client, f"/quotes/{quote_id}/issue", "sales-clerk", None, "CU-06")
    assert client.ok("GET", f"/quotes/{quote_id}", "salesperson") == before
    refused(client, "/quotes", "salesperson", {"inquiry_id": inquiry_id} | PRICING, "CU-06")
    refused(client, "/inquiries", "salesperson", inquiry_body(customer_id), "CU-06")


def test_or_05_an_issued_quote_is_followed_up_until_won_or_lost(
    client: ServiceClient, signers: Signers
) -> None:
    customer_id = Customers(client).registered()
    quote_id = approved(client, signers, customer_id)
    path = f"/quotes/{quote_id}"
    refused(client, f"{path}/follow-ups", "salesperson", {"feedback": "liked it"}, "OR-05")
    issued = client.ok("POST", f"{path}/issue", "sales-clerk")
    assert issued["issued_at"] < issued["follow_up_due_at"] < issued["valid_until"]
    due = client.page("/quotes?status=issued&sort=follow_up_due_at", "sales-manager")
    assert [q["quote_id"] for q in due["items"]] == [quote_id]
    awaiting = "countersign_orders_quotes_awaiting_follow_up"
    figures = scrape(client)
    assert figures[(awaiting, (("overdue", "no"),))] == 1
    assert figures[(awaiting, (("overdue", "yes"),))] == 0
    # RULES §8: the quote turnaround, inquiry → approved quote → issued.
    for stage in ("approved", "issued"):
        labels = (("stage", stage),)
        assert figures[("countersign_orders_quote_turnarounds_total", labels)] == 1
        assert figures[("countersign_orders_quote_turnaround_seconds_total", labels)] >= 0
    to_approval = ("countersign_orders_quote_turnaround_seconds_total", (("stage", "approved"),))
    assert figures[to_approval] > 0

    followed = client.ok("POST", f"{path}/follow-ups", "salesperson", {"feedback": "comparing"})
    assert (followed["last_feedback"], followed["follow_up_due_at"]) == ("comparing", None)
    assert client.call("POST", f"{path}/lost", "salesperson", {"reason": ""}).status_code == 422
    won = client.ok("POST", f"{path}/won", "salesperson", {"feedback": "order next week"})
    assert won["status"] == "won"
    refused(client, f"{path}/lost", "salesperson", {"reason": "too late"}, "OR-05")
    assert client.page("/quotes?status=won", "sales-manager")["total"] == 1
    # RULES §8: the win rate is won / (won + lost + expired); nothing awaits a follow-up.
    figures = scrape(client)
    assert figures[("countersign_orders_quotes", (("status", "won"),))] == 1
    assert figures[("countersign_orders_quotes", (("status", "lost"),))] == 0
    assert figures[(awaiting, (("overdue", "no"),))] == 0


def test_or_05_an_issued_quote_unanswered_past_its_validity_expires_on_its_own(
    client: ServiceClient, signers: Signers
) -> None:
    customer_id = Customers(client).registered()
    open_quote = approved(client, signers, customer_id)
    answered = approved(client, signers, customer_id)
    issued = client.ok("POST", f"/quotes/{open_quote}/issue", "sales-clerk")
    client.ok("POST", f"/quotes/{answered}/issue", "sales-clerk")
    client.ok("POST", f"/quotes/{answered}/lost", "salesperson", {"reason": "price"})
    app = application(client)
    app.catch_up_projections()

    QUOTE_EXPIRY.tick(app)  # still valid
    assert client.ok("GET", f"/quotes/{open_quote}", "salesperson")["status"] == "issued"
    later = datetime.fromisoformat(issued["valid_until"]) + timedelta(minutes=1)
    clock.use(lambda: later)
    try:
        QUOTE_EXPIRY.tick(app)
    finally:
        clock.use(lambda: datetime.now(tz=UTC))
    assert client.ok("GET", f"/quotes/{open_quote}", "salesperson")["status"] == "expired"
    assert client.ok("GET", f"/quotes/{answered}", "salesperson")["status"] == "lost"
