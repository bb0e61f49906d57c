"""The service call (RULES §4.9) through service-desk's API on a real store, SQLite and
PostgreSQL: one call-in register (SD-03, SD-42, SD-43), the SLA clocks on the working calendar
(SD-04, SD-05, SD-06, C3), dispatch (SD-07, SD-08), the visit (SD-09, SD-01, SD-10), the
customer's signature after the work only (SD-11), closing (SD-12) and the leader's approval
(SD-21)."""

from __future__ import annotations

import base64
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlparse
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import Tracking

from contracts.billing import CashAdvanceIssued, CashAdvanceSettled
from contracts.customers import CustomerGradeChanged, CustomerRegistered
from contracts.orders import DeliveryConfirmedByCustomer, OrderLine
from contracts.topics import SERVICES
from kernel.approvals.domain import seal_fields
from kernel.approvals.http import CaptureSignature
from kernel.settings import KernelSettings
from runtime.aggregate import RuleViolation
from runtime.signing import init_dev_keys, service_key_id
from runtime.unit_of_work import CommandContext
from service_desk.adapters.outbound import OUTBOUND
from service_desk.application.service_calls import CARRY_OVER, SLA_BREACHES
from service_desk.bootstrap import SPEC
from tests.conftest import USERS
from tests.customers.test_metrics import promtool_accepts
from tests.service_client import ServiceClient, service_client
from tests.signers import PAPER_SCAN, Signers, on_paper, page_answer

POLICY = CommandContext("service-desk:policy")
_BILLING_POSITIONS = itertools.count(1)
TUESDAY_10 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
"""10:00 in Shanghai, the calendar's zone, on a working Tuesday."""


@pytest.fixture
def client(store_settings: KernelSettings, moved_clock: list[datetime]) -> Iterator[ServiceClient]:
    init_dev_keys(
        store_settings.keys_path,
        [*USERS, *map(service_key_id, SERVICES), "unit-leader", "technician"],
    )
    moved_clock[0] = TUESDAY_10
    with service_client(SPEC, store_settings) as client:
        Signers(store_settings.keys_path).put_policies_in_force(client.app)
        yield client


