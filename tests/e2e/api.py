"""A thin client for the four services' HTTP APIs, and waiting on conditions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar
from uuid import uuid4

import httpx

from countersign.approving import approve_all_steps, grant_next_step, put_policies_in_force
from countersign.flows import key_contents
from countersign.stack import Stack
from tests.signers import page_answer

POLL_SECONDS = 0.05
"""How often a wait on a condition looks again."""

T = TypeVar("T")


async def eventually(
    check: Callable[[], Awaitable[T | None]],
    *,
    timeout: float = 30.0,
    what: str = "a condition",
    every: float = POLL_SECONDS,
) -> T:
    """Poll ``check`` every ``every`` seconds until it returns something truthy; fail after
    ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(every)


def eventually_sync(
    check: Callable[[], T | None], *, timeout: float = 30.0, what: str = "a condition"
) -> T:
    """``eventually`` for synchronous code (a subprocess's HTTP server, say)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(POLL_SECONDS)


class Api:
    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.http = httpx.AsyncClient(timeout=30.0)

    async def close(self) -> None:
        await self.http.aclose()

    async def call(
        self, method: str, service: str, path: str, token: str, json: Any = None
    ) -> httpx.Response:
        return await self.http.request(
            method,
            f"{self.stack.url(service)}{path}",
            json=json,
            headers={"Authorization": f"Bearer dev-{token}"},
        )

    async def ok(self, method: str, service: str, path: str, token: str, json: Any = None) -> Any:
        response = await self.call(method, service, path, token, json)
        assert response.status_code < 300, response.text
        return response.json()

    async def approved_customer(self, name: str = "ACME", limit: str = "100000") -> str:
        customer = await self.ok(
            "POST", "customers", "/customers", "salesperson", {"legal_name": name}
        )
        await self.ok(
            "POST",
            "customers",
            f"/customers/{customer['customer_id']}/submit",
            "salesperson",
            {"credit_limit": limit},
        )
        await self.approve_all_steps("customers", f"/customers/{customer['customer_id']}")
        return str(customer["customer_id"])

    @property
    def keys(self) -> Path:
        return self.stack.config.data_dir / "keys"

    async def approve_all_steps(self, service: str, document_path: str) -> list[tuple[str, str]]:
        """Each pending step granted by a development user of its role, signed with their key."""

        def approve() -> list[tuple[str, str]]:
            with httpx.Client(timeout=30.0) as http:
                url = f"{self.stack.url(service)}{document_path}"
                return approve_all_steps(http, url, self.keys)

        return await asyncio.to_thread(approve)

    async def grant_next_step(self, service: str, document_path: str) -> tuple[str, str] | None:
        """The pending step granted by a development user of its role, signed with their key."""

        def grant() -> tuple[str, str] | None:
            with httpx.Client(timeout=30.0) as http:
                url = f"{self.stack.url(service)}{document_path}"
                return grant_next_step(http, url, self.keys)

        return await asyncio.to_thread(grant)

    async def put_policies_in_force(self, *services: str) -> None:
        """The general manager signs every policy of ``services`` (default: all of them)."""

        def put() -> None:
            with httpx.Client(timeout=30.0) as http:
                for service in services or self.stack.config.services:
                    put_policies_in_force(http, self.stack.url(service), self.keys)

        await asyncio.to_thread(put)

    async def place_order(
        self, customer_id: str, serials: list[str], unit_price: str = "10.50"
    ) -> httpx.Response:
        line = {
            "product_code": "PUMP-7",
            "description": "pump",
            "quantity": len(serials),
            "unit_price": unit_price,
            "serial_numbers": serials,
        }
        # OR-16: a goods request raised from a signed sales contract.
        body = {
            "customer_id": customer_id,
            "lines": [line],
            "contract_id": str(uuid4()),
            **key_contents(),
        }
        return await self.call("POST", "orders", "/orders", "salesperson", body)

    async def order_when_customer_known(
        self, customer_id: str, serials: list[str], unit_price: str = "10.50"
    ) -> str:
        """Orders learns of the customer through Kafka: retry while it still says CU-02."""

        async def placed() -> str | None:
            response = await self.place_order(customer_id, serials, unit_price)
            if response.status_code == 422 and response.json()["rule"] == "CU-02":
                return None
            assert response.status_code == 201, response.text
            return str(response.json()["order_id"])

        return await eventually(placed, what=f"orders to know customer {customer_id}")

    async def order(self, order_id: str) -> dict[str, Any]:
        found: dict[str, Any] = await self.ok("GET", "orders", f"/orders/{order_id}", "finance")
        return found

    async def order_in(self, order_id: str, *statuses: str) -> dict[str, Any]:
        """The order once it reached one of ``statuses`` (billing's answer comes by Kafka)."""

        async def reached() -> dict[str, Any] | None:
            order = await self.order(order_id)
            return order if order["status"] in statuses else None

        # Two hops through the broker (orders -> billing -> orders), on a machine busy with others.
        wanted = " or ".join(statuses)
        return await eventually(reached, timeout=60, what=f"order {order_id} to be {wanted}")

    async def approved_goods_request(self, order_id: str) -> dict[str, Any]:
        """OR-17: submitted, approved by the branch manager then the sales manager; returns the
        order once billing answered the credit reservation (OR-18)."""
        await self.ok("POST", "orders", f"/orders/{order_id}/submit", "salesperson")
        await self.approve_all_steps("orders", f"/orders/{order_id}")
        return await self.order_in(
            order_id, "ready_to_issue", "awaiting_over_credit_approval", "blocked"
        )

    async def ready_to_issue(self, order_id: str) -> dict[str, Any]:
        """Approved and past the credit gate: over the limit, by the over-credit sale the sales
        manager, finance (and leadership when major) approve (OR-18)."""
        order = await self.order(order_id)
        if order["status"] == "draft":
            order = await self.approved_goods_request(order_id)
        if order["status"] == "awaiting_over_credit_approval":
            body = {"reason": "the customer's year-end order"}
            path = f"/orders/{order_id}/over-credit-request"
            await self.ok("POST", "orders", path, "salesperson", body)
            await self.approve_all_steps("orders", f"/orders/{order_id}")
            order = await self.order_in(order_id, "ready_to_issue", "blocked")
        assert order["status"] == "ready_to_issue", order
        return order

    async def issue_and_ship(self, order_id: str) -> dict[str, Any]:
        """OR-19: the sales clerk's outbound order, then the warehouse keeper's GoodsIssued."""
        await self.ok("POST", "orders", f"/orders/{order_id}/outbound", "sales-clerk")
        shipped: dict[str, Any] = await self.ok(
            "POST", "orders", f"/orders/{order_id}/ship", "warehouse"
        )
        return shipped

    async def ship_order(self, order_id: str) -> dict[str, Any]:
        """RULES §4.3 from the placed goods request to the goods issued."""
        await self.ready_to_issue(order_id)
        return await self.issue_and_ship(order_id)

    async def exposure(self, customer_id: str) -> dict[str, Any] | None:
        """Billing's credit exposure of the customer (BI-11), once it has one."""
        path = f"/customers/{customer_id}/exposure"
        response = await self.call("GET", "billing", path, "finance")
        if response.status_code == 404:
            return None
        assert response.status_code == 200, response.text
        found: dict[str, Any] = response.json()
        return found

    async def unbilled(self, customer_id: str, amount: str | Decimal) -> dict[str, Any]:
        """The exposure once billing counts ``amount`` of shipments unbilled (§7 row 5)."""

        async def counted() -> dict[str, Any] | None:
            found = await self.exposure(customer_id)
            if found is None or money(found["unbilled_shipments"]) != money(amount):
                return None
            return found

        return await eventually(counted, timeout=60, what=f"billing to count {amount} unbilled")

    async def customer_signs_delivery(self, order_id: str) -> dict[str, Any]:
        """The sales clerk sends the customer a signing link; the customer signs on that page
        (OR-22). Returns the delivered order."""
        link = await self.ok(
            "POST",
            "orders",
            f"/orders/{order_id}/signing-requests",
            "sales-clerk",
            {"contact_name": "Zhao Lan"},
        )
        signed = await self.http.post(link["url"], json=page_answer(comment="Received."))
        assert signed.status_code == 200, signed.text
        order: dict[str, Any] = await self.ok("GET", "orders", f"/orders/{order_id}", "finance")
        return order

    async def every_item(self, service: str, path: str, token: str) -> list[dict[str, Any]]:
        """Every item of a paged list, page after page."""
        items: list[dict[str, Any]] = []
        separator = "&" if "?" in path else "?"
        while True:
            page = await self.ok(
                "GET", service, f"{path}{separator}limit=500&offset={len(items)}", token
            )
            items += page["items"]
            if len(items) >= page["total"] or not page["items"]:
                return items

    async def invoices(self, customer_id: str) -> list[dict[str, Any]]:
        return await self.every_item("billing", f"/invoices?customer_id={customer_id}", "finance")

    async def vouchers(self, customer_id: str) -> list[dict[str, Any]]:
        path = f"/vouchers?customer_id={customer_id}"
        return await self.every_item("service-desk", path, "service-clerk")

    async def metric(self, service: str, name: str, **labels: str) -> float:
        """The value of one sample from a service's /metrics (0 when absent)."""
        text = (await self.http.get(f"{self.stack.url(service)}/metrics")).text
        wanted = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        sample = f"{name}{{{wanted}}}" if labels else name
        for line in text.splitlines():
            if line.startswith(sample + " "):
                return float(line.rsplit(" ", 1)[1])
        return 0.0


def money(value: str | Decimal) -> Decimal:
    return Decimal(value).quantize(Decimal("0.01"))
