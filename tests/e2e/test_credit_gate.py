"""OR-18 across the running services and the broker: orders asks billing for each approved goods
request's credit; billing reserves it within the limit, declines it over the limit (until the
over-credit sale is approved) and on a credit hold customers placed (no override), and answers
the blocked orders again once customers releases the hold (RULES §4.3, §7 rows 1, 5, 9)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tests.e2e.api import Api, eventually, money


async def test_or_18_reserved_within_the_limit_declined_over_it_and_blocked_on_a_hold(
    api: Api,
) -> None:
    customer_id = await api.approved_customer("Credit Gate Pumps", limit="1000")

    async def placed(price: str, serial: str) -> str:
        return await api.order_when_customer_known(customer_id, [serial], price)

    # Within the limit: reserved, with billing's figures on the order.
    first = await placed("600.00", "CG-1")
    reserved = await api.approved_goods_request(first)
    assert reserved["status"] == "ready_to_issue"
    assert (money(reserved["credit_limit"]), money(reserved["exposure"])) == (Decimal(1000), 0)

    # Over it: declined, until the sales manager and finance approve the over-credit sale.
    second = await placed("500.00", "CG-2")
    declined = await api.approved_goods_request(second)
    assert (declined["status"], declined["declined_reason"]) == (
        "awaiting_over_credit_approval",
        "over_limit",
    )
    assert money(declined["exposure"]) == Decimal(600)
    outbound = await api.call("POST", "orders", f"/orders/{second}/outbound", "sales-clerk")
    assert (outbound.status_code, outbound.json()["rule"]) == (422, "OR-19")
    over = await api.ready_to_issue(second)
    assert over["over_credit_approved"] is True
    exposure = await eventually(
        lambda: _exposure_with(api, customer_id, reserved="1100.00"), what="both reservations"
    )
    assert money(exposure["available"]) == Decimal(-100)

    # A credit hold (customers' dangerous-customer review) blocks them all; no override.
    review_id = await _credit_hold(api, customer_id)
    for order_id in (first, second):
        await api.order_in(order_id, "blocked")
    third = await placed("10.00", "CG-3")
    blocked = await api.approved_goods_request(third)
    assert (blocked["status"], blocked["declined_reason"]) == ("blocked", "credit_hold")
    body = {"reason": "urgent"}
    refused = await api.call(
        "POST", "orders", f"/orders/{third}/over-credit-request", "salesperson", body
    )
    assert (refused.status_code, refused.json()["rule"]) == (422, "OR-18")
    held = await api.exposure(customer_id)
    assert held is not None and (held["credit_hold"], money(held["reserved"])) == (True, 0)

    # Released by customers' approved release: billing answers the blocked orders again, in
    # order: the first fits, the approved over-credit sale is reserved regardless, the third no
    # longer fits under the limit.
    await _release(api, review_id)
    for order_id in (first, second):
        await api.order_in(order_id, "ready_to_issue")
    again = await api.order_in(third, "awaiting_over_credit_approval")
    assert (again["declined_reason"], money(again["exposure"])) == ("over_limit", Decimal(1100))
    await eventually(
        lambda: _exposure_with(api, customer_id, reserved="1100.00"), what="the reservations back"
    )
    shipped = await api.issue_and_ship(first)
    assert shipped["status"] == "shipped"
    after = await api.unbilled(customer_id, "600.00")
    assert money(after["reserved"]) == Decimal(500)

    # Cancelled before shipment: billing releases the reservation.
    # OR-17: asked for by the salesperson, approved by the sales manager in its chain.
    asked = await api.ok("POST", "orders", f"/orders/{second}/cancel", "salesperson", CANCEL)
    await api.approve_all_steps("orders", f"/order-cancellations/{asked['cancellation_id']}")
    released = await eventually(
        lambda: _exposure_with(api, customer_id, reserved="0.00"), what="the release"
    )
    assert money(released["exposure"]) == Decimal(600)


CANCEL = {"reason": "the customer withdrew the request"}


async def _exposure_with(api: Api, customer_id: str, **figures: str) -> dict[str, Any] | None:
    found = await api.exposure(customer_id)
    if found is None or any(money(found[k]) != money(v) for k, v in figures.items()):
        return None
    return found


async def _credit_hold(api: Api, customer_id: str) -> str:
    """CU-06: an abnormality, the owner's checklist, finance's assessment, the sales manager's
    decision to hold the customer's credit."""
    reported = await api.ok(
        "POST",
        "customers",
        f"/customers/{customer_id}/abnormalities",
        "warehouse",
        {"source": "billing", "facts": "Cheque 0077 bounced", "severity": "high"},
    )
    review_id = str(reported["open_review_id"])
    path = f"/risk-reviews/{review_id}"
    await api.ok("POST", "customers", f"{path}/checklist", "salesperson", {"checklist": "Late"})
    assessment = {"payment_history": "60 days late", "exposure": "1100.00"}
    await api.ok("POST", "customers", f"{path}/assessment", "finance", assessment)
    decision = {"decision": "credit_hold", "reason": "late on every invoice"}
    await api.ok("POST", "customers", f"{path}/decision", "sales-manager", decision)
    return review_id


async def _release(api: Api, review_id: str) -> None:
    path = f"/risk-reviews/{review_id}"
    await api.ok("POST", "customers", f"{path}/release-request", "salesperson", {"reason": "Paid"})
    await api.approve_all_steps("customers", path)
    await api.ok("POST", "customers", f"{path}/release", "salesperson")
