"""The customers' dashboard (RULES.md §8) on ``/metrics``: state built through the routes, the
figures scraped from the service's HTTP app match it, and Prometheus' own checker accepts the
exposition."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest
from prometheus_client.parser import text_string_to_metric_families

from contracts.topics import SERVICES
from customers.application import CustomersApplication
from customers.bootstrap import SPEC
from customers.domain.credit_investigation import FORM_ITEMS
from kernel.approvals.domain import seal_fields
from kernel.approvals.http import CaptureSignature
from kernel.settings import KernelSettings
from runtime.signing import init_dev_keys, service_key_id
from runtime.unit_of_work import CommandContext
from tests.conftest import USERS
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers

SATURDAY_MORNING = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
"""09:00 in Shanghai, the calendar's zone, at the end of the week of MONDAY."""
MONDAY = date(2026, 11, 30)
RECEIVER, WITNESS = "salesperson-2", "handover-witness"
BOUNCED = {"source": "billing", "facts": "Cheque 0042 bounced", "severity": "high"}
TIMER = CommandContext("customers:timer")

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


@pytest.fixture
def signers(store_settings: KernelSettings) -> Signers:
    """The development keys, the handover's receiver and witness included."""
    keys = store_settings.keys_path
    init_dev_keys(keys, [*USERS, RECEIVER, WITNESS, *map(service_key_id, SERVICES)])
    return Signers(keys)


@pytest.fixture
def client(
    store_settings: KernelSettings, signers: Signers, moved_clock: list[datetime]
) -> Iterator[ServiceClient]:
    moved_clock[0] = SATURDAY_MORNING
    with service_client(SPEC, store_settings) as client:
        yield client


def application(client: ServiceClient) -> CustomersApplication:
    assert isinstance(client.app, CustomersApplication)
    return client.app


def scrape(client: ServiceClient) -> str:
    """``/metrics`` once the projections have seen every committed event."""
    client.app.catch_up_projections()
    response = client.http.get("/metrics")
    assert response.status_code == 200
    return response.text


def samples(exposition: str) -> Samples:
    """The customers' samples: (name, sorted labels) -> value."""
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name.startswith("countersign_customers_")
    }


def value(found: Samples, name: str, **labels: str) -> float:
    return found[(name, tuple(sorted(labels.items())))]


def register(client: ServiceClient, name: str) -> str:
    return str(client.ok("POST", "/customers", "salesperson", {"legal_name": name})["customer_id"])


def grade(client: ServiceClient, customer_id: str, new: str) -> None:
    body = {"grade": new, "reason": "demand reassessed"}
    client.ok("POST", f"/customers/{customer_id}/grade", "sales-manager", body)


def abnormality(client: ServiceClient, customer_id: str) -> str:
    customer = client.ok("POST", f"/customers/{customer_id}/abnormalities", "warehouse", BOUNCED)
    return str(customer["open_review_id"])


def investigation(client: ServiceClient, customer_id: str) -> str:
    body = {"customer_id": customer_id, "method": "internal", "investigator_id": "salesperson"}
    opened = client.ok("POST", "/credit-investigations", "sales-manager", body)
    return f"/credit-investigations/{opened['investigation_id']}"


def handover(client: ServiceClient, *customer_ids: str) -> dict[str, Any]:
    body = {
        "transferor_id": "salesperson",
        "receiver_id": RECEIVER,
        "witness_id": WITNESS,
        "reason": "departure",
        "customer_ids": list(customer_ids),
    }
    drawn_up: dict[str, Any] = client.ok("POST", "/handovers", "sales-manager", body)
    return drawn_up


def sign(client: ServiceClient, signers: Signers, listed: dict[str, Any], signer: str) -> None:
    body = CaptureSignature(
        signer_id=signer,
        signer_name=signer,
        capacity="witness" if signer == WITNESS else "employee",
        method="e_sign",
        place="Shanghai",
        signed_at=datetime.fromisoformat(listed["initiated_at"]) + timedelta(seconds=1),
        seal="AAAA",
    )
    fields = seal_fields(
        "handover", listed["handover_id"], listed["version_hash"], body.capture(), signer
    )
    body.seal = signers.sign(signer, fields)
    answer = {**body.model_dump(mode="json"), "version_hash": listed["version_hash"]}
    client.ok("POST", f"/handovers/{listed['handover_id']}/sign", signer, answer)


