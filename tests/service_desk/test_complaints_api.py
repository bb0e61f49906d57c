"""The complaint (RULES §4.10) through service-desk's API on a real store, SQLite and PostgreSQL:
intake with the reply promised in working days (SD-34), the investigation (SD-35), the routing
through the authority matrix, major ones to leadership (SD-32, C1, SD-41), the department's
solution (SD-36) agreed before it is carried out (SD-37), the visit (SD-33, C2), follow-ups
(SD-38), closure or reopening (SD-39), the missed limits flagged and the figures (SD-41)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Tracking

from contracts.customers import CustomerRegistered
from contracts.topics import SERVICES
from kernel.settings import KernelSettings
from runtime.aggregate import RuleViolation
from runtime.signing import init_dev_keys, service_key_id
from runtime.unit_of_work import CommandContext
from service_desk.adapters.outbound import OUTBOUND
from service_desk.application.complaints import MISSED_LIMITS
from service_desk.bootstrap import SPEC
from tests.conftest import USERS
from tests.customers.test_metrics import promtool_accepts
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers

POLICY = CommandContext("service-desk:policy")
TUESDAY_10 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
"""10:00 in Shanghai, the calendar's zone, on a working Tuesday."""
DESK = "service-department"


@pytest.fixture
def client(store_settings: KernelSettings, moved_clock: list[datetime]) -> Iterator[ServiceClient]:
    init_dev_keys(
        store_settings.keys_path,
        [*USERS, *map(service_key_id, SERVICES), DESK, "service-clerk"],
    )
    moved_clock[0] = TUESDAY_10
    with service_client(SPEC, store_settings) as client:
        Signers(store_settings.keys_path).put_policies_in_force(client.app)
        yield client