class Desk:
    """The service desk's side of a call, through the API."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client
        self.positions = 0

    def learn(self, event: Any) -> None:
        self.positions += 1
        self.client.app.process(event, POLICY, Tracking("customers.events:0", self.positions))  # type: ignore[attr-defined]

    def customer(self, grade: str | None = None) -> UUID:
        customer_id = uuid4()
        self.learn(CustomerRegistered(customer_id=customer_id, legal_name="ACME", owner_id="s-1"))
        if grade is not None:
            self.learn(
                CustomerGradeChanged(
                    customer_id=customer_id, old_grade=None, new_grade=grade, decided_by="m"
                )
            )
        return customer_id

    def voucher(self, customer_id: UUID, received_at: datetime) -> str:
        delivered = DeliveryConfirmedByCustomer(
            order_id=uuid4(),
            customer_id=customer_id,
            lines=[
                OrderLine(
                    product_code="P-1",
                    quantity=1,
                    unit_price=Decimal(1),
                    serial_numbers=["SN-1"],
                )
            ],
            received_at=received_at,
        )
        self.client.app.process(delivered, POLICY, Tracking("orders.events:0", 1))  # type: ignore[attr-defined]
        page = self.client.page(f"/vouchers?customer_id={customer_id}", "service-clerk")
        return str(page["items"][0]["voucher_id"])

    def body(self, customer_id: UUID, **changes: Any) -> dict[str, Any]:
        return {
            "customer_id": str(customer_id),
            "caller_name": "Zhao Lan",
            "address": "2 Harbour Road, Ningbo",
            "phone": "+86 21 5555 0101",
            "model": "P-1",
            "channel": "phone",
            "zone": "urban",
            "fault": "The pump stops after ten minutes",
            **changes,
        }

    def register(self, customer_id: UUID, user: str = "service-clerk", **changes: Any) -> Any:
        return self.client.ok("POST", "/service-calls", user, self.body(customer_id, **changes))

    def refused(self, method: str, path: str, user: str, body: Any, rule: str) -> None:
        before = self.client.app.recorder.max_notification_id()  # type: ignore[attr-defined]
        response = self.client.call(method, path, user, body)
        assert (response.status_code, response.json()["rule"]) == (422, rule), response.text
        assert self.client.app.recorder.max_notification_id() == before  # type: ignore[attr-defined]

    def dispatched(self, call_id: str) -> Any:
        body = {"technician_ids": ["technician"]}
        return self.client.ok(
            "POST", f"/service-calls/{call_id}/dispatch", "service-supervisor", body
        )

    def diagnosis(self, **changes: Any) -> dict[str, Any]:
        return {
            "in_warranty": False,
            "tampered": False,
            "running_hours": 1200,
            "findings": "Motor overheats",
            "cause": "Clogged filter",
            "service_type": "A",
            **changes,
        }

    def completion(self, **changes: Any) -> dict[str, Any]:
        return {
            "work_done": "Cleaned the filter, replaced the seal",
            "parts": [{"name": "Seal", "quantity": 1, "reason": "worn"}],
            "guidance_given": "Clean the filter monthly",
            **changes,
        }

    def completed(self, customer_id: UUID, **diagnosis: Any) -> str:
        call_id = str(self.register(customer_id)["call_id"])
        self.dispatched(call_id)
        path = f"/service-calls/{call_id}"
        self.client.ok("POST", f"{path}/arrival", "technician")
        self.client.ok("POST", f"{path}/diagnosis", "technician", self.diagnosis(**diagnosis))
        self.client.ok("POST", f"{path}/completion", "technician", self.completion())
        return call_id

    def link(self, call_id: str) -> Any:
        body = {"contact_name": "Zhao Lan", "contact": "+86 139 0000 0000"}
        return self.client.call(
            "POST", f"/service-calls/{call_id}/signing-requests", "technician", body
        )

    def sign(self, link: Any, comment: str = "") -> Any:
        path = urlparse(link["url"]).path
        return self.client.http.post(path, json=page_answer(comment=comment))


@pytest.fixture
def desk(client: ServiceClient) -> Desk:
    return Desk(client)


def test_sd_03_sd_04_a_call_is_registered_with_its_sla_clock_on_the_working_calendar(
    client: ServiceClient, desk: Desk, moved_clock: list[datetime]
) -> None:
    customer_id = desk.customer()
    voucher_id = desk.voucher(customer_id, TUESDAY_10 - timedelta(days=30))
    call = desk.register(customer_id, voucher_id=voucher_id)
    assert call["status"] == "registered" and call["voucher_id"] == voucher_id
    assert call["sla_kind"] == "arrival"
    # 6 working hours from 10:00: 2 before lunch, 4 after it: 17:00 in Shanghai.
    assert call["sla_due_at"] == "2026-12-01T09:00:00Z"
    moved_clock[0] = TUESDAY_10 + timedelta(minutes=30)
    suburban = desk.register(customer_id, zone="suburban")
    # 7 working hours: 6 to the close at 17:30, one the next morning.
    assert suburban["sla_due_at"] == "2026-12-02T01:30:00Z"
    register = client.page("/service-calls", "service-supervisor")
    assert [c["call_id"] for c in register["items"]] == [call["call_id"], suburban["call_id"]]


def test_sd_03_a_call_needs_the_customer_s_file_and_its_own_voucher(desk: Desk) -> None:
    customer_id = desk.customer()
    other = desk.customer()
    voucher_id = desk.voucher(other, TUESDAY_10 - timedelta(days=30))
    desk.refused("POST", "/service-calls", "service-clerk", desk.body(uuid4()), "SD-03")
    body = desk.body(customer_id, voucher_id=voucher_id)
    desk.refused("POST", "/service-calls", "service-clerk", body, "SD-03")
    body = desk.body(customer_id, address=" ")
    desk.refused("POST", "/service-calls", "service-clerk", body, "SD-03")


def test_sd_05_sd_06_c3_other_zones_run_on_the_wall_clock(desk: Desk) -> None:
    customer_id = desk.customer()
    within = desk.register(customer_id, zone="within_radius")
    assert (within["sla_kind"], within["sla_due_at"]) == ("arrival", "2026-12-02T02:00:00Z")
    beyond = desk.register(customer_id, zone="beyond_radius")
    assert (beyond["sla_kind"], beyond["sla_due_at"]) == ("reply", "2026-12-01T14:00:00Z")
    supplier = desk.register(customer_id, supplier_dependent=True)
    assert (supplier["sla_kind"], supplier["sla_due_at"]) == ("reply", "2026-12-01T14:00:00Z")


def test_sd_05_sd_06_a_reply_call_gets_its_written_reply_before_the_visit(
    client: ServiceClient, desk: Desk
) -> None:
    call_id = str(desk.register(desk.customer(), supplier_dependent=True)["call_id"])
    desk.dispatched(call_id)
    path = f"/service-calls/{call_id}"
    desk.refused("POST", f"{path}/arrival", "technician", None, "SD-06")
    reply = {"reply": "We contacted the engine supplier", "agreed_visit_date": "2026-12-03"}
    replied = client.ok("POST", f"{path}/reply", "service-clerk", reply)
    assert replied["sla_met"] is True
    desk.refused("POST", f"{path}/reply", "service-clerk", reply, "SD-05")
    assert client.ok("POST", f"{path}/arrival", "technician")["status"] == "on_site"
    urban = str(desk.register(desk.customer())["call_id"])
    desk.refused("POST", f"/service-calls/{urban}/reply", "service-clerk", reply, "SD-05")


def test_sd_04_sd_44_a_late_arrival_misses_the_sla_counts_against_compliance_and_is_flagged_once(
    client: ServiceClient, desk: Desk, moved_clock: list[datetime]
) -> None:
    customer_id = desk.customer()
    late = str(desk.register(customer_id)["call_id"])
    on_time = str(desk.register(customer_id)["call_id"])
    desk.dispatched(on_time)
    client.ok("POST", f"/service-calls/{on_time}/arrival", "technician")
    desk.dispatched(late)

    moved_clock[0] = TUESDAY_10 + timedelta(hours=8)  # 18:00 in Shanghai, past 17:00
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    SLA_BREACHES.tick(client.app)
    SLA_BREACHES.tick(client.app)
    arrived = client.ok("POST", f"/service-calls/{late}/arrival", "technician")
    assert (arrived["sla_met"], arrived["sla_breached"]) == (False, True)
    trail = client.ok("GET", f"/audit-trail/{late}", "service-supervisor")
    assert [e["event"].rpartition(".")[2] for e in trail].count("SlaBreached") == 1
    assert client.ok("GET", f"/service-calls/{on_time}", "technician")["sla_met"] is True

    client.app.catch_up_projections()  # type: ignore[attr-defined]
    metrics = client.http.get("/metrics").text
    assert 'countersign_service_desk_sla_outcomes_total{met="no",zone="urban"} 1.0' in metrics
    assert 'countersign_service_desk_sla_outcomes_total{met="yes",zone="urban"} 1.0' in metrics
    assert 'countersign_service_desk_sla_breaches_total{zone="urban"} 1.0' in metrics
    assert 'countersign_service_desk_sla_breaches_total{zone="suburban"} 0.0' in metrics
    promtool_accepts(metrics)


def test_sd_43_c5_the_sales_channel_registers_into_the_same_register(
    client: ServiceClient, desk: Desk
) -> None:
    customer_id = desk.customer()
    sales = desk.register(customer_id, "sales-clerk", channel="sales")
    phone = desk.register(customer_id)
    assert (sales["channel"], sales["sla_due_at"]) == ("sales", phone["sla_due_at"])
    body = desk.body(customer_id, channel="phone")
    desk.refused("POST", "/service-calls", "sales-clerk", body, "SD-43")
    body = desk.body(customer_id, channel="sales")
    desk.refused("POST", "/service-calls", "service-clerk", body, "SD-43")
    assert client.page("/service-calls?channel=sales", "service-clerk")["total"] == 1


def test_sd_42_a_call_is_logged_after_it_came_in(desk: Desk) -> None:
    customer_id = desk.customer()
    came_in = (TUESDAY_10 - timedelta(minutes=20)).isoformat()
    assert desk.register(customer_id, received_at=came_in)["received_at"] == "2026-12-01T01:40:00Z"
    ahead = desk.body(customer_id, received_at=(TUESDAY_10 + timedelta(hours=1)).isoformat())
    desk.refused("POST", "/service-calls", "service-clerk", ahead, "SD-42")


def test_sd_07_calls_not_dispatched_on_their_day_get_priority_after_grade_a_and_emergencies(
    client: ServiceClient, desk: Desk, moved_clock: list[datetime]
) -> None:
    plain = desk.customer()
    carried = str(desk.register(plain, zone="suburban")["call_id"])
    dispatched = str(desk.register(plain)["call_id"])
    desk.dispatched(dispatched)
    moved_clock[0] = TUESDAY_10 + timedelta(hours=2)
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    CARRY_OVER.tick(client.app)  # the same day: nothing is carried over yet
    assert client.ok("GET", f"/service-calls/{carried}", "service-clerk")["prioritised"] is False

    moved_clock[0] = TUESDAY_10 + timedelta(days=1)
    newer = str(desk.register(plain, zone="within_radius")["call_id"])
    green = desk.customer("A")
    a_grade = str(desk.register(green, zone="within_radius")["call_id"])
    emergency = str(desk.register(plain, zone="within_radius", emergency=True)["call_id"])
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    CARRY_OVER.tick(client.app)
    CARRY_OVER.tick(client.app)

    listed = client.page("/service-calls/dispatch-list", "service-supervisor")
    assert [c["call_id"] for c in listed["items"]] == [emergency, a_grade, carried, newer]
    assert client.ok("GET", f"/service-calls/{carried}", "service-clerk")["prioritised"] is True
    assert "countersign_service_desk_calls_carried_over 1.0" in client.http.get("/metrics").text
    trail = client.ok("GET", f"/audit-trail/{carried}", "service-supervisor")
    assert [e["event"].rpartition(".")[2] for e in trail].count("DispatchPrioritised") == 1

    # RULES §7 row 10: a customer made grade A moves up the list while waiting.
    desk.learn(
        CustomerGradeChanged(customer_id=plain, old_grade=None, new_grade="A", decided_by="m")
    )
    listed = client.page("/service-calls/dispatch-list", "service-supervisor")
    ordered = [c["call_id"] for c in listed["items"]]
    assert ordered[:2] == [emergency, carried]  # now grade A, and the nearest deadline
    assert set(ordered[2:]) == {a_grade, newer}
    open_calls = client.page("/service-calls/open", "service-supervisor")
    assert next(c["call_id"] for c in open_calls["items"]) == dispatched


def test_sd_08_a_team_goes_out_under_a_named_lead(client: ServiceClient, desk: Desk) -> None:
    call_id = str(desk.register(desk.customer())["call_id"])
    path = f"/service-calls/{call_id}/dispatch"
    team = {"technician_ids": ["technician", "technician-2"]}
    desk.refused("POST", path, "service-supervisor", team, "SD-08")
    outsider = {**team, "lead_technician_id": "someone-else"}
    desk.refused("POST", path, "service-supervisor", outsider, "SD-08")
    assert client.call("POST", path, "technician", team).status_code == 403
    led = client.ok(
        "POST", path, "service-supervisor", {**team, "lead_technician_id": "technician"}
    )
    assert (led["status"], led["lead_technician_id"]) == ("dispatched", "technician")
    desk.refused(
        "POST", path, "service-supervisor", {**team, "lead_technician_id": "technician"}, "SD-08"
    )


def test_sd_04_sd_08_the_technician_s_own_calls_and_the_calls_at_risk_of_their_sla(
    client: ServiceClient, desk: Desk, moved_clock: list[datetime]
) -> None:
    customer_id = desk.customer()
    reached, waiting = (str(desk.register(customer_id)["call_id"]) for _ in range(2))
    tomorrow = str(desk.register(customer_id, zone="suburban")["call_id"])
    desk.dispatched(reached)
    body = {"technician_ids": ["technician-2"]}
    client.ok("POST", f"/service-calls/{waiting}/dispatch", "service-supervisor", body)

    def listed(path: str, user: str = "service-supervisor") -> list[str]:
        client.app.catch_up_projections()
        return [call["call_id"] for call in client.page(path, user)["items"]]

    # The technician sees the open calls they lead, nobody else's.
    assert listed("/service-calls/mine", "technician") == [reached]
    assert listed("/service-calls/mine", "technician-2") == [waiting]
    # 10:00: the urban calls are due at 17:00, more than two hours away.
    assert listed("/service-calls/at-risk") == []
    # Due at the same moment: in either order.
    assert sorted(listed("/service-calls/at-risk?within_hours=8")) == sorted([reached, waiting])
    moved_clock[0] = TUESDAY_10 + timedelta(hours=6)  # 16:00, an hour before they are due
    client.ok("POST", f"/service-calls/{reached}/arrival", "technician")
    # The one reached is no longer at risk; tomorrow's is not yet.
    assert listed("/service-calls/at-risk") == [waiting]
    assert tomorrow not in listed("/service-calls/at-risk?within_hours=2")
    refused = client.call("GET", "/service-calls/at-risk?within_hours=0", "service-supervisor")
    assert refused.status_code == 422


def test_sd_09_sd_01_the_diagnosis_decides_the_service_type(
    client: ServiceClient, desk: Desk
) -> None:
    customer_id = desk.customer()
    voucher_id = desk.voucher(customer_id, TUESDAY_10 - timedelta(days=30))
    call_id = str(desk.register(customer_id, voucher_id=voucher_id)["call_id"])
    path = f"/service-calls/{call_id}"
    desk.refused("POST", f"{path}/diagnosis", "technician", desk.diagnosis(), "SD-09")
    desk.dispatched(call_id)
    client.ok("POST", f"{path}/arrival", "technician")
    for changes, rule in [
        ({"running_hours": None}, "SD-09"),
        ({"service_type": "C", "tampered": True}, "SD-09"),
        ({"service_type": "B"}, "SD-01"),
        ({"service_type": "D"}, "SD-01"),
    ]:
        desk.refused("POST", f"{path}/diagnosis", "technician", desk.diagnosis(**changes), rule)
    # The voucher's warranty (a year from delivery) covers free service (C).
    diagnosed = client.ok(
        "POST", f"{path}/diagnosis", "technician", desk.diagnosis(service_type="C")
    )
    assert (diagnosed["service_type"], diagnosed["status"]) == ("C", "diagnosed")


def test_c10_row_16_a_unit_to_be_replaced_is_published_with_its_order_and_serial(
    client: ServiceClient, desk: Desk
) -> None:
    customer_id = desk.customer()
    voucher_id = desk.voucher(customer_id, TUESDAY_10 - timedelta(days=30))
    sold = client.ok("GET", f"/vouchers/{voucher_id}", "service-clerk")
    replaced = str(desk.register(customer_id, voucher_id=voucher_id)["call_id"])
    unvouched = str(desk.register(customer_id)["call_id"])
    for call_id in (replaced, unvouched):
        desk.dispatched(call_id)
        client.ok("POST", f"/service-calls/{call_id}/arrival", "technician")
        body = desk.diagnosis(unit_to_be_replaced=True)
        client.ok("POST", f"/service-calls/{call_id}/diagnosis", "technician", body)
    published = {
        str(c.call_id): c
        for c in (
            OUTBOUND(client.app.mapper.to_domain_event(n))  # type: ignore[attr-defined]
            for n in client.app.recorder.select_notifications(1, 10_000)  # type: ignore[attr-defined]
        )
        if c is not None and c.event_type == "DiagnosisRecorded"
    }
    exchange = published[replaced]
    assert exchange.unit_to_be_replaced is True
    assert (str(exchange.order_id), exchange.product_code, exchange.serial_number) == (
        sold["order_id"],
        "P-1",
        "SN-1",
    )
    # Without a voucher the unit's sale is unknown: orders has no order to exchange on.
    assert published[unvouched].order_id is None


def test_sd_01_free_service_without_warranty_or_coverage_is_refused(
    client: ServiceClient, desk: Desk
) -> None:
    customer_id = desk.customer()
    voucher_id = desk.voucher(customer_id, TUESDAY_10 - timedelta(days=800))
    call_id = str(desk.register(customer_id, voucher_id=voucher_id)["call_id"])
    desk.dispatched(call_id)
    path = f"/service-calls/{call_id}"
    client.ok("POST", f"{path}/arrival", "technician")
    free = desk.diagnosis(service_type="C")
    desk.refused("POST", f"{path}/diagnosis", "technician", free, "SD-01")
    covered = {**free, "in_warranty": True}  # three-guarantees coverage confirmed on site
    assert client.ok("POST", f"{path}/diagnosis", "technician", covered)["service_type"] == "C"


def test_sd_10_the_report_states_parts_with_reason_and_the_guidance(
    client: ServiceClient, desk: Desk
) -> None:
    call_id = str(desk.register(desk.customer())["call_id"])
    desk.dispatched(call_id)
    path = f"/service-calls/{call_id}"
    client.ok("POST", f"{path}/arrival", "technician")
    desk.refused("POST", f"{path}/completion", "technician", desk.completion(), "SD-10")
    client.ok("POST", f"{path}/diagnosis", "technician", desk.diagnosis())
    no_reason = desk.completion(parts=[{"name": "Seal", "quantity": 1, "reason": " "}])
    desk.refused("POST", f"{path}/completion", "technician", no_reason, "SD-10")
    desk.refused(
        "POST", f"{path}/completion", "technician", desk.completion(guidance_given=" "), "SD-10"
    )
    done = client.ok("POST", f"{path}/completion", "technician", desk.completion())
    assert done["status"] == "awaiting_signature"
    assert done["parts"] == [{"name": "Seal", "quantity": 1, "reason": "worn"}]


def test_sd_11_the_customer_signs_only_after_the_work_and_once(
    client: ServiceClient, desk: Desk
) -> None:
    customer_id = desk.customer()
    call_id = str(desk.register(customer_id)["call_id"])
    before = desk.link(call_id)
    assert (before.status_code, before.json()["rule"]) == (422, "SD-11")
    desk.dispatched(call_id)
    path = f"/service-calls/{call_id}"
    client.ok("POST", f"{path}/arrival", "technician")
    client.ok("POST", f"{path}/diagnosis", "technician", desk.diagnosis())
    assert desk.link(call_id).json()["rule"] == "SD-11"
    client.ok("POST", f"{path}/completion", "technician", desk.completion())

    link = desk.link(call_id).json()
    page = client.http.get(urlparse(link["url"]).path)
    assert page.status_code == 200 and "Service report" in page.text
    signed = desk.sign(link, comment="Quick and tidy <b>")
    assert signed.status_code == 200, signed.text
    call = client.ok("GET", path, "service-clerk")
    assert (call["status"], call["customer_comments"]) == (
        "completed_on_site",
        "Quick and tidy <b>",
    )

    # Signed once: the used link cannot sign or change the comment, and no new link is issued.
    again = desk.sign(link, comment="Changed my mind")
    assert (again.status_code, again.json()["rule"]) == (422, "XC-02")
    after = desk.link(call_id)
    assert (after.status_code, after.json()["rule"]) == (422, "SD-11")
    assert client.ok("GET", path, "service-clerk")["customer_comments"] == "Quick and tidy <b>"

    event = next(
        e
        for e in client.app.recorder.select_notifications(1, 1000)  # type: ignore[attr-defined]
        if e.topic.endswith("ReportSigned")
    )
    published = OUTBOUND(client.app.mapper.to_domain_event(event))  # type: ignore[attr-defined]
    assert published is not None and published.event_type == "CustomerSignedServiceReport"
    assert (published.service_type, published.customer_comments) == ("A", "Quick and tidy <b>")


def test_sd_12_sd_21_closed_with_the_signature_then_approved_by_the_leader(
    client: ServiceClient, desk: Desk, store_settings: KernelSettings
) -> None:
    call_id = desk.completed(desk.customer())
    path = f"/service-calls/{call_id}"
    desk.refused("POST", f"{path}/close", "service-clerk", None, "SD-12")
    assert desk.sign(desk.link(call_id).json()).status_code == 200
    assert client.call("POST", f"{path}/close", "technician").status_code == 403
    closed = client.ok("POST", f"{path}/close", "service-clerk")
    assert closed["status"] == "report_pending_approval"
    pending = client.page("/approvals/pending", "unit-leader")
    assert [(a["document_id"], a["kind"]) for a in pending["items"]] == [
        (call_id, "service_report")
    ]
    metrics = client.http.get("/metrics").text
    assert "countersign_service_desk_reports_awaiting_approval 1.0" in metrics

    signers = Signers(store_settings.keys_path)
    with pytest.raises(RuleViolation) as own:  # the technician who wrote it does not approve it
        signers.decide(client.app, UUID(call_id), "technician", "service_supervisor")  # type: ignore[arg-type]
    assert own.value.rule == "XC-05"
    signers.decide(client.app, UUID(call_id), "unit-leader", "unit_leader")  # type: ignore[arg-type]
    assert client.ok("GET", path, "service-clerk")["status"] == "closed"
    assert client.page("/service-calls/open", "service-clerk")["total"] == 0
    assert (
        "countersign_service_desk_reports_awaiting_approval 0.0" in client.http.get("/metrics").text
    )


def test_sd_43_c5_a_chargeable_or_unclear_sales_request_waits_for_the_sales_manager(
    client: ServiceClient, desk: Desk, store_settings: KernelSettings
) -> None:
    customer_id = desk.customer()
    signers = Signers(store_settings.keys_path)
    call = desk.register(customer_id, "sales-clerk", channel="sales", chargeable=True)
    call_id = str(call["call_id"])
    assert call["awaiting_confirmation"] is True
    pending = client.page("/approvals/pending", "sales-manager")
    assert [(a["document_id"], a["kind"]) for a in pending["items"]] == [
        (call_id, "service_call_confirmation")
    ]
    assert client.page("/service-calls/dispatch-list", "service-supervisor")["total"] == 0
    body = {"technician_ids": ["technician"]}
    path = f"/service-calls/{call_id}/dispatch"
    desk.refused("POST", path, "service-supervisor", body, "SD-43")

    signers.decide(client.app, UUID(call_id), "sales-manager", "sales_manager")  # type: ignore[arg-type]
    assert client.page("/service-calls/dispatch-list", "service-supervisor")["total"] == 1
    assert client.ok("POST", path, "service-supervisor", body)["status"] == "dispatched"

    # Clear coverage and no charge: no confirmation; a declined request is cancelled.
    clear = desk.register(customer_id, "sales-clerk", channel="sales")
    assert clear["awaiting_confirmation"] is False
    unclear = str(
        desk.register(customer_id, "sales-clerk", channel="sales", coverage_unclear=True)["call_id"]
    )
    signers.decide(
        client.app,  # type: ignore[arg-type]
        UUID(unclear),
        "sales-manager",
        "sales_manager",
        action="reject",
        note="Not an after-sales matter",
    )
    assert client.ok("GET", f"/service-calls/{unclear}", "sales-clerk")["status"] == "cancelled"
    open_calls = client.page("/service-calls/open", "service-clerk")
    assert unclear not in [c["call_id"] for c in open_calls["items"]]


def paper_scan(
    client: ServiceClient, call_id: str, user: str, at: datetime | None = None
) -> dict[str, Any]:
    """What a clerk's app posts for the scan of a report the customer signed on paper, sealed."""
    capture = on_paper(at)
    body: dict[str, Any] = {
        "signer_name": capture.signer_name,
        "capacity": "customer",
        "method": "paper_scan",
        "image_base64": base64.b64encode(PAPER_SCAN).decode(),
        "place": capture.place,
        "signed_at": capture.signed_at.isoformat(),
    }
    document = client.app.signable(UUID(call_id))  # type: ignore[attr-defined]
    as_captured = CaptureSignature.model_validate({**body, "seal": "AA=="}).capture()
    fields = seal_fields("service_call", document.id, document.version_hash, as_captured, user)
    signers = Signers(client.app.settings.keys_path)  # type: ignore[attr-defined]
    return {**body, "seal": signers.sign(user, fields)}