def promtool_accepts(exposition: str) -> None:
    promtool = shutil.which("promtool")
    assert promtool is not None, "promtool is missing: `make test` installs Debian's prometheus"
    checked = subprocess.run(
        [promtool, "check", "metrics"], input=exposition, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_customers_dashboard_figures_follow_the_read_models(
    client: ServiceClient, signers: Signers, moved_clock: list[datetime]
) -> None:
    signers.put_policies_in_force(application(client))
    acme, bravo, charlie, delta = (register(client, n) for n in ("A", "B", "C", "D"))

    # CU-03, CU-05: ACME graded A then downgraded; Bravo C then upgraded; Charlie C.
    for customer_id, grades in ((acme, "AB"), (bravo, "CB"), (charlie, "C")):
        for new in grades:
            grade(client, customer_id, new)
    # CU-13, CU-06: two reports on Delta, held at once; Charlie's review decided: credit hold.
    abnormality(client, delta)
    abnormality(client, delta)
    client.ok("POST", f"/customers/{delta}/provisional-hold", "finance", {"reason": "Bounced"})
    review = f"/risk-reviews/{abnormality(client, charlie)}"
    client.ok("POST", f"{review}/checklist", "salesperson", {"checklist": "Late twice"})
    assessment = {"payment_history": "60 days late", "exposure": "500.00"}
    client.ok("POST", f"{review}/assessment", "finance", assessment)
    decision = {"decision": "credit_hold", "reason": "late on every invoice"}
    client.ok("POST", f"{review}/decision", "sales-manager", decision)
    # CU-08, CU-10: ACME's investigation blocked by a doubt; Bravo's completed.
    client.ok("POST", f"{investigation(client, acme)}/doubts", "finance", {"question": "Why?"})
    completed = investigation(client, bravo)
    answers = {"answers": {item: f"checked: {item}" for item in FORM_ITEMS}}
    client.ok("POST", f"{completed}/form", "salesperson", answers)
    client.ok("POST", f"{completed}/complete", "salesperson", {"conclusion": "pays on time"})
    # CU-14: a change request waiting for the manager.
    change = {"reason": "renamed after the merger", "legal_name": "ACME Flow Control"}
    client.ok("POST", f"/customers/{acme}/master-data-changes", "salesperson", change)
    # CU-18: this week's plan of two visits, one recorded.
    week = {
        "period": "week",
        "starts_on": MONDAY.isoformat(),
        "visits": [
            {"customer_id": acme, "on": "2026-12-01", "purpose": "Quote line 2"},
            {"customer_id": bravo, "on": "2026-12-02", "purpose": "Introduce"},
        ],
    }
    plan = client.ok("POST", "/visit-plans", "salesperson", week)
    visit = {"customer_id": acme, "visited_on": "2026-12-01", "facts": "New buyer"}
    client.ok("POST", f"/visit-plans/{plan['plan_id']}/visits", "salesperson", visit)
    # CU-15: ACME gets a deputy; CU-22: Charlie handed over in time, Delta's list still open.
    owners = {"owner_id": "salesperson", "deputy_id": RECEIVER, "reason": "business grew"}
    client.ok("POST", f"/customers/{acme}/owners", "sales-manager", owners)
    signed = handover(client, charlie)
    for party in ("salesperson", RECEIVER, WITNESS):
        sign(client, signers, signed, party)
    handover(client, delta)

    exposition = scrape(client)
    found = samples(exposition)
    for name, labels, expected in [
        ("countersign_customers_by_grade", {"grade": "A"}, 0),
        ("countersign_customers_by_grade", {"grade": "B"}, 2),
        ("countersign_customers_by_grade", {"grade": "C"}, 1),
        ("countersign_customers_grade_changes_total", {"direction": "upgrade"}, 1),
        ("countersign_customers_grade_changes_total", {"direction": "downgrade"}, 1),
        ("countersign_customers_grade_reviews_due", {}, 2),  # CU-05: the reports made them due
        ("countersign_customers_credit_investigations_in_progress", {}, 1),
        ("countersign_customers_credit_investigations_blocked", {}, 1),
        ("countersign_customers_credit_reviews_past_due", {}, 0),
        ("countersign_customers_risk_reviews_open", {}, 1),
        ("countersign_customers_by_standing", {"standing": "good"}, 2),
        ("countersign_customers_by_standing", {"standing": "provisional_hold"}, 1),
        ("countersign_customers_by_standing", {"standing": "credit_hold"}, 1),
        ("countersign_customers_by_standing", {"standing": "blacklisted"}, 0),
        ("countersign_customers_abnormality_reports_total", {"severity": "high"}, 3),
        ("countersign_customers_abnormality_reports_total", {"severity": "low"}, 0),
        ("countersign_customers_abnormality_reports_this_week", {}, 3),
        ("countersign_customers_stale_files", {}, 0),
        ("countersign_customers_master_data_changes_pending", {"status": "submitted"}, 1),
        ("countersign_customers_master_data_changes_pending", {"status": "approved"}, 0),
        ("countersign_customers_visits_planned", {"salesperson": "salesperson"}, 2),
        ("countersign_customers_visits_recorded", {"salesperson": "salesperson"}, 1),
        ("countersign_customers_target_customer_sheets_total", {"salesperson": "salesperson"}, 1),
        ("countersign_customers_handovers_signed_total", {"on_time": "true"}, 1),
        ("countersign_customers_handovers_signed_total", {"on_time": "false"}, 0),
        ("countersign_customers_handovers_overdue", {}, 0),
        ("countersign_customers_accounts_without_owner", {}, 0),
        ("countersign_customers_accounts_without_deputy", {}, 3),
    ]:
        assert value(found, name, **labels) == expected, (name, labels)
    promtool_accepts(exposition)

    # A half-year later: every grade and file due, the open handover late, a credit review due
    # (the timer records it), and no visit plan or report this week.
    moved_clock[0] += timedelta(days=183)
    application(client).note_credit_review_due(TIMER, UUID(bravo))
    later = samples(scrape(client))
    assert value(later, "countersign_customers_grade_reviews_due") == 4
    assert value(later, "countersign_customers_stale_files") == 4
    assert value(later, "countersign_customers_handovers_overdue") == 1
    assert value(later, "countersign_customers_credit_reviews_past_due") == 1
    assert value(later, "countersign_customers_abnormality_reports_this_week") == 0
    assert not any(name == "countersign_customers_visits_planned" for name, _ in later)


def test_figures_that_need_a_policy_in_force_wait_for_it_and_the_rest_are_served(
    client: ServiceClient,
) -> None:
    register(client, "ACME Valves")
    exposition = scrape(client)
    found = samples(exposition)
    # XC-07: the review interval and the calendar are not in force: no figure is made up.
    names = {name for name, _ in found}
    assert "countersign_customers_grade_reviews_due" not in names
    assert "countersign_customers_abnormality_reports_this_week" not in names
    assert value(found, "countersign_customers_by_standing", standing="good") == 1
    assert value(found, "countersign_customers_accounts_without_deputy") == 1
    assert "countersign_commands_total" in exposition  # the technical metrics are still there
    promtool_accepts(exposition)