class Desk:
    """Customer service's side of a complaint, through the API."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client
        self.signers = Signers(client.app.settings.keys_path)  # type: ignore[attr-defined]
        self.positions = 0

    def customer(self) -> UUID:
        customer_id = uuid4()
        registered = CustomerRegistered(customer_id=customer_id, legal_name="ACME", owner_id="s")
        self.positions += 1
        position = Tracking("customers.events:0", self.positions)
        self.client.app.process(registered, POLICY, position)  # type: ignore[attr-defined]
        return customer_id

    def post(self, complaint_id: str, step: str, body: Any, user: str = DESK) -> Any:
        return self.client.ok("POST", f"/complaints/{complaint_id}/{step}", user, body)

    def refused(self, complaint_id: str, step: str, body: Any, rule: str, user: str = DESK) -> None:
        before = self.client.app.recorder.max_notification_id()  # type: ignore[attr-defined]
        response = self.client.call("POST", f"/complaints/{complaint_id}/{step}", user, body)
        assert (response.status_code, response.json()["rule"]) == (422, rule), response.text
        assert self.client.app.recorder.max_notification_id() == before  # type: ignore[attr-defined]

    def receive(self, subject: str = "service", user: str = "service-clerk") -> Any:
        body = {
            "customer_id": str(self.customer()),
            "channel": "phone",
            "subject": subject,
            "description": "The technician came two days late",
        }
        return self.client.ok("POST", "/complaints", user, body)

    def decide(self, complaint_id: str, user: str, role: str) -> None:
        self.signers.decide(self.client.app, UUID(complaint_id), user, role)  # type: ignore[arg-type]

    def valid(self, subject: str = "service") -> str:
        complaint_id = str(self.receive(subject)["complaint_id"])
        investigation = {
            "valid": True,
            "findings": "Dispatched a day late",
            "investigation_form_ref": "INV-1",
            "responsible_dept": "service",
        }
        self.post(complaint_id, "investigation", investigation)
        return complaint_id

    def routed(self, subject: str = "service") -> str:
        complaint_id = self.valid(subject)
        self.post(complaint_id, "classification", {"severity": "general"}, "service-clerk")
        self.decide(complaint_id, DESK, "service_department")
        return complaint_id

    def implemented(self, subject: str = "service") -> str:
        complaint_id = self.routed(subject)
        self.post(complaint_id, "assignment", {"dept": "service", "transfer_form_ref": "TR-1"})
        self.post(complaint_id, "solution", {"solution": "A free maintenance visit"})
        opinion = {"accepted": True, "opinion_form_ref": "OP-1"}
        self.post(complaint_id, "customer-opinion", opinion)
        self.post(complaint_id, "implementation", None)
        return complaint_id


@pytest.fixture
def desk(client: ServiceClient) -> Desk:
    return Desk(client)


def test_sd_34_recorded_with_the_reply_promised_in_five_working_days(
    client: ServiceClient, desk: Desk
) -> None:
    complaint = desk.receive()
    assert complaint["status"] == "acknowledged"
    # Tuesday 1 December: five working days on is Tuesday 8th, at the close (17:30 Shanghai).
    assert complaint["reply_due_at"] == "2026-12-08T09:30:00Z"
    unknown = {"customer_id": str(uuid4()), "channel": "phone", "subject": "service"}
    response = client.call("POST", "/complaints", DESK, {**unknown, "description": "Late"})
    assert (response.status_code, response.json()["rule"]) == (422, "SD-34")
    ahead = {**unknown, "customer_id": str(desk.customer()), "description": "Late"}
    ahead["received_at"] = (TUESDAY_10 + timedelta(hours=2)).isoformat()
    response = client.call("POST", "/complaints", DESK, ahead)
    assert (response.status_code, response.json()["rule"]) == (422, "SD-34")
    assert client.call("POST", "/complaints", "technician", ahead).status_code == 403
    register = client.page("/complaints", "service-supervisor")
    assert [c["complaint_id"] for c in register["items"]] == [complaint["complaint_id"]]


def test_sd_34_sd_36_missed_limits_are_flagged_once_and_counted(
    client: ServiceClient, desk: Desk, moved_clock: list[datetime]
) -> None:
    late = desk.receive()["complaint_id"]
    answered = desk.routed()
    desk.post(answered, "assignment", {"dept": "service", "transfer_form_ref": "TR-1"})
    moved_clock[0] = TUESDAY_10 + timedelta(days=3)  # Friday: the department's 3 WD not over
    desk.post(answered, "solution", {"solution": "A free visit"})
    moved_clock[0] = TUESDAY_10 + timedelta(days=8)  # past the promised reply
    client.app.catch_up_projections()
    MISSED_LIMITS.tick(client.app)
    client.app.catch_up_projections()
    MISSED_LIMITS.tick(client.app)
    assert client.ok("GET", f"/complaints/{late}", DESK)["reply_due_at"] is None
    metrics = client.http.get("/metrics").text
    assert 'countersign_service_desk_complaint_limits_missed_total{limit="reply"} 1.0' in metrics
    assert 'countersign_service_desk_complaint_limits_missed_total{limit="solution"} 0.0' in metrics
    promtool_accepts(metrics)


def test_sd_35_an_invalid_complaint_goes_back_to_the_customer_a_valid_one_names_the_dept(
    client: ServiceClient, desk: Desk
) -> None:
    complaint_id = desk.receive()["complaint_id"]
    investigation = {"valid": True, "findings": "Late", "investigation_form_ref": "INV-1"}
    desk.refused(complaint_id, "investigation", investigation, "SD-35")
    invalid = {**investigation, "valid": False, "notice_method": "phone"}
    found = desk.post(complaint_id, "investigation", invalid)
    assert (found["status"], found["valid"], found["reply_due_at"]) == ("follow_up", False, None)
    assert found["follow_up_due_at"] == "2026-12-08T09:30:00Z"


def test_sd_32_c1_sd_41_a_major_complaint_is_routed_to_leadership_and_published(
    client: ServiceClient, desk: Desk
) -> None:
    complaint_id = desk.valid("sales")
    desk.refused(complaint_id, "classification", {"severity": "general", "critical": True}, "SD-32")
    classified = desk.post(
        complaint_id, "classification", {"severity": "major", "critical": True}, "service-clerk"
    )
    assert classified["status"] == "routing"
    pending = client.page("/approvals/pending", DESK)
    assert [(a["document_id"], a["kind"]) for a in pending["items"]] == [
        (complaint_id, "complaint_escalation")
    ]
    with pytest.raises(RuleViolation) as own:  # who recorded it does not route it (XC-05)
        desk.decide(complaint_id, "service-clerk", "service_department")
    assert own.value.rule == "XC-05"
    desk.decide(complaint_id, DESK, "service_department")
    desk.refused(complaint_id, "assignment", {"dept": "sales", "transfer_form_ref": "T"}, "SD-36")
    desk.decide(complaint_id, "dgm", "leadership_dgm")
    desk.decide(complaint_id, "gm", "leadership_gm")
    assert client.ok("GET", f"/complaints/{complaint_id}", DESK)["status"] == "routed"

    event = next(
        e
        for e in client.app.recorder.select_notifications(1, 1000)  # type: ignore[attr-defined]
        if e.topic.endswith("Complaint.Classified")
    )
    published = OUTBOUND(client.app.mapper.to_domain_event(event))  # type: ignore[attr-defined]
    assert published is not None and published.event_type == "ComplaintClassified"
    assert published.model_dump(
        include={"subject", "severity", "escalated_to", "reported_to", "visitor_role"}
    ) == {
        "subject": "sales",
        "severity": "major",
        "escalated_to": ["leadership_dgm", "leadership_gm"],
        "reported_to": ["leadership_gm", "cs_manager"],
        "visitor_role": "business_supervisor",
    }


def test_sd_36_sd_37_the_solution_is_agreed_with_the_customer_before_it_is_carried_out(
    client: ServiceClient, desk: Desk
) -> None:
    complaint_id = desk.routed()
    assigned = desk.post(
        complaint_id, "assignment", {"dept": "service", "transfer_form_ref": "TR-1"}
    )
    # Three working days from Tuesday: Friday at the close.
    assert assigned["solution_due_at"] == "2026-12-04T09:30:00Z"
    desk.refused(complaint_id, "implementation", None, "SD-37")
    desk.post(complaint_id, "solution", {"solution": "A discount"})
    desk.refused(complaint_id, "implementation", None, "SD-37")
    declined = desk.post(
        complaint_id, "customer-opinion", {"accepted": False, "opinion_form_ref": "OP-1"}
    )
    assert declined["status"] == "awaiting_solution"
    desk.post(complaint_id, "solution", {"solution": "A replacement unit"})
    desk.post(complaint_id, "customer-opinion", {"accepted": True, "opinion_form_ref": "OP-2"})
    implemented = desk.post(complaint_id, "implementation", None)
    assert (implemented["status"], implemented["follow_ups_due"]) == ("follow_up", 1)


def test_sd_33_c2_sd_38_sd_39_visited_followed_up_then_closed_on_satisfaction(
    client: ServiceClient, desk: Desk
) -> None:
    complaint_id = desk.implemented("product_quality")
    desk.refused(complaint_id, "closure", {"notice_method": "phone"}, "SD-39")
    desk.post(complaint_id, "follow-ups", {"satisfaction": "satisfied"})
    desk.refused(complaint_id, "closure", {"notice_method": "phone"}, "SD-39")  # quality: two
    desk.post(complaint_id, "follow-ups", {"satisfaction": "very_satisfied"})
    desk.refused(complaint_id, "closure", {"notice_method": "phone"}, "SD-33")
    visit = {"visitor_id": "technician", "notes": "Apologised, checked the unit"}
    desk.refused(complaint_id, "visit", visit, "SD-33", "business-supervisor")
    desk.post(complaint_id, "visit", visit, "service-supervisor")
    closed = desk.post(complaint_id, "closure", {"notice_method": "phone"})
    assert (closed["status"], closed["visited_by"]) == ("closed", "technician")
    event = next(
        e
        for e in client.app.recorder.select_notifications(1, 1000)  # type: ignore[attr-defined]
        if e.topic.endswith("Complaint.Closed")
    )
    published = OUTBOUND(client.app.mapper.to_domain_event(event))  # type: ignore[attr-defined]
    assert published is not None and published.event_type == "ComplaintClosed"
    assert (published.valid, published.satisfaction) == (True, "very_satisfied")


def test_sd_39_sd_41_a_dissatisfied_customer_reopens_it_and_it_stays_unhandled(
    client: ServiceClient, desk: Desk
) -> None:
    reopened = desk.implemented()
    answer = desk.post(reopened, "follow-ups", {"satisfaction": "dissatisfied", "notes": "Still"})
    assert (answer["status"], answer["reopened"]) == ("acknowledged", 1)
    handled = desk.implemented()
    desk.post(handled, "follow-ups", {"satisfaction": "satisfied"})
    desk.post(handled, "visit", {"notes": "Visited"}, "service-supervisor")
    desk.post(handled, "closure", {"notice_method": "letter"})
    assert [c["complaint_id"] for c in client.page("/complaints/open", DESK)["items"]] == [reopened]
    metrics = client.http.get("/metrics").text
    assert "countersign_service_desk_complaints_handled_ratio 0.5" in metrics
    assert 'countersign_service_desk_complaints_open{age="0-5d"} 1.0' in metrics
    assert 'countersign_service_desk_complaints_open{age="over_30d"} 0.0' in metrics
    promtool_accepts(metrics)


def test_sd_40_the_monthly_analysis_counts_the_closed_complaints_by_cause(
    client: ServiceClient, desk: Desk, moved_clock: list[datetime]
) -> None:
    founded = desk.implemented()
    desk.post(founded, "follow-ups", {"satisfaction": "satisfied"})
    desk.post(founded, "visit", {"notes": "Visited"}, "service-supervisor")
    desk.post(founded, "closure", {"notice_method": "phone"})
    unfounded = desk.receive()["complaint_id"]
    invalid = {"valid": False, "findings": "On time", "investigation_form_ref": "INV-2"}
    desk.post(unfounded, "investigation", invalid)
    desk.post(unfounded, "follow-ups", {"satisfaction": "satisfied"})
    desk.post(unfounded, "visit", {"notes": "Explained the log"}, "service-supervisor")
    desk.post(unfounded, "closure", {"notice_method": "letter"})
    client.app.catch_up_projections()

    body = {"month": "2026-12-01", "corrective_actions": ["Dispatch the same day"]}
    early = client.call("POST", "/complaint-analyses", DESK, body)
    assert (early.status_code, early.json()["rule"]) == (422, "SD-40")  # December is not over
    moved_clock[0] = TUESDAY_10 + timedelta(days=31)
    missing = client.call("POST", "/complaint-analyses", DESK, {"month": "2026-12-15"})
    assert (missing.status_code, missing.json()["rule"]) == (422, "SD-40")
    analysis = client.ok("POST", "/complaint-analyses", DESK, body)
    assert analysis["counts_by_cause"] == [
        {"cause": "service", "count": 1},
        {"cause": "unfounded", "count": 1},
    ]
    assert analysis["corrective_actions"] == ["Dispatch the same day"]
    again = client.call("POST", "/complaint-analyses", DESK, body)
    assert (again.status_code, again.json()["rule"]) == (422, "SD-40")
    assert client.ok("GET", "/complaint-analyses/2026-12-31", "gm")["month"] == "2026-12-01"