def test_sd_11_a_report_signed_on_paper_is_recorded_only_after_the_work(
    client: ServiceClient, desk: Desk, moved_clock: list[datetime]
) -> None:
    customer_id = desk.customer()
    early = str(desk.register(customer_id)["call_id"])
    body = paper_scan(client, early, "sales-clerk")
    desk.refused("POST", f"/service-calls/{early}/signatures", "sales-clerk", body, "SD-11")

    call_id = str(desk.register(customer_id)["call_id"])
    desk.dispatched(call_id)
    path = f"/service-calls/{call_id}"
    client.ok("POST", f"{path}/arrival", "technician")
    client.ok("POST", f"{path}/diagnosis", "technician", desk.diagnosis())
    moved_clock[0] = TUESDAY_10 + timedelta(hours=2)
    client.ok("POST", f"{path}/completion", "technician", desk.completion())
    # A page dated before the work was completed was signed before the service.
    before = paper_scan(client, call_id, "sales-clerk", at=TUESDAY_10 + timedelta(hours=1))
    desk.refused("POST", f"/service-calls/{call_id}/signatures", "sales-clerk", before, "SD-11")
    body = paper_scan(client, call_id, "sales-clerk")
    client.ok("POST", f"/service-calls/{call_id}/signatures", "sales-clerk", body)
    call = client.ok("GET", f"/service-calls/{call_id}", "service-clerk")
    assert (call["status"], call["customer_comments"]) == ("completed_on_site", "")
    again = paper_scan(client, call_id, "sales-clerk")
    desk.refused("POST", f"/service-calls/{call_id}/signatures", "sales-clerk", again, "SD-11")


