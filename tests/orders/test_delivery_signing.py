"""The customer confirms delivery by signing (OR-22) through their own one-time link (XC-02), or on
paper that staff scan: through the orders API on a real store, SQLite and PostgreSQL."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from contextlib import closing
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlparse
from uuid import UUID, uuid4

import httpx
import orjson
import pytest

from kernel.approvals.domain import seal_fields
from kernel.approvals.http import CaptureSignature
from kernel.audit.signatures import SignatureChecker
from kernel.audit.verify import open_store, verify
from kernel.settings import KernelSettings
from kernel.signing import expire_lapsed_links
from orders.bootstrap import SPEC
from runtime import clock
from runtime.signing import KeyRing
from tests.kernel.approval_story import Signed
from tests.kernel.test_audit_chain import RawStore
from tests.kernel.test_audit_signatures import forge
from tests.orders.order_flow import OrderFlow
from tests.orders.test_orders_api import approved_customer, place
from tests.service_client import ServiceClient, service_client
from tests.signers import DRAWN, PAPER_SCAN, Signers, on_paper, page_answer


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        Signers(store_settings.keys_path).put_policies_in_force(client.app)
        yield client


def shipped_order(client: ServiceClient) -> str:
    flow = OrderFlow(client, Signers(client.app.settings.keys_path))
    return flow.shipped(flow.customer())


def issue_link(client: ServiceClient, order_id: str, hours: int = 72) -> dict[str, Any]:
    body = {"contact_name": "Zhao Lan", "contact": "+86 139 0000 0000", "open_hours": hours}
    link: dict[str, Any] = client.ok(
        "POST", f"/orders/{order_id}/signing-requests", "sales-clerk", body
    )
    return link


def page_path(link: dict[str, Any]) -> str:
    return urlparse(link["url"]).path


def answer(client: ServiceClient, link: dict[str, Any], **given: Any) -> httpx.Response:
    """What the customer's browser posts: the link alone, no credentials."""
    return client.http.post(page_path(link), json=page_answer(**given))


def order_status(client: ServiceClient, order_id: str) -> str:
    status: str = client.ok("GET", f"/orders/{order_id}", "finance")["status"]
    return status


def events(client: ServiceClient, order_id: str) -> list[str]:
    trail = client.ok("GET", f"/audit-trail/{order_id}", "finance")
    return [e["event"].rpartition(".")[2] for e in trail]


def test_or22_xc02_the_customer_signs_the_delivery_through_their_own_link(
    client: ServiceClient, store_settings: KernelSettings
) -> None:
    order_id = shipped_order(client)
    link = issue_link(client, order_id)
    assert link["url"].startswith("http://testserver/sign/")

    page = client.http.get(page_path(link))
    assert page.status_code == 200
    assert "Delivery confirmation" in page.text and "P-1" in page.text
    assert link["document_version_hash"] in page.text
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["referrer-policy"] == "no-referrer"
    assert "script-src 'nonce-" in page.headers["content-security-policy"]

    signed = answer(client, link, comment="Two boxes, one dented <b>")
    assert signed.status_code == 200, signed.text
    assert signed.json()["status"] == "signed"

    assert order_status(client, order_id) == "delivered"
    (signature,) = client.ok("GET", f"/orders/{order_id}/signatures", "finance")
    assert signature["capacity"] == "customer" and signature["method"] == "e_sign"
    assert signature["captured_by"] == "service:orders" and signature["has_image"]
    image = client.call(
        "GET", f"/orders/{order_id}/signatures/{signature['signature_id']}/image", "finance"
    )
    assert (image.headers["content-type"], image.content) == ("image/png", DRAWN)
    assert events(client, order_id)[-3:] == [
        "SigningRequested",
        "CustomerSigned",
        "DeliveryConfirmed",
    ]
    trail = client.ok("GET", f"/audit-trail/{order_id}", "finance")
    captured = next(e for e in trail if e["event"].endswith("CustomerSigned"))
    assert captured["actor"] == "customer"
    assert captured["details"]["answer"]["comment"] == "Two boxes, one dented <b>"
    requests = client.page("/signing-requests?status=signed", "finance")
    assert [r["document_id"] for r in requests["items"]] == [order_id]

    store = open_store(store_settings, "orders")
    assert store is not None
    with closing(store):
        check = SignatureChecker(KeyRing.load(store_settings.keys_path))
        assert verify(store, check).failure is None
    # The policies put in force, the goods request's two approval steps, and the service's seal
    # of the customer's answer.
    assert check.checked == len(client.app.policy_files) + 2 + 1


