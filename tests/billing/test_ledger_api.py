"""The service ledger over HTTP on a real store (SD-46, BI-16, BI-26; RULES §7 rows 12, 13, 15):
service-desk never books money, billing does, each entry tracing its source event and booked
once however often the event comes. A type-A job's invoice request goes the way of every
invoice; warranty parts and freight are warranty cost; a claim on a supplier is a receivable
from it, listed and aged apart from the customers'. Refusals book nothing."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from billing.domain.supplier_receivable import SupplierReceivable
from contracts.billing import InvoiceIssued
from contracts.customers import CustomerRegistered
from contracts.service_desk import (
    ClaimedPart,
    FreightWrittenOff,
    ServiceFeeCollectedOnSite,
    ServiceInvoiceRequested,
    SparePartWrittenOff,
    SupplierClaimFiled,
    SupplierClaimSettled,
)
from tests import company
from tests.billing.test_expenses_api import app_of, refused
from tests.billing.test_invoicing_api import payment, published, receive
from tests.service_client import ServiceClient
from tests.signers import Signers

DESK = "service-desk.events"


def twice(client: ServiceClient, event: Any) -> None:
    """Service-desk's event, delivered and then republished as a new message."""
    for _ in range(2):
        receive(client, event, DESK)
    app_of(client).catch_up_projections()


