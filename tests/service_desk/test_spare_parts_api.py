"""Spare and warranty parts (RULES §4.11) through service-desk's API on a real store, SQLite and
PostgreSQL: stock per ledger (SD-28), the leader's approval before any issue (SD-24), old parts
back and dealt with monthly (SD-22), write-offs (SD-25), freight signed by the handler and the
leader (SD-26) and supplier claims (SD-27), published as RULES §6.3 says (§7 row 15)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from kernel.approvals.domain import Capacity, Method, SignatureCapture, seal_fields
from runtime import clock
from runtime.aggregate import RuleViolation
from service_desk.adapters.outbound import OUTBOUND
from service_desk.application.spare_parts import OLD_PARTS
from tests.customers.test_metrics import promtool_accepts
from tests.service_client import ServiceClient
from tests.service_desk import test_service_calls_api as calls
from tests.service_desk.test_service_calls_api import TUESDAY_10, Desk
from tests.signers import Signers

client = calls.client
desk = calls.desk
"""The call register's fixtures: a service on a real store, and its desk."""

REQUISITIONS = "/spare-part-requisitions"


class Store:
    """The spare-parts store's side, through the API."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.client = desk.client
        self.signers = Signers(self.client.app.settings.keys_path)  # type: ignore[attr-defined]

    def receive(self, qty: int = 5, form: str = "R-001", **changes: Any) -> Any:
        body = {"ledger": "central", "part_no": "SEAL-9", "receipt_form_no": form, "qty": qty}
        return self.client.ok("POST", "/spare-parts/receipts", "warehouse", {**body, **changes})

    def diagnosed(self, service_type: str = "C") -> str:
        """A call diagnosed on site, of ``service_type``."""
        call_id = str(self.desk.register(self.desk.customer())["call_id"])
        self.desk.dispatched(call_id)
        path = f"/service-calls/{call_id}"
        self.client.ok("POST", f"{path}/arrival", "technician")
        diagnosis = self.desk.diagnosis(service_type=service_type, in_warranty=True)
        self.client.ok("POST", f"{path}/diagnosis", "technician", diagnosis)
        return call_id

    def requisition(self, call_id: str, qty: int = 2, **changes: Any) -> str:
        body = {"call_id": call_id, "part_no": "SEAL-9", "qty": qty, "reason": "Seal worn"}
        made = self.client.ok("POST", REQUISITIONS, "technician", {**body, **changes})
        return str(made["requisition_id"])

    def approve(self, document_id: str, action: str = "grant") -> Any:
        return self.signers.decide(
            self.client.app,  # type: ignore[arg-type]
            UUID(document_id),
            "unit-leader",
            "unit_leader",
            action=action,  # type: ignore[arg-type]
            note="No" if action == "reject" else "",
        )

    def issued(self, call_id: str, qty: int = 2) -> str:
        requisition_id = self.requisition(call_id, qty)
        self.approve(requisition_id)
        self.client.ok("POST", f"{REQUISITIONS}/{requisition_id}/issue", "warehouse")
        return requisition_id

    def signed_report(self, call_id: str) -> None:
        path = f"/service-calls/{call_id}"
        self.client.ok("POST", f"{path}/completion", "technician", self.desk.completion())
        assert self.desk.sign(self.desk.link(call_id).json()).status_code == 200

    def on_hand(self) -> int:
        page = self.client.page("/spare-parts/stock?part_no=SEAL-9&ledger=central", "warehouse")
        return int(page["items"][0]["on_hand"])

    def published(self, kind: str) -> list[Any]:
        app = self.client.app
        return [
            contract
            for item in app.recorder.select_notifications(1, 10_000)  # type: ignore[attr-defined]
            if (contract := OUTBOUND(app.mapper.to_domain_event(item)))  # type: ignore[attr-defined]
            is not None
            and contract.event_type == kind
        ]


def test_sd_28_parts_are_booked_in_on_a_receipt_form_per_ledger(
    client: ServiceClient, desk: Desk
) -> None:
    store = Store(desk)
    central = store.receive(qty=5)
    assert (central["ledger"], central["on_hand"]) == ("central", 5)
    store.receive(qty=3, form="R-002")
    station = store.receive(qty=4, ledger="service_station", station="NINGBO-1")
    assert station["on_hand"] == 4 and station["stock_id"] != central["stock_id"]
    assert store.on_hand() == 8
    stations = client.page("/spare-parts/stock?ledger=service_station", "warehouse")
    assert [(s["station"], s["on_hand"]) for s in stations["items"]] == [("NINGBO-1", 4)]
    body = {"ledger": "central", "part_no": "SEAL-9", "receipt_form_no": "R-001", "qty": 1}
    desk.refused("POST", "/spare-parts/receipts", "warehouse", body, "SD-28")  # booked once
    no_station = {**body, "receipt_form_no": "R-003", "ledger": "service_station"}
    desk.refused("POST", "/spare-parts/receipts", "warehouse", no_station, "SD-28")
    assert client.call("POST", "/spare-parts/receipts", "technician", body).status_code == 403


def test_sd_28_stock_never_goes_negative_and_unused_parts_come_back(
    client: ServiceClient, desk: Desk
) -> None:
    store = Store(desk)
    store.receive(qty=3)
    call_id = store.diagnosed()
    too_many = store.requisition(call_id, qty=4)
    store.approve(too_many)
    desk.refused("POST", f"{REQUISITIONS}/{too_many}/issue", "warehouse", None, "SD-28")
    assert store.on_hand() == 3
    elsewhere = store.requisition(call_id, ledger="service_station", station="NINGBO-1")
    store.approve(elsewhere)  # never booked into that station's ledger
    desk.refused("POST", f"{REQUISITIONS}/{elsewhere}/issue", "warehouse", None, "SD-28")

    issued = store.issued(call_id, qty=2)
    assert store.on_hand() == 1
    path = f"{REQUISITIONS}/{issued}/return-to-stock"
    desk.refused("POST", path, "warehouse", {"qty": 3}, "SD-28")
    back = client.ok("POST", path, "warehouse", {"qty": 1})
    assert (back["restocked_qty"], back["status"]) == (1, "issued")
    assert store.on_hand() == 2
    assert client.ok("POST", path, "warehouse", {"qty": 1})["status"] == "restocked"
    assert store.on_hand() == 3
    desk.refused("POST", path, "warehouse", {"qty": 1}, "SD-28")


def test_sd_24_a_part_is_issued_only_after_the_leader_approved_its_requisition(
    client: ServiceClient, desk: Desk
) -> None:
    store = Store(desk)
    store.receive()
    call_id = store.diagnosed()
    requisition_id = store.requisition(call_id)
    pending = client.page("/approvals/pending", "unit-leader")
    assert [(a["document_id"], a["kind"]) for a in pending["items"]] == [
        (requisition_id, "spare_part_requisition")
    ]
    issue = f"{REQUISITIONS}/{requisition_id}/issue"
    desk.refused("POST", issue, "warehouse", None, "SD-24")
    with pytest.raises(RuleViolation) as own:  # XC-05: not his own requisition
        store.signers.decide(client.app, UUID(requisition_id), "technician", "unit_leader")  # type: ignore[arg-type]
    assert own.value.rule == "XC-05"
    store.approve(requisition_id)
    issued = client.ok("POST", issue, "warehouse")
    assert (issued["status"], issued["issued_by"]) == ("issued", "warehouse")
    assert issued["old_part_due_at"] is not None
    desk.refused("POST", issue, "warehouse", None, "SD-24")  # issued once

    rejected = store.requisition(call_id)
    store.approve(rejected, action="reject")
    desk.refused("POST", f"{REQUISITIONS}/{rejected}/issue", "warehouse", None, "SD-24")
    listed = client.page(f"{REQUISITIONS}?call_id={call_id}", "unit-leader")
    assert sorted(r["status"] for r in listed["items"]) == ["issued", "rejected"]


def test_sd_24_only_a_technician_on_a_diagnosed_call_requisitions(
    client: ServiceClient, desk: Desk
) -> None:
    store = Store(desk)
    call_id = str(desk.register(desk.customer())["call_id"])
    body = {"call_id": call_id, "part_no": "SEAL-9", "qty": 1, "reason": "Seal worn"}
    desk.refused("POST", REQUISITIONS, "technician", body, "SD-24")  # not dispatched
    desk.dispatched(call_id)
    client.ok("POST", f"/service-calls/{call_id}/arrival", "technician")
    desk.refused("POST", REQUISITIONS, "technician", body, "SD-24")  # not diagnosed
    diagnosed = store.diagnosed()
    assert client.ok("POST", REQUISITIONS, "technician", {**body, "call_id": diagnosed})


def test_sd_22_old_parts_come_back_and_are_dealt_with_monthly_the_timer_flags_the_rest(
    client: ServiceClient, desk: Desk, moved_clock: list[datetime]
) -> None:
    store = Store(desk)
    store.receive()
    call_id = store.diagnosed()
    late = store.issued(call_id, qty=1)
    back = store.issued(call_id, qty=1)
    not_issued = store.requisition(call_id)
    desk.refused("POST", f"{REQUISITIONS}/{not_issued}/old-part", "technician", None, "SD-22")
    disposal = {"disposition": "scrapped"}
    desk.refused("POST", f"{REQUISITIONS}/{back}/old-part/disposal", "warehouse", disposal, "SD-22")
    returned = client.ok("POST", f"{REQUISITIONS}/{back}/old-part", "technician")
    assert returned["old_part_ref"] is not None
    # Came back on Tuesday 1 December: dealt with by the 5th working day of January.
    assert returned["disposal_due_at"] == "2027-01-08T09:30:00Z"
    desk.refused("POST", f"{REQUISITIONS}/{back}/old-part", "technician", None, "SD-22")
    outstanding = client.page("/old-parts/outstanding", "service-supervisor")
    assert {r["requisition_id"] for r in outstanding["items"]} == {late, back}

    # Five working days after the issue the one not back is late; after January's handling
    # the one not dealt with is too. Each is flagged once.
    moved_clock[0] = TUESDAY_10 + timedelta(days=8)
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    OLD_PARTS.tick(client.app)
    OLD_PARTS.tick(client.app)
    assert client.ok("GET", f"{REQUISITIONS}/{late}", "warehouse")["return_overdue"] is True
    assert client.ok("GET", f"{REQUISITIONS}/{back}", "warehouse")["disposal_overdue"] is False
    moved_clock[0] = datetime(2027, 1, 9, 2, tzinfo=clock.now().tzinfo)
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    OLD_PARTS.tick(client.app)
    OLD_PARTS.tick(client.app)
    assert client.ok("GET", f"{REQUISITIONS}/{back}", "warehouse")["disposal_overdue"] is True
    trail = client.ok("GET", f"/audit-trail/{late}", "service-supervisor")
    names = [e["event"].rpartition(".")[2] for e in trail]
    assert names.count("OldPartReturnOverdue") == 1
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    metrics = client.http.get("/metrics").text
    assert (
        'countersign_service_desk_old_parts_outstanding{overdue="yes",state="not_returned"} 1.0'
        in metrics
    )
    assert (
        'countersign_service_desk_old_parts_outstanding{overdue="yes",state="not_disposed"} 1.0'
        in metrics
    )
    promtool_accepts(metrics)

    dealt = client.ok("POST", f"{REQUISITIONS}/{back}/old-part/disposal", "warehouse", disposal)
    assert dealt["disposition"] == "scrapped"
    desk.refused("POST", f"{REQUISITIONS}/{back}/old-part/disposal", "warehouse", disposal, "SD-22")
    outstanding = client.page("/old-parts/outstanding", "service-supervisor")
    assert [r["requisition_id"] for r in outstanding["items"]] == [late]


def test_sd_25_a_write_off_needs_the_signed_report_the_leader_s_consent_and_the_old_part(
    client: ServiceClient, desk: Desk
) -> None:
    store = Store(desk)
    store.receive()
    call_id = store.diagnosed()
    requisition_id = store.issued(call_id)
    path = f"{REQUISITIONS}/{requisition_id}"
    # No customer-signed report yet: neither consent nor write-off.
    desk.refused("POST", f"{path}/write-off-consent", "technician", None, "SD-25")
    desk.refused("POST", f"{path}/write-off", "warehouse", None, "SD-25")
    store.signed_report(call_id)
    # Signed, but the leader has not consented.
    desk.refused("POST", f"{path}/write-off", "warehouse", None, "SD-25")
    client.ok("POST", f"{path}/write-off-consent", "technician")
    desk.refused("POST", f"{path}/write-off", "warehouse", None, "SD-25")
    store.approve(requisition_id)
    assert client.ok("GET", path, "warehouse")["write_off_approver"] == "unit-leader"
    # Consented, but the old part is not back.
    desk.refused("POST", f"{path}/write-off", "warehouse", None, "SD-25")
    client.ok("POST", f"{path}/old-part", "technician")
    # BI-26, SD-46: the part's cost entered at write-off goes to billing, which books it.
    written_off = client.ok("POST", f"{path}/write-off", "warehouse", {"amount": "35.50"})
    assert written_off["status"] == "written_off"
    desk.refused("POST", f"{path}/write-off", "warehouse", None, "SD-25")

    (published,) = store.published("SparePartWrittenOff")
    assert published.model_dump(mode="json") == {
        "requisition_id": requisition_id,
        "part_no": "SEAL-9",
        "qty": 2,
        "call_id": call_id,
        "approver": "unit-leader",
        "old_part_ref": written_off["old_part_ref"],
        "amount": "35.50",
    }


def test_sd_25_only_a_warranty_part_is_written_off(client: ServiceClient, desk: Desk) -> None:
    store = Store(desk)
    store.receive()
    call_id = store.diagnosed("A")
    requisition_id = store.issued(call_id)
    store.signed_report(call_id)
    path = f"{REQUISITIONS}/{requisition_id}/write-off-consent"
    desk.refused("POST", path, "technician", None, "SD-25")


def _employee_seal(client: ServiceClient, document_id: str, user: str) -> dict[str, Any]:
    """What an employee's app posts to sign a document for themselves."""
    capture = SignatureCapture(
        signer_id=user,
        signer_name=user,
        capacity=Capacity.EMPLOYEE,
        signer_org="",
        method=Method.E_SIGN,
        image_hash=None,
        place="Ningbo",
        signed_at=clock.now(),
    )
    document = client.app.document(UUID(document_id))  # type: ignore[attr-defined]
    fields = seal_fields(document.document_type, document.id, document.version_hash, capture, user)
    signers = Signers(client.app.settings.keys_path)  # type: ignore[attr-defined]
    return {
        "signer_id": user,
        "signer_name": user,
        "capacity": "employee",
        "method": "e_sign",
        "place": "Ningbo",
        "signed_at": capture.signed_at.isoformat(),
        "seal": signers.sign(user, fields),
    }