def test_xc02_a_used_link_is_refused_with_a_page_naming_the_rule(client: ServiceClient) -> None:
    order_id = shipped_order(client)
    link = issue_link(client, order_id)
    assert answer(client, link).status_code == 200

    again = client.http.get(page_path(link))
    assert again.status_code == 422
    assert "XC-02" in again.text and "already been used" in again.text
    reused = answer(client, link, name="Someone Else")
    assert (reused.status_code, reused.json()["rule"]) == (422, "XC-02")
    assert len(client.ok("GET", f"/orders/{order_id}/signatures", "finance")) == 1


def test_xc02_an_expired_link_is_refused_and_closed_by_the_timer(client: ServiceClient) -> None:
    order_id = shipped_order(client)
    link = issue_link(client, order_id, hours=1)
    later = clock.now() + timedelta(hours=2)
    clock.use(lambda: later)
    try:
        expired = client.http.get(page_path(link))
        assert expired.status_code == 422
        assert "XC-02" in expired.text and "expired" in expired.text
        assert answer(client, link).json()["rule"] == "XC-02"

        client.app.catch_up_projections()
        expire_lapsed_links(client.app)  # type: ignore[arg-type]
        assert events(client, order_id)[-1] == "SigningExpired"
        assert client.page("/signing-requests?status=expired", "finance")["total"] == 1
    finally:
        clock.use(lambda: datetime.now(tz=later.tzinfo))
    assert order_status(client, order_id) == "shipped"


def test_or22_no_link_for_an_order_not_shipped_and_nothing_is_written(
    client: ServiceClient,
) -> None:
    order = place(client, approved_customer(client, 1), 1)
    before = client.app.recorder.max_notification_id()

    refused = client.call(
        "POST",
        f"/orders/{order['order_id']}/signing-requests",
        "sales-clerk",
        {"contact_name": "Zhao Lan"},
    )

    assert (refused.status_code, refused.json()["rule"]) == (422, "OR-22"), refused.text
    assert client.app.recorder.max_notification_id() == before


def test_xc02_an_employee_s_token_cannot_post_a_customer_signature(client: ServiceClient) -> None:
    order_id = shipped_order(client)
    link = issue_link(client, order_id)

    posted = client.http.post(
        page_path(link), json=page_answer(), headers={"Authorization": "Bearer dev-sales-clerk"}
    )

    assert (posted.status_code, posted.json()["rule"]) == (422, "XC-02"), posted.text
    assert order_status(client, order_id) == "shipped"
    assert answer(client, link).status_code == 200  # the customer's own answer still counts


def paper_scan_body(
    client: ServiceClient, order_id: str, user: str, **changes: Any
) -> dict[str, Any]:
    """What an employee's app posts for the scan of a confirmation signed on paper, sealed."""
    signers = Signers(client.app.settings.keys_path)  # type: ignore[attr-defined]
    capture = on_paper()
    body: dict[str, Any] = {
        "signer_name": capture.signer_name,
        "capacity": "customer",
        "method": "paper_scan",
        "image_base64": base64.b64encode(PAPER_SCAN).decode(),
        "place": capture.place,
        "signed_at": capture.signed_at.isoformat(),
        **changes,
    }
    document = client.app.signable(UUID(order_id))  # type: ignore[attr-defined]
    # Sealed over exactly what the route makes of the body.
    as_captured = CaptureSignature.model_validate({**body, "seal": "AA=="}).capture()
    fields = seal_fields("order", document.id, document.version_hash, as_captured, user)
    return {**body, "seal": signers.sign(user, fields)}


@pytest.mark.parametrize("method", ["e_sign", "handwritten", "seal"])
def test_xc02_staff_cannot_enter_a_customer_s_signature_themselves(
    client: ServiceClient, method: str
) -> None:
    order_id = shipped_order(client)
    body = paper_scan_body(client, order_id, "sales-clerk", method=method)

    refused = client.call("POST", f"/orders/{order_id}/signatures", "sales-clerk", body)

    assert (refused.status_code, refused.json()["rule"]) == (422, "XC-02"), refused.text
    assert "signing link" in refused.json()["reason"]
    assert order_status(client, order_id) == "shipped"


def test_or22_xc02_a_paper_scan_confirms_delivery_under_the_employee_s_seal(
    client: ServiceClient,
) -> None:
    order_id = shipped_order(client)
    link = issue_link(client, order_id)
    body = paper_scan_body(client, order_id, "sales-clerk")

    client.ok("POST", f"/orders/{order_id}/signatures", "sales-clerk", body)

    assert order_status(client, order_id) == "delivered"
    (signature,) = client.ok("GET", f"/orders/{order_id}/signatures", "finance")
    assert (signature["method"], signature["captured_by"]) == ("paper_scan", "sales-clerk")
    assert not signature["has_image"]  # a scan is kept by its hash
    assert events(client, order_id)[-3:] == [
        "SignatureCaptured",
        "DeliveryConfirmed",
        "SigningExpired",
    ]
    assert "signature on paper" in client.http.get(page_path(link)).text


