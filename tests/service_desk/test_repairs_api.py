"""Take-back repairs (RULES §4.9, the workshop path) through service-desk's API on a real store,
SQLite and PostgreSQL: the pickup receipt and the customer's signature on the voucher (SD-14),
check-in and the repair card (SD-14, SD-15), the supervisor's inspection before the return
(SD-16), the return against the customer's signature with the receipt voided or its loss approved
(SD-17), and the escalation of a repair past its promised time (SD-19)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from uuid import UUID

import pytest

from kernel.settings import KernelSettings
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext
from service_desk.application.repairs import REPAIR_DELAYS
from service_desk.application.surveys import SURVEY_DISPATCH
from tests.service_client import ServiceClient
from tests.service_desk.test_service_calls_api import TUESDAY_10
from tests.service_desk.workshop import Workshop, opened_workshop
from tests.signers import Signers

TIMER = CommandContext(actor="service-desk:timer")


@pytest.fixture
def shop(store_settings: KernelSettings, moved_clock: list[datetime]) -> Iterator[Workshop]:
    with opened_workshop(store_settings, moved_clock) as shop:
        yield shop


@pytest.fixture
def client(shop: Workshop) -> ServiceClient:
    return shop.client


def test_sd_14_take_back_needs_pickup_receipt_and_the_customer_s_signature_on_the_voucher(
    client: ServiceClient, shop: Workshop
) -> None:
    call_id = str(shop.register(shop.customer())["call_id"])
    shop.dispatched(call_id)
    client.ok("POST", f"/service-calls/{call_id}/arrival", "technician")
    body = {"pickup_receipt_no": "PR-0001", "promised_working_days": 3}
    # Not before the diagnosis on site.
    shop.refused("POST", f"/service-calls/{call_id}/take-back", "technician", body, "SD-14")
    client.ok("POST", f"/service-calls/{call_id}/diagnosis", "technician", shop.diagnosis())

    repair = shop.take_back(call_id)
    repair_id = repair["repair_id"]
    assert (repair["status"], repair["pickup_receipt_no"]) == (
        "awaiting_take_back_signature",
        "PR-0001",
    )
    assert client.ok("GET", f"/service-calls/{call_id}", "service-clerk")["status"] == "taken_back"
    # Once only: the call is on the take-back path now.
    shop.refused("POST", f"/service-calls/{call_id}/take-back", "technician", body, "SD-14")
    # The product reaches base only after the customer signed for its take-back.
    check_in = {"in_out_register_no": "IO-17", "card_no": "RC-9"}
    shop.refused("POST", f"/repairs/{repair_id}/check-in", "service-clerk", check_in, "SD-14")

    signed = shop.customer_signs(repair_id)
    assert signed["status"] == "taken_back" and signed["take_back_signature_id"] is not None
    checked_in = client.ok("POST", f"/repairs/{repair_id}/check-in", "service-clerk", check_in)
    assert (checked_in["status"], checked_in["in_out_register_no"], checked_in["card_no"]) == (
        "in_repair",
        "IO-17",
        "RC-9",
    )
    assert shop.trail(repair_id)[-2:] == ["ProductCheckedIn", "RepairCardOpened"]
    listed = client.page(f"/repairs?call_id={call_id}", "service-supervisor")
    assert [(r["repair_id"], r["status"]) for r in listed["items"]] == [(repair_id, "in_repair")]


def test_sd_15_the_repair_card_records_time_and_parts(
    client: ServiceClient, shop: Workshop
) -> None:
    repair_id = shop.in_repair()
    path = f"/repairs/{repair_id}"
    # Completed only with the actual time on the card.
    shop.refused("POST", f"{path}/completion", "technician", {"charge": "180.00"}, "SD-15")
    client.ok("POST", f"{path}/work", "technician", {"hours": "1.5", "work": "Rewound the motor"})
    client.ok("POST", f"{path}/work", "technician", {"hours": "1", "work": "Tested"})
    part = {"name": "Bearing", "quantity": 2, "reason": "worn"}
    card = client.ok("POST", f"{path}/parts", "technician", part)
    assert (Decimal(card["hours"]), card["parts"]) == (Decimal("2.5"), [part])
    # Only the call's technicians keep the card.
    assert (
        client.call(
            "POST", f"{path}/work", "service-clerk", {"hours": "1", "work": "x"}
        ).status_code
        == 403
    )
    # SD-01: a paid repair states its charge (SD-13: the fee approved beforehand).
    shop.refused("POST", f"{path}/completion", "technician", {}, "SD-01")
    shop.fee_approved(client.ok("GET", path, "technician")["call_id"], "180.00")
    done = client.ok("POST", f"{path}/completion", "technician", {"charge": "180.00"})
    assert (done["status"], done["charge"]) == ("awaiting_inspection", "180.00")
    # The card is closed: no more time or parts on it.
    shop.refused("POST", f"{path}/parts", "technician", part, "SD-15")


def test_sd_13_a_repair_is_charged_only_the_fee_the_unit_leader_approved(
    client: ServiceClient, shop: Workshop
) -> None:
    repair_id = shop.in_repair()
    path = f"/repairs/{repair_id}"
    call_id = client.ok("GET", path, "technician")["call_id"]
    client.ok("POST", f"{path}/work", "technician", {"hours": "1", "work": "Rewound"})
    charge = {"charge": "180.00"}
    shop.refused("POST", f"{path}/completion", "technician", charge, "SD-13")
    client.ok("POST", f"/service-calls/{call_id}/fee", "technician", {"amount": "180.00"})
    shop.refused("POST", f"{path}/completion", "technician", charge, "SD-13")  # not approved yet
    shop.decide(call_id, "unit-leader", "unit_leader")
    more = {"charge": "200.00"}
    shop.refused("POST", f"{path}/completion", "technician", more, "SD-13")
    done = client.ok("POST", f"{path}/completion", "technician", charge)
    assert (done["status"], done["charge"]) == ("awaiting_inspection", "180.00")


def test_sd_16_return_refused_before_the_supervisor_passes_the_inspection(
    client: ServiceClient, shop: Workshop
) -> None:
    repair_id = shop.repaired()
    path = f"/repairs/{repair_id}"
    receipt = {"pickup_receipt_no": "PR-0001"}
    shop.refused("POST", f"{path}/pickup-receipt", "technician", receipt, "SD-16")
    refused = shop.signing_link(repair_id)
    assert (refused.status_code, refused.json()["rule"]) == (422, "SD-16")
    pending = client.page("/approvals/pending", "service-supervisor")
    assert [(a["document_id"], a["kind"]) for a in pending["items"]] == [
        (repair_id, "repair_inspection")
    ]
    with pytest.raises(RuleViolation) as own:  # the technician does not pass their own work
        Signers(client.app.settings.keys_path).decide(  # type: ignore[attr-defined]
            client.app,  # type: ignore[arg-type]
            UUID(repair_id),
            "technician",
            "service_supervisor",
        )
    assert own.value.rule == "XC-05"

    shop.inspect(repair_id, "reject", "Still noisy")
    failed = client.ok("GET", path, "technician")
    assert failed["status"] == "in_repair"
    shop.refused("POST", f"{path}/pickup-receipt", "technician", receipt, "SD-16")
    client.ok("POST", f"{path}/work", "technician", {"hours": "0.5", "work": "Reseated"})
    client.ok("POST", f"{path}/completion", "technician", {"charge": "180.00"})
    shop.inspect(repair_id)
    passed = client.ok("GET", path, "technician")
    assert (passed["status"], passed["inspected_by"]) == ("ready_for_return", "service-supervisor")
    assert shop.trail(repair_id).count("RepairInspectionFailed") == 1
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    metrics = client.http.get("/metrics").text
    assert "countersign_service_desk_repair_inspection_failures_total 1.0" in metrics


def test_sd_17_the_return_is_signed_by_the_customer_and_the_receipt_voided(
    client: ServiceClient, shop: Workshop
) -> None:
    repair_id = shop.repaired()
    shop.inspect(repair_id)
    path = f"/repairs/{repair_id}"
    call_id = client.ok("GET", path, "technician")["call_id"]
    # The call stays open until the product is back with the customer.
    shop.refused("POST", f"/service-calls/{call_id}/close", "service-clerk", None, "SD-12")
    # Only the receipt issued for this product is taken back.
    wrong = {"pickup_receipt_no": "PR-9999"}
    shop.refused("POST", f"{path}/pickup-receipt", "technician", wrong, "SD-17")
    retrieved = client.ok(
        "POST", f"{path}/pickup-receipt", "technician", {"pickup_receipt_no": "PR-0001"}
    )
    assert retrieved["status"] == "awaiting_return_signature"

    returned = shop.customer_signs(repair_id)
    assert returned["status"] == "returned" and returned["return_signature_id"] is not None
    assert returned["receipt_lost"] is False
    event = next(
        e
        for e in client.app.recorder.select_notifications(1, 1000)  # type: ignore[attr-defined]
        if e.topic.endswith("ProductReturnedToCustomer")
    )
    domain = client.app.mapper.to_domain_event(event)  # type: ignore[attr-defined]
    assert (domain.pickup_receipt_voided, domain.customer_signature_id) == (
        True,
        UUID(returned["return_signature_id"]),
    )
    # Signed once.
    again = shop.signing_link(repair_id)
    assert (again.status_code, again.json()["rule"]) == (422, "SD-17")
    closed = client.ok("POST", f"/service-calls/{call_id}/close", "service-clerk")
    assert closed["status"] == "report_pending_approval"


def test_sd_30_a_call_finished_through_a_take_back_repair_is_surveyed_after_the_return(
    client: ServiceClient, shop: Workshop, moved_clock: list[datetime]
) -> None:
    repair_id = shop.repaired()
    shop.inspect(repair_id)
    path = f"/repairs/{repair_id}"
    call_id = client.ok("GET", path, "technician")["call_id"]
    # The product still at the workshop: the call is not completed, nothing to survey.
    moved_clock[0] = TUESDAY_10 + timedelta(days=1)
    client.app.catch_up_projections()
    SURVEY_DISPATCH.tick(client.app)
    assert client.call("GET", f"/surveys/{call_id}", "service-department").status_code == 404
    with pytest.raises(RuleViolation) as early:
        client.app.send_survey(TIMER, UUID(call_id))  # type: ignore[attr-defined]
    assert early.value.rule == "SD-30"

    client.ok("POST", f"{path}/pickup-receipt", "technician", {"pickup_receipt_no": "PR-0001"})
    shop.customer_signs(repair_id)
    moved_clock[0] += timedelta(days=1)  # the next working day
    client.app.catch_up_projections()
    SURVEY_DISPATCH.tick(client.app)
    survey = client.ok("GET", f"/surveys/{call_id}", "service-department")
    assert (survey["technician_id"], survey["on_time"]) == ("technician", True)


def test_sd_17_a_lost_receipt_needs_the_supervisor_s_approved_exception(
    client: ServiceClient, shop: Workshop
) -> None:
    repair_id = shop.repaired()
    shop.inspect(repair_id)
    path = f"/repairs/{repair_id}"
    shop.refused("POST", f"{path}/pickup-receipt", "technician", {}, "SD-17")
    lost = {"explanation": "The customer lost it in the move"}
    recorded = client.ok("POST", f"{path}/pickup-receipt", "technician", lost)
    assert recorded["status"] == "receipt_exception"
    early = shop.signing_link(repair_id)
    assert (early.status_code, early.json()["rule"]) == (422, "SD-17")
    pending = client.page("/approvals/pending", "service-supervisor")
    assert [(a["document_id"], a["kind"]) for a in pending["items"]] == [
        (repair_id, "lost_pickup_receipt")
    ]
    shop.inspect(repair_id)
    returned = shop.customer_signs(repair_id)
    assert (returned["status"], returned["receipt_lost"]) == ("returned", True)


def test_sd_19_a_repair_past_its_promised_time_is_escalated_once(
    client: ServiceClient, shop: Workshop, moved_clock: list[datetime]
) -> None:
    late = shop.in_repair()
    finished = shop.repaired()
    promised = datetime.fromisoformat(
        client.ok("GET", f"/repairs/{late}", "technician")["promised_at"]
    )
    assert promised > TUESDAY_10 + timedelta(days=2)  # three working days, at close of business

    moved_clock[0] = promised - timedelta(minutes=1)
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    REPAIR_DELAYS.tick(client.app)
    assert client.ok("GET", f"/repairs/{late}", "technician")["escalated"] is False

    moved_clock[0] = promised + timedelta(minutes=1)
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    REPAIR_DELAYS.tick(client.app)
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    REPAIR_DELAYS.tick(client.app)
    assert client.ok("GET", f"/repairs/{late}", "technician")["escalated"] is True
    assert shop.trail(late).count("RepairDelayEscalated") == 1
    # A repair completed in time is not escalated.
    assert client.ok("GET", f"/repairs/{finished}", "technician")["escalated"] is False
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    metrics = client.http.get("/metrics").text
    assert "countersign_service_desk_repair_delays_escalated_total 1.0" in metrics
    assert "countersign_service_desk_repairs_at_workshop 2.0" in metrics


def test_sd_18_a_paid_take_back_repair_is_invoiced_on_the_day_of_return(
    client: ServiceClient, shop: Workshop
) -> None:
    paid = shop.repaired(charge="180.00")
    shop.inspect(paid)
    path = f"/repairs/{paid}"
    client.ok("POST", f"{path}/pickup-receipt", "technician", {"pickup_receipt_no": "PR-0001"})
    assert shop.published("ServiceInvoiceRequested") == []  # not before the return
    returned = shop.customer_signs(paid)
    [invoice] = shop.published("ServiceInvoiceRequested")
    assert (str(invoice.call_id), invoice.amount, invoice.service_type, invoice.basis) == (
        returned["call_id"],
        Decimal("180.00"),
        "A",
        "voucher",
    )
    assert invoice.date == TUESDAY_10.date()  # the return day, in Shanghai


def test_sd_18_sd_01_a_free_repair_states_no_charge_and_is_not_invoiced(
    client: ServiceClient, shop: Workshop
) -> None:
    repair_id = shop.in_repair(service_type="C")
    path = f"/repairs/{repair_id}"
    client.ok("POST", f"{path}/work", "technician", {"hours": "1", "work": "Replaced the seal"})
    shop.refused("POST", f"{path}/completion", "technician", {"charge": "50.00"}, "SD-01")
    client.ok("POST", f"{path}/completion", "technician", {})
    shop.inspect(repair_id)
    client.ok("POST", f"{path}/pickup-receipt", "technician", {"pickup_receipt_no": "PR-0001"})
    assert shop.customer_signs(repair_id)["status"] == "returned"
    assert shop.published("ServiceInvoiceRequested") == []
