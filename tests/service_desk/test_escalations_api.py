"""Escalations through service-desk's API on a real store, SQLite and PostgreSQL: major or
unresolvable field problems (SD-20), reported at once with the reporter's proposal and the
customer's demand, by the technician on the job to the unit leader or by the salesperson to the
sales manager, who take it to leadership through the kernel's major matters on the call (XC-06);
and the emergency path's fastest response time (SD-45)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from kernel.settings import KernelSettings
from service_desk.application.service_calls import SLA_BREACHES
from tests.service_client import ServiceClient
from tests.service_desk.test_service_calls_api import TUESDAY_10
from tests.service_desk.workshop import Workshop, opened_workshop


@pytest.fixture
def shop(store_settings: KernelSettings, moved_clock: list[datetime]) -> Iterator[Workshop]:
    with opened_workshop(store_settings, moved_clock) as shop:
        yield shop


@pytest.fixture
def client(shop: Workshop) -> ServiceClient:
    return shop.client


ISSUE = {
    "proposal": "Replace the whole pump unit at our cost",
    "customer_demand": "A new unit within the week",
}


def test_sd_20_the_technician_reports_a_major_problem_to_the_unit_leader_who_escalates(
    client: ServiceClient, shop: Workshop
) -> None:
    call_id = str(shop.register(shop.customer())["call_id"])
    path = f"/service-calls/{call_id}"
    # Only a technician dispatched on the job reports from the field.
    shop.refused("POST", f"{path}/major-issues", "technician", ISSUE, "SD-20")
    shop.dispatched(call_id)
    client.ok("POST", f"{path}/arrival", "technician")
    client.ok("POST", f"{path}/major-issues", "technician", ISSUE)
    trail = client.ok("GET", f"/audit-trail/{call_id}", "service-supervisor")
    [reported] = [e for e in trail if e["event"].endswith("MajorIssueReported")]
    assert (reported["details"]["reported_to"], reported["details"]["proposal"]) == (
        "unit_leader",
        ISSUE["proposal"],
    )

    matter = {
        "kind": "field_problem",
        "conditions": ["unresolvable"],
        "summary": "The pump housing is cracked; the site cannot repair it",
        **ISSUE,
    }
    # The technician does not go to leadership directly: the unit leader does (XC-06).
    shop.refused("POST", f"{path}/major-matters", "technician", matter, "XC-06")
    # A problem the field can solve is not a major matter.
    ordinary = {**matter, "conditions": []}
    shop.refused("POST", f"{path}/major-matters", "unit-leader", ordinary, "XC-06")
    matter_id = client.ok("POST", f"{path}/major-matters", "unit-leader", matter)["matter_id"]
    decided = client.ok(
        "POST",
        f"{path}/major-matters/{matter_id}/decision",
        "gm",
        {"decision": "Replace the unit; the supplier claim follows"},
    )
    assert (decided["reporter_role"], decided["decided_by"]) == ("unit_leader", "gm")


def test_sd_20_a_salesperson_reports_an_unresolvable_problem_to_the_sales_manager(
    client: ServiceClient, shop: Workshop
) -> None:
    call_id = str(shop.register(shop.customer())["call_id"])
    path = f"/service-calls/{call_id}"
    client.ok("POST", f"{path}/major-issues", "salesperson", ISSUE)
    trail = client.ok("GET", f"/audit-trail/{call_id}", "sales-manager")
    [reported] = [e for e in trail if e["event"].endswith("MajorIssueReported")]
    assert reported["details"]["reported_to"] == "sales_manager"
    # Service clerks log calls; they do not report field problems.
    assert client.call("POST", f"{path}/major-issues", "service-clerk", ISSUE).status_code == 403


def test_sd_45_an_emergency_gets_the_fastest_response_and_misses_it_when_late(
    client: ServiceClient, shop: Workshop, moved_clock: list[datetime]
) -> None:
    customer_id = shop.customer()
    emergency = shop.register(customer_id, emergency=True)
    ordinary = shop.register(customer_id)
    fastest = TUESDAY_10 + timedelta(hours=2)  # the emergency response time in force
    assert datetime.fromisoformat(emergency["sla_due_at"]) == fastest
    assert datetime.fromisoformat(ordinary["sla_due_at"]) > fastest  # 6 working hours
    listed = client.page("/service-calls/dispatch-list", "service-supervisor")
    assert [c["call_id"] for c in listed["items"]] == [emergency["call_id"], ordinary["call_id"]]
    for call in (emergency, ordinary):
        shop.dispatched(call["call_id"])

    moved_clock[0] = TUESDAY_10 + timedelta(hours=3)
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    SLA_BREACHES.tick(client.app)
    late = client.ok("POST", f"/service-calls/{emergency['call_id']}/arrival", "technician")
    assert (late["sla_met"], late["sla_breached"]) == (False, True)
    in_time = client.ok("POST", f"/service-calls/{ordinary['call_id']}/arrival", "technician")
    assert (in_time["sla_met"], in_time["sla_breached"]) == (True, False)