def test_or22_a_paper_scan_is_refused_before_the_shipment(client: ServiceClient) -> None:
    order = place(client, approved_customer(client, 1), 1)
    order_id = str(order["order_id"])
    body = paper_scan_body(client, order_id, "sales-clerk")

    refused = client.call("POST", f"/orders/{order_id}/signatures", "sales-clerk", body)

    assert (refused.status_code, refused.json()["rule"]) == (422, "OR-22"), refused.text


@pytest.mark.parametrize(
    ("signed_at", "rule"),
    [
        ("9999-12-31T23:59:59+00:00", "INPUT"),
        ("1900-01-01T00:00:00+00:00", "INPUT"),
        ("2026-11-20T10:00:00", "INPUT"),
        ("2001-01-01T00:00:00+00:00", "XC-02"),
    ],
    ids=["year 9999", "year 1900", "no time zone", "before the order existed"],
)
def test_or22_a_paper_signature_dated_outside_the_order_s_history_is_refused(
    client: ServiceClient, signed_at: str, rule: str
) -> None:
    """A receipt in the year 9999 once made service-desk fail computing a warranty's end, and
    one in 1900 opened vouchers whose warranty had ended long before the sale."""
    order_id = shipped_order(client)
    body = {**paper_scan_body(client, order_id, "sales-clerk"), "signed_at": signed_at}

    refused = client.call("POST", f"/orders/{order_id}/signatures", "sales-clerk", body)

    assert (refused.status_code, refused.json()["rule"]) == (422, rule), refused.text
    assert order_status(client, order_id) == "shipped"


def test_xc02_the_customer_may_decline_with_a_comment_kept_verbatim(
    client: ServiceClient,
) -> None:
    order_id = shipped_order(client)
    link = issue_link(client, order_id)

    declined = answer(client, link, signed=False, comment="Only one of the two units arrived.")

    assert declined.json()["status"] == "declined"
    assert order_status(client, order_id) == "shipped"
    trail = client.ok("GET", f"/audit-trail/{order_id}", "finance")
    details = next(e for e in trail if e["event"].endswith("SigningDeclined"))["details"]
    assert details["answer"]["comment"] == "Only one of the two units arrived."
    assert answer(client, issue_link(client, order_id)).status_code == 200  # asked again


@pytest.mark.parametrize(
    ("given", "rule"),
    [
        ({"image": "data:image/png;base64,R0lGODlhAQABAAAAACw="}, "INPUT"),
        ({"image": "data:image/png;base64,not base64!"}, "INPUT"),
        ({"image": None}, "XC-02"),
        ({"typed_name": ""}, "INPUT"),
        ({"comment": "x" * 2001}, "INPUT"),
        ({"signed": "perhaps"}, "INPUT"),
    ],
    ids=["a GIF", "not base64", "no drawing", "no name", "a comment too long", "no decision"],
)
def test_xc02_a_malformed_answer_is_refused_and_the_link_stays_open(
    client: ServiceClient, given: dict[str, Any], rule: str
) -> None:
    order_id = shipped_order(client)
    link = issue_link(client, order_id)

    refused = client.http.post(page_path(link), json={**page_answer(), **given})

    assert (refused.status_code, refused.json()["rule"]) == (422, rule), refused.text
    assert answer(client, link).status_code == 200


@pytest.mark.parametrize("token", ["nonsense", f"{uuid4().hex}.{'A' * 43}", "x" * 100])
def test_an_unknown_link_shows_a_page_saying_so(client: ServiceClient, token: str) -> None:
    opened = client.http.get(f"/sign/{token}")
    assert opened.status_code == 404
    assert "NOT-FOUND" in opened.text
    posted = client.http.post(f"/sign/{token}", json=page_answer())
    assert posted.status_code == 404


def test_xc02_an_altered_customer_answer_fails_the_service_s_seal(
    client: ServiceClient, store_settings: KernelSettings
) -> None:
    order_id = shipped_order(client)
    assert answer(client, issue_link(client, order_id), comment="all fine").status_code == 200
    version = next(
        n for n, e in enumerate(events(client, order_id), start=1) if e == "CustomerSigned"
    )
    signed = Signed(client.app.signable(UUID(order_id)).id, version, "service:orders", {}, "seal")  # type: ignore[attr-defined]
    raw = RawStore(store_settings, "orders")
    try:
        forge(
            client.app,
            raw,
            signed,
            lambda body: body.replace(b'"all fine"', orjson.dumps("goods damaged")),
        )
    finally:
        raw.close()

    store = open_store(store_settings, "orders")
    assert store is not None
    with closing(store):
        report = verify(store, SignatureChecker(KeyRing.load(store_settings.keys_path)))
    assert report.failure is not None
    assert (report.failure.stream, report.failure.version) == (str(signed.stream), version)
    assert report.failure.reason.startswith(
        "signature: CustomerSigned: the seal of service:orders does not verify"
    )