def ledger(client: ServiceClient, query: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = client.page(f"/ledger?{query}", "finance")["items"]
    return items


def test_sd_46_a_fee_collected_on_site_is_booked_once_as_service_income(
    client: ServiceClient,
) -> None:
    call_id = uuid4()
    fee = ServiceFeeCollectedOnSite(
        call_id=call_id,
        customer_id=uuid4(),
        amount="80.00",
        receipt_no="SR-9",
        prior_approval_id=uuid4(),
    )
    twice(client, fee)
    (entry,) = ledger(client, f"kind=service_fee&call_id={call_id}")
    assert (entry["amount"], entry["source_event"], entry["source_id"], entry["reference"]) == (
        "80.00",
        "ServiceFeeCollectedOnSite",
        str(call_id),
        "SR-9",
    )
    assert entry["month"] == company.this_month()
    assert client.ok("GET", f"/ledger/{entry['entry_id']}", "accountant")["kind"] == "service_fee"


def test_sd_46_service_income_booked_by_hand_is_refused_with_the_rule(
    client: ServiceClient,
) -> None:
    for kind, rule in (("service_fee", "SD-46"), ("service_invoice", "SD-46")):
        body = {"kind": kind, "amount": "80.00", "reason": "cash in the drawer"}
        refused(client, "/ledger/adjustments", "finance", rule, body)
    for kind in ("warranty_part", "supplier_claim"):
        body = {"kind": kind, "amount": "80.00", "reason": "by hand"}
        refused(client, "/ledger/adjustments", "finance", "BI-26", body)
    body = {"kind": "adjustment", "amount": "1.00", "reason": "rounding"}
    refused(client, "/ledger/adjustments", "salesperson", "BI-15", body)
    adjusted = client.ok("POST", "/ledger/adjustments", "finance", body)
    assert (adjusted["kind"], adjusted["source_event"], adjusted["booked_by"]) == (
        "adjustment",
        "",
        "finance",
    )


def service_job(client: ServiceClient, service_type: str = "A") -> ServiceInvoiceRequested:
    customer_id = uuid4()
    receive(
        client,
        CustomerRegistered(customer_id=customer_id, legal_name="Acme", owner_id="salesperson"),
        "customers.events",
    )
    return ServiceInvoiceRequested(
        call_id=uuid4(),
        customer_id=customer_id,
        amount="120.00",
        service_type=service_type,
        basis="voucher",
        date=company.today(),
    )


def test_bi_16_sd_46_a_service_job_is_invoiced_like_any_other_and_booked_as_service_income(
    client: ServiceClient, signers: Signers
) -> None:
    job = service_job(client)
    twice(client, job)
    page = client.page(f"/invoice-requests?order_id={job.call_id}", "salesperson")
    (request,) = page["items"]
    assert (request["source"], request["call_id"], request["amount"]) == (
        "service_report",
        str(job.call_id),
        "120.00",
    )
    request_id = request["request_id"]
    lines = [{"product_code": "SERVICE-A-VOUCHER", "quantity": 1, "unit_price": "120.00"}]
    client.ok("POST", f"/invoice-requests/{request_id}/submit", "salesperson", {"lines": lines})
    signers.decide(app_of(client), UUID(request_id), "sales-manager", "sales_manager")
    signers.decide(app_of(client), UUID(request_id), "finance", "finance")
    # SD-46: not yet income before finance issued the invoice.
    app_of(client).catch_up_projections()
    assert ledger(client, f"call_id={job.call_id}") == []
    # BI-16: the accountant or finance issues it, never who sells or serves.
    refused(client, f"/invoice-requests/{request_id}/issue", "technician", "BI-15", {"number": "S"})
    invoice = client.ok(
        "POST", f"/invoice-requests/{request_id}/issue", "finance", {"number": "S1"}
    )
    invoice_id = invoice["invoice_id"]
    assert (invoice["call_id"], invoice["amount"]) == (str(job.call_id), "120.00")
    (issued,) = published(client, invoice_id)
    assert isinstance(issued, InvoiceIssued)
    assert (issued.call_id, issued.order_id) == (job.call_id, job.call_id)

    twice(client, job)  # republished after the invoice: nothing opens again
    (entry,) = ledger(client, f"call_id={job.call_id}")
    assert (entry["kind"], entry["amount"], entry["source_event"], entry["booked_by"]) == (
        "service_invoice",
        "120.00",
        "ServiceInvoiceRequested",
        "finance",
    )
    # The receivable falls due and is paid like any other.
    receivable = client.ok("GET", f"/receivables/{invoice_id}", "finance")
    assert receivable["due_on"] is not None
    customer = str(job.customer_id)
    client.ok("POST", "/payments", "finance", payment(customer, (invoice_id, "120.00")))
    assert client.ok("GET", f"/receivables/{invoice_id}", "finance")["settled"] is True


def test_bi_16_a_type_b_job_is_invoiced_on_its_maintenance_contract_basis(
    client: ServiceClient,
) -> None:
    job = service_job(client, "B").model_copy(update={"basis": "contract"})
    twice(client, job)
    (request,) = client.page(f"/invoice-requests?order_id={job.call_id}", "salesperson")["items"]
    detail = client.ok("GET", f"/invoice-requests/{request['request_id']}", "salesperson")
    assert [line["product_code"] for line in detail["delivered"]] == ["SERVICE-B-CONTRACT"]


def test_bi_16_a_warranty_or_internal_job_opens_no_invoice_request_refused(
    client: ServiceClient,
) -> None:
    for service_type in ("C", "D"):
        job = service_job(client, service_type)
        twice(client, job)
        page = client.page(f"/invoice-requests?order_id={job.call_id}", "salesperson")
        assert page["total"] == 0
        assert ledger(client, f"call_id={job.call_id}") == []


def test_bi_26_warranty_parts_and_freight_are_booked_once_as_warranty_cost(
    client: ServiceClient,
) -> None:
    call_id, requisition_id, shipment_ref = uuid4(), uuid4(), uuid4()
    part = SparePartWrittenOff(
        requisition_id=requisition_id,
        part_no="SEAL-9",
        qty=2,
        call_id=call_id,
        approver="unit-leader",
        old_part_ref=uuid4(),
        amount="35.50",
    )
    twice(client, part)
    twice(
        client,
        FreightWrittenOff(
            shipment_ref=shipment_ref,
            amount="12.00",
            handler_signature_id=uuid4(),
            leader_signature_id=uuid4(),
        ),
    )
    month = company.this_month()
    (booked,) = ledger(client, f"kind=warranty_part&call_id={call_id}&month={month}")
    assert (booked["amount"], booked["source_id"], booked["reference"]) == (
        "35.50",
        str(requisition_id),
        "SEAL-9",
    )
    freight = [
        e for e in ledger(client, "kind=warranty_freight") if e["source_id"] == str(shipment_ref)
    ]
    assert [(e["amount"], e["source_event"]) for e in freight] == [("12.00", "FreightWrittenOff")]
    metrics = client.http.get("/metrics").text
    assert 'countersign_billing_ledger_booked_this_month{kind="warranty_part"} 35.5' in metrics
    assert 'countersign_billing_ledger_booked_this_month{kind="service_fee"} 0.0' in metrics


def test_bi_26_a_part_without_cost_or_a_negative_freight_never_books_refused(
    client: ServiceClient,
) -> None:
    call_id, shipment_ref = uuid4(), uuid4()
    twice(
        client,
        SparePartWrittenOff(
            requisition_id=uuid4(),
            part_no="SEAL-9",
            qty=1,
            call_id=call_id,
            approver="unit-leader",
            old_part_ref=uuid4(),
        ),
    )
    twice(
        client,
        FreightWrittenOff(
            shipment_ref=shipment_ref,
            amount="-12.00",
            handler_signature_id=uuid4(),
            leader_signature_id=uuid4(),
        ),
    )
    assert ledger(client, f"call_id={call_id}") == []
    assert all(e["source_id"] != str(shipment_ref) for e in ledger(client, "kind=warranty_freight"))


def claim(amount: str, claim_id: UUID | None = None) -> dict[str, Any]:
    return {
        "claim_id": claim_id or uuid4(),
        "supplier": "Axle Works",
        "parts": [ClaimedPart(part_no="AX-1", qty=1, call_id=uuid4(), old_part_ref=uuid4())],
        "evidence_refs": ["report 7"],
        "amount": amount,
    }


def test_bi_26_a_supplier_claim_is_a_receivable_apart_from_customers_collected_in_part(
    client: ServiceClient,
) -> None:
    filed = SupplierClaimFiled(**claim("500.00"))
    twice(client, filed)
    receivable_id = SupplierReceivable.id_for(filed.claim_id)
    path = f"/supplier-receivables/{receivable_id}"
    opened = client.ok("GET", path, "finance")
    assert (opened["supplier"], opened["outstanding"], opened["settled"]) == (
        "Axle Works",
        "500.00",
        False,
    )
    assert opened["due_on"] is not None
    (entry,) = ledger(client, "kind=supplier_claim&supplier=Axle%20Works")
    assert (entry["source_id"], entry["amount"]) == (str(filed.claim_id), "500.00")
    # A supplier is not a customer: nothing of it in the customers' receivables or aging.
    assert client.page("/receivables", "finance")["total"] == 0
    as_of = opened["filed_on"]
    customers = client.ok("GET", f"/receivables/aging?as_of={as_of}", "finance")
    assert customers["receivables"] == "0.00"
    suppliers = client.ok("GET", f"/supplier-receivables/aging?as_of={as_of}", "finance")
    assert (suppliers["receivables"], suppliers["buckets"]["current"]) == ("500.00", "500.00")

    twice(client, SupplierClaimSettled(**claim("300.00", filed.claim_id)))
    settled = client.ok("GET", path, "finance")
    assert (settled["collected"], settled["outstanding"], settled["settled"]) == (
        "300.00",
        "200.00",
        False,
    )
    (row,) = client.page("/supplier-receivables?settled=false", "finance")["items"]
    assert (row["claim_id"], row["outstanding"]) == (str(filed.claim_id), "200.00")
    metrics = client.http.get("/metrics").text
    assert "countersign_billing_supplier_receivables_outstanding 200.0" in metrics
    (collected,) = ledger(client, "kind=supplier_claim_collected")
    assert (collected["amount"], collected["source_event"]) == ("300.00", "SupplierClaimSettled")


def test_bi_26_a_settlement_beyond_the_claim_or_of_an_unknown_claim_books_nothing_refused(
    client: ServiceClient,
) -> None:
    filed = SupplierClaimFiled(**claim("100.00"))
    twice(client, filed)
    twice(client, SupplierClaimSettled(**claim("150.00", filed.claim_id)))
    over = client.ok(
        "GET", f"/supplier-receivables/{SupplierReceivable.id_for(filed.claim_id)}", "finance"
    )
    assert (over["collected"], over["outstanding"], over["over_settlement"]) == (
        "0.00",
        "100.00",
        "150.00",
    )
    (row,) = client.page("/supplier-receivables", "finance")["items"]
    assert row["over_settlement"] == "150.00"
    unknown = SupplierClaimSettled(**claim("40.00"))
    twice(client, unknown)
    assert ledger(client, "kind=supplier_claim_collected") == []
    response = client.call(
        "GET", f"/supplier-receivables/{SupplierReceivable.id_for(unknown.claim_id)}", "finance"
    )
    assert response.status_code == 404