def advance_issued(call_id: UUID | None, amount: str = "300") -> CashAdvanceIssued:
    return CashAdvanceIssued(
        advance_id=uuid4(),
        employee_id="technician",
        amount=amount,
        call_id=call_id,
        trip_ref="call 42, Ningbo",
        issued_by="accountant",
    )


def advance_settled(issued: CashAdvanceIssued, outstanding: str) -> CashAdvanceSettled:
    return CashAdvanceSettled(
        advance_id=issued.advance_id,
        employee_id=issued.employee_id,
        amount=issued.amount - Decimal(outstanding),
        call_id=issued.call_id,
        claim_id=uuid4(),
        settled_by="accountant",
        outstanding=outstanding,
    )


def from_billing(client: ServiceClient, *events: Any) -> None:
    """Billing's events as the inbox hands them over, each delivered twice (redelivery)."""
    app: Any = client.app
    for event in events:
        for _ in range(2):
            app.process(event, POLICY, Tracking("billing.events:0", next(_BILLING_POSITIONS)))


def test_bi_24_row_19_the_trip_s_advance_is_linked_to_the_call_and_settles_on_reimbursement(
    client: ServiceClient, desk: Desk
) -> None:
    call_id = UUID(desk.register(desk.customer())["call_id"])
    issued = advance_issued(call_id)
    from_billing(client, issued)
    path = f"/service-calls/{call_id}"
    (linked,) = client.ok("GET", path, "service-clerk")["cash_advances"]
    assert (linked["advance_id"], linked["amount"], linked["outstanding"], linked["settled"]) == (
        str(issued.advance_id),
        "300.00",
        "300.00",
        False,
    )
    from_billing(client, advance_settled(issued, "100"), advance_settled(issued, "0"))
    (settled,) = client.ok("GET", path, "service-clerk")["cash_advances"]
    assert (settled["outstanding"], settled["settled"]) == ("0.00", True)


def test_bi_24_row_19_an_advance_for_no_call_or_an_unknown_one_links_nothing(
    client: ServiceClient, desk: Desk
) -> None:
    call_id = UUID(desk.register(desk.customer())["call_id"])
    before = client.app.recorder.max_notification_id()  # type: ignore[attr-defined]
    elsewhere = advance_issued(None)
    unknown = advance_issued(uuid4())
    never_linked = advance_issued(call_id)
    from_billing(
        client,
        elsewhere,
        unknown,
        advance_settled(unknown, "0"),
        advance_settled(never_linked, "0"),
    )
    assert client.app.recorder.max_notification_id() == before  # type: ignore[attr-defined]
    assert client.ok("GET", f"/service-calls/{call_id}", "service-clerk")["cash_advances"] == []
