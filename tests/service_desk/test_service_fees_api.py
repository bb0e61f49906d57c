"""The fee of paid (type A) work through service-desk's API on a real store, SQLite and
PostgreSQL: quoted and approved by the unit leader beforehand, taken on site only under the cash
limit in force and against a receipt (SD-13, resolution C4), and the invoice requested once the
customer signed the on-site report (SD-18, BI-16, RULES §7 rows 12-13)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal

import pytest

from kernel.settings import KernelSettings
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


def quoted(shop: Workshop, amount: str, service_type: str = "A") -> str:
    call_id = shop.diagnosed(service_type)
    path = f"/service-calls/{call_id}"
    shop.client.ok("POST", f"{path}/completion", "technician", shop.completion())
    shop.client.ok("POST", f"{path}/fee", "technician", {"amount": amount})
    return call_id


def test_sd_13_a_fee_is_taken_on_site_only_approved_beforehand_and_against_a_receipt(
    client: ServiceClient, shop: Workshop
) -> None:
    call_id = shop.diagnosed()
    path = f"/service-calls/{call_id}"
    client.ok("POST", f"{path}/completion", "technician", shop.completion())
    cash = {"amount": "180.00", "receipt_no": "R-001"}
    shop.refused("POST", f"{path}/fee-collection", "technician", cash, "SD-13")
    client.ok("POST", f"{path}/fee", "technician", {"amount": "180.00"})
    pending = client.page("/approvals/pending", "unit-leader")
    assert [(a["document_id"], a["kind"]) for a in pending["items"]] == [(call_id, "paid_service")]
    # Not before the unit leader approved it.
    shop.refused("POST", f"{path}/fee-collection", "technician", cash, "SD-13")
    shop.decide(call_id, "unit-leader", "unit_leader")
    # Only the approved amount.
    more = {"amount": "200.00", "receipt_no": "R-001"}
    shop.refused("POST", f"{path}/fee-collection", "technician", more, "SD-13")

    collected = client.ok("POST", f"{path}/fee-collection", "technician", cash)
    assert collected["fee_receipt_no"] == "R-001"
    shop.refused("POST", f"{path}/fee-collection", "technician", cash, "SD-13")  # once
    [published] = shop.published("ServiceFeeCollectedOnSite")
    assert (str(published.call_id), published.amount, published.receipt_no) == (
        call_id,
        Decimal("180.00"),
        "R-001",
    )
    assert str(published.prior_approval_id) == collected["fee_approval_id"]


def test_sd_13_c4_a_fee_over_the_cash_limit_is_not_taken_on_site(
    client: ServiceClient, shop: Workshop
) -> None:
    call_id = quoted(shop, "800.00")  # the limit in force is 500.00
    shop.decide(call_id, "unit-leader", "unit_leader")
    cash = {"amount": "800.00", "receipt_no": "R-002"}
    shop.refused("POST", f"/service-calls/{call_id}/fee-collection", "technician", cash, "SD-13")
    assert shop.published("ServiceFeeCollectedOnSite") == []


def test_sd_13_only_paid_work_has_a_fee(client: ServiceClient, shop: Workshop) -> None:
    call_id = shop.diagnosed("C")
    body = {"amount": "50.00"}
    shop.refused("POST", f"/service-calls/{call_id}/fee", "technician", body, "SD-13")


def test_sd_18_a_signed_on_site_type_a_job_requests_its_invoice_once(
    client: ServiceClient, shop: Workshop
) -> None:
    call_id = quoted(shop, "180.00")
    shop.decide(call_id, "unit-leader", "unit_leader")
    assert shop.published("ServiceInvoiceRequested") == []  # not before the customer signed
    assert shop.sign(shop.link(call_id).json()).status_code == 200
    [invoice] = shop.published("ServiceInvoiceRequested")
    assert (str(invoice.call_id), invoice.amount, invoice.service_type, invoice.basis) == (
        call_id,
        Decimal("180.00"),
        "A",
        "voucher",
    )
    assert invoice.date == TUESDAY_10.date()  # the day the customer signed, in Shanghai
    assert client.ok("GET", f"/service-calls/{call_id}", "technician")["invoice_requested"]


def test_sd_18_a_fee_approved_after_the_signature_requests_the_invoice_then(
    client: ServiceClient, shop: Workshop
) -> None:
    call_id = quoted(shop, "120.00")
    assert shop.sign(shop.link(call_id).json()).status_code == 200
    assert shop.published("ServiceInvoiceRequested") == []  # the fee is not approved yet
    shop.decide(call_id, "unit-leader", "unit_leader")
    [invoice] = shop.published("ServiceInvoiceRequested")
    assert invoice.amount == Decimal("120.00")
