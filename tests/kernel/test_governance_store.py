"""XC-08 violations and XC-09 rectifications in every service's store, on SQLite and PostgreSQL,
and through the HTTP routes every service mounts."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import uuid4
from zoneinfo import ZoneInfo

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from billing.application import BillingApplication
from countersign.services import SPECS
from customers.application import CustomersApplication
from kernel.application import PolicyNotInForce
from kernel.governance import Governance
from kernel.governance.domain import Finding, RectificationStatus
from kernel.roles import Role
from kernel.settings import KernelSettings
from orders.application import OrdersApplication
from runtime import clock
from runtime.aggregate import NotFound, RuleViolation
from runtime.service import ServiceSpec, build_app
from runtime.unit_of_work import CommandContext
from service_desk.application import ServiceDeskApplication
from tests.signers import Signers

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Thursday 24 September 2026, 15:00 in Shanghai: Friday is the Mid-Autumn Festival.
ORDERED_AT = datetime(2026, 9, 24, 15, tzinfo=SHANGHAI)
# Two working days: Monday 28 and Tuesday 29 September, to the close of business.
DUE_AT = datetime(2026, 9, 29, 17, 30, tzinfo=SHANGHAI)
MANAGER = CommandContext(actor="sales-manager", roles=frozenset({Role.SALES_MANAGER}))
CLERK = CommandContext(actor="sales-clerk", roles=frozenset({Role.SALES_CLERK}))
OTHER_TECHNICIAN = CommandContext(actor="technician-2", roles=frozenset({Role.TECHNICIAN}))
SUPERVISOR = CommandContext(actor="service-supervisor", roles=frozenset({Role.SERVICE_SUPERVISOR}))
UNIT_LEADER = CommandContext(actor="unit-leader", roles=frozenset({Role.UNIT_LEADER}))
LATE_CONTRACTS = Finding("OR-20", "sales-clerk", "contract C-17", Decimal("350.50"), "CNY")

APPLICATIONS: list[Callable[[KernelSettings], Governance]] = [
    CustomersApplication,
    OrdersApplication,
    ServiceDeskApplication,
    BillingApplication,
]


@pytest.fixture
def now() -> Iterator[Callable[[datetime], None]]:
    """Sets the one clock; the real clock comes back after the test."""
    current = [ORDERED_AT]
    clock.use(lambda: current[0])

    def move_to(at: datetime) -> None:
        current[0] = at

    yield move_to
    clock.use(lambda: datetime.now(tz=UTC))


@pytest.mark.parametrize("application", APPLICATIONS, ids=lambda a: a.__name__)
def test_every_service_records_violations_and_tracks_rectifications(
    store_settings: KernelSettings,
    application: Callable[[KernelSettings], Governance],
    now: Callable[[datetime], None],
) -> None:
    app = application(store_settings)
    Signers(store_settings.keys_path).put_policies_in_force(app)  # the calendar (XC-10)
    violation_id = app.record_violation(MANAGER, LATE_CONTRACTS).id
    rectification_id = app.order_rectification(
        MANAGER, "contracts not filed the same day", "sales-clerk", 2
    ).id
    app.close()

    # A fresh application on the same store: everything comes back from the stored events.
    app = application(store_settings)
    violation = app.violation(violation_id)
    assert violation.finding == LATE_CONTRACTS
    assert violation.recorded_by == "sales-manager"
    rectification = app.rectification(rectification_id)
    assert rectification.due_at == DUE_AT
    assert rectification.status is RectificationStatus.OPEN

    # The owner closes it a day after the deadline: accepted, and recorded as late.
    now(DUE_AT + timedelta(days=1))
    app.close_rectification(CLERK, rectification_id, "contracts filed")
    closed = app.rectification(rectification_id)
    assert (closed.status, closed.closed_by, closed.overdue) == (
        RectificationStatus.CLOSED,
        "sales-clerk",
        True,
    )
    assert closed.closed_at == DUE_AT + timedelta(days=1)

    # A second closing is refused and writes nothing.
    before = app.recorder.max_notification_id()
    with pytest.raises(RuleViolation) as refused:
        app.close_rectification(MANAGER, rectification_id, "again")
    assert refused.value.rule == "XC-09"
    assert app.recorder.max_notification_id() == before
    notifications = [
        n
        for n in app.recorder.select_notifications(start=1, limit=20)
        if "PolicyVersion" not in n.topic
    ]
    assert [n.topic.rsplit(".", 1)[-1] for n in notifications] == [
        "RuleViolationRecorded",
        "RectificationOrdered",
        "RectificationClosed",
    ]
    # Each is published, by whichever service, as the kernel's public contract (XC-08, XC-09).
    spec = SPECS[app.service_name]
    published = [spec.publishing(app.mapper.to_domain_event(n)) for n in notifications]
    assert [
        (type(p).__name__, p.model_dump(include={"document_id", "actor"})) for p in published
    ] == [
        ("RuleViolationRecorded", {"document_id": violation_id, "actor": "sales-manager"}),
        ("RectificationOrdered", {"document_id": rectification_id, "actor": "sales-manager"}),
        ("RectificationClosed", {"document_id": rectification_id, "actor": "sales-clerk"}),
    ]
    assert published[1].model_dump(include={"due_at", "calendar_version"}) == {
        "due_at": DUE_AT,
        "calendar_version": 1,
    }
    assert published[0].model_dump(exclude={"document_id", "actor"}) == {
        "rule_id": "OR-20",
        "person_id": "sales-clerk",
        "evidence_ref": "contract C-17",
        "loss_amount": Decimal("350.50"),
        "currency": "CNY",
    }
    app.close()


def test_xc07_xc10_no_deadline_is_counted_before_the_calendar_is_in_force(
    store_settings: KernelSettings,
) -> None:
    app = ServiceDeskApplication(store_settings)
    with pytest.raises(PolicyNotInForce) as refused:
        app.order_rectification(SUPERVISOR, "service report left unsigned", "technician", 1)
    assert (refused.value.rule, refused.value.policy_key) == ("XC-07", "calendar")
    assert app.recorder.max_notification_id() is None  # nothing half-written
    app.close()


def test_only_the_owner_or_a_supervising_role_closes(
    store_settings: KernelSettings, now: Callable[[datetime], None]
) -> None:
    app = ServiceDeskApplication(store_settings)
    Signers(store_settings.keys_path).put_policies_in_force(app)
    rectification_id = app.order_rectification(
        SUPERVISOR, "service report left unsigned", "technician", 1
    ).id
    with pytest.raises(RuleViolation) as refused:
        app.close_rectification(OTHER_TECHNICIAN, rectification_id, "done")
    assert refused.value.rule == "XC-09"
    assert app.rectification(rectification_id).status is RectificationStatus.OPEN

    now(ORDERED_AT + timedelta(hours=1))
    app.close_rectification(UNIT_LEADER, rectification_id, "signed")
    closed = app.rectification(rectification_id)
    assert (closed.closed_by, closed.overdue) == ("unit-leader", False)
    app.close()


def test_another_aggregates_id_is_not_found(store_settings: KernelSettings) -> None:
    app = CustomersApplication(store_settings)
    customer_id = app.register_customer(CLERK, "ACME", "salesperson").id
    with pytest.raises(NotFound):
        app.violation(customer_id)
    with pytest.raises(NotFound):
        app.rectification(customer_id)
    app.close()


# Through HTTP: the routes every service mounts, on a running application (no broker needed).


@pytest.fixture
def client(store_settings: KernelSettings, now: Callable[[datetime], None]) -> Iterator[TestClient]:
    http_app = build_app(SPECS["service-desk"], store_settings)
    application = ServiceDeskApplication(store_settings)
    Signers(store_settings.keys_path).put_policies_in_force(application)
    http_app.state.application = application
    yield TestClient(http_app)
    application.close()


def as_user(user: str) -> dict[str, str]:
    return {"Authorization": f"Bearer dev-{user}"}


def test_governance_routes(client: TestClient) -> None:
    recorded = client.post(
        "/violations",
        json={
            "rule_id": "SD-04",
            "person_id": "technician",
            "evidence_ref": "call 1234: arrived after 9 working hours",
            "loss_amount": "0",
        },
        headers=as_user("service-supervisor"),
    )
    assert recorded.status_code == 201, recorded.text
    violation = recorded.json()
    assert (violation["finding"]["rule_id"], violation["recorded_by"]) == (
        "SD-04",
        "service-supervisor",
    )
    fetched = client.get(f"/violations/{violation['violation_id']}", headers=as_user("gm"))
    assert fetched.json() == violation

    negative = client.post(
        "/violations",
        json={"rule_id": "SD-04", "person_id": "t", "evidence_ref": "e", "loss_amount": "-5"},
        headers=as_user("service-supervisor"),
    )
    assert negative.status_code == 422
    assert negative.json()["rule"] == "XC-08"

    ordered = client.post(
        "/rectifications",
        json={"finding": "arrival SLA missed twice", "owner": "technician", "working_days": 2},
        headers=as_user("service-supervisor"),
    )
    assert ordered.status_code == 201, ordered.text
    rectification = ordered.json()
    assert datetime.fromisoformat(rectification["due_at"]) == DUE_AT
    path = f"/rectifications/{rectification['rectification_id']}"

    # The owner holds no supervising role but sees and closes their own rectification; another
    # employee neither sees nor closes it.
    assert client.get(path, headers=as_user("technician")).status_code == 200
    hidden = client.get(path, headers=as_user("salesperson"))
    assert (hidden.status_code, hidden.json()["rule"]) == (403, "AUTH")
    refused = client.post(f"{path}/close", json={"outcome": "x"}, headers=as_user("salesperson"))
    assert (refused.status_code, refused.json()["rule"]) == (422, "XC-09")

    closed = client.post(
        f"{path}/close", json={"outcome": "route replanned"}, headers=as_user("technician")
    )
    assert closed.status_code == 200, closed.text
    assert (closed.json()["status"], closed.json()["overdue"]) == ("closed", False)
    again = client.post(f"{path}/close", json={"outcome": "again"}, headers=as_user("gm"))
    assert (again.status_code, again.json()["rule"]) == (422, "XC-09")

    missing = client.get(f"/rectifications/{uuid4()}", headers=as_user("gm"))
    assert (missing.status_code, missing.json()["rule"]) == (404, "NOT-FOUND")


@pytest.mark.parametrize("spec", SPECS.values(), ids=lambda s: s.name)
def test_every_service_mounts_the_governance_routes(spec: ServiceSpec) -> None:
    routers = spec.all_routers()
    paths = {r.path for router in routers for r in router.routes if isinstance(r, APIRoute)}
    assert {
        "/violations",
        "/violations/{violation_id}",
        "/rectifications",
        "/rectifications/{rectification_id}",
        "/rectifications/{rectification_id}/close",
    } <= paths