def test_sd_26_freight_is_written_off_once_the_handler_and_the_leader_signed(
    client: ServiceClient, desk: Desk
) -> None:
    store = Store(desk)
    store.receive()
    call_id = store.diagnosed()
    requisition_id = store.issued(call_id)
    body = {
        "call_id": call_id,
        "requisition_id": requisition_id,
        "waybill_no": "SF-1234",
        "amount": "36.50",
    }
    freight = client.ok("POST", "/freight-costs", "technician", body)
    ref = str(freight["shipment_ref"])
    signatures = f"/freight-costs/{ref}/signatures"
    # The leader signs only after the handler, and only as the leader who approved it.
    with pytest.raises(RuleViolation) as first:
        store.approve(ref)
    assert first.value.rule == "SD-26"
    leader_early = _employee_seal(client, ref, "unit-leader")
    desk.refused("POST", signatures, "unit-leader", leader_early, "SD-26")
    other = _employee_seal(client, ref, "sales-clerk")
    desk.refused("POST", signatures, "sales-clerk", other, "SD-26")
    handler = client.ok("POST", signatures, "technician", _employee_seal(client, ref, "technician"))
    again = _employee_seal(client, ref, "technician")
    desk.refused("POST", signatures, "technician", again, "SD-26")
    assert client.ok("GET", f"/freight-costs/{ref}", "unit-leader")["status"] == "recorded"
    store.approve(ref)
    leader = client.ok(
        "POST", signatures, "unit-leader", _employee_seal(client, ref, "unit-leader")
    )
    assert client.ok("GET", f"/freight-costs/{ref}", "unit-leader")["status"] == "written_off"

    (published,) = store.published("FreightWrittenOff")
    assert published.model_dump(mode="json") == {
        "shipment_ref": ref,
        "amount": "36.50",
        "handler_signature_id": handler["signature_id"],
        "leader_signature_id": leader["signature_id"],
    }
    other_call = store.diagnosed()
    wrong = {**body, "call_id": other_call}
    desk.refused("POST", "/freight-costs", "technician", wrong, "SD-26")


def test_sd_27_a_supplier_claim_takes_returned_old_parts_as_evidence_until_settled(
    client: ServiceClient, desk: Desk
) -> None:
    store = Store(desk)
    store.receive()
    call_id = store.diagnosed()
    not_back = store.issued(call_id, qty=1)
    back = store.issued(call_id, qty=1)
    client.ok("POST", f"{REQUISITIONS}/{back}/old-part", "technician")
    claim = {
        "supplier": "Pump Parts Co.",
        "requisition_ids": [not_back],
        "evidence_refs": [f"service-report:{call_id}"],
        "amount": "120.00",
    }
    desk.refused("POST", "/supplier-claims", "service-supervisor", claim, "SD-27")
    claim["requisition_ids"] = [back]
    no_evidence = {**claim, "evidence_refs": [" "]}
    desk.refused("POST", "/supplier-claims", "service-supervisor", no_evidence, "SD-27")
    filed = client.ok("POST", "/supplier-claims", "service-supervisor", claim)
    assert filed["status"] == "filed" and filed["parts"][0]["requisition_id"] == back
    old_part = client.ok("GET", f"{REQUISITIONS}/{back}", "warehouse")
    assert old_part["disposition"] == "supplier_claim"
    desk.refused("POST", "/supplier-claims", "service-supervisor", claim, "SD-27")  # used

    settle = f"/supplier-claims/{filed['claim_id']}/settlement"
    desk.refused("POST", settle, "service-supervisor", {"amount": "150.00"}, "SD-27")
    settled = client.ok("POST", settle, "service-supervisor", {"amount": "100.00"})
    assert (settled["status"], settled["recovered"]) == ("settled", "100.00")
    desk.refused("POST", settle, "service-supervisor", {"amount": "100.00"}, "SD-27")
    listed = client.page("/supplier-claims?status=settled", "service-supervisor")
    assert [c["claim_id"] for c in listed["items"]] == [filed["claim_id"]]

    expected_parts = [
        {
            "part_no": "SEAL-9",
            "qty": 1,
            "call_id": call_id,
            "old_part_ref": old_part["old_part_ref"],
        }
    ]
    (filed_event,) = store.published("SupplierClaimFiled")
    (settled_event,) = store.published("SupplierClaimSettled")
    assert filed_event.model_dump(mode="json") == {
        "claim_id": filed["claim_id"],
        "supplier": "Pump Parts Co.",
        "parts": expected_parts,
        "evidence_refs": [f"service-report:{call_id}"],
        "amount": "120.00",
    }
    assert settled_event.model_dump(mode="json")["amount"] == "100.00"
