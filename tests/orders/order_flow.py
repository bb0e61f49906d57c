"""Driving a sales order through RULES §4.3 on the orders API without a broker: what customers
and billing publish is handed to the application as its inbox would."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.persistence import Tracking
from prometheus_client.parser import text_string_to_metric_families

from contracts.billing import CreditDeclined, CreditReserved
from contracts.customers import CustomerApproved, CustomerRegistered
from kernel.roles import Role
from orders.application import OrdersApplication
from runtime.unit_of_work import CommandContext
from tests.service_client import ServiceClient
from tests.signers import Signers

POLICY = CommandContext("orders:policy")
ROLES = {
    "branch-manager": Role.BRANCH_MANAGER,
    "sales-manager": Role.SALES_MANAGER,
    "sales-manager-2": Role.SALES_MANAGER,
    "finance": Role.FINANCE,
    "gm": Role.LEADERSHIP_GM,
    "technical": Role.TECHNICAL_DEPARTMENT,
}
LINE = {"product_code": "P-1", "description": "pump", "quantity": 2, "unit_price": "10.50"}
TERMS = {
    "delivery_date": "2099-12-31",
    "delivery_place": "Pudong warehouse 3",
    "payment_terms_days": 30,
}
"""OR-30: the key contents confirmed beyond the lines."""


class OrderFlow:
    """Customers' and billing's events as the inbox hands them over, and each step's user."""

    def __init__(self, client: ServiceClient, signers: Signers) -> None:
        app = client.app
        assert isinstance(app, OrdersApplication)
        self.client, self.signers, self.app = client, signers, app
        self.positions: dict[str, int] = {}

    def publish(self, topic: str, event: Any) -> None:
        position = self.positions[topic] = self.positions.get(topic, 0) + 1
        self.app.process(event, POLICY, Tracking(f"{topic}:0", position))

    def customer(self, limit: str = "900", owner: str = "s") -> UUID:
        customer_id = uuid4()
        self.publish(
            "customers.events",
            CustomerRegistered(customer_id=customer_id, legal_name="ACME", owner_id=owner),
        )
        self.publish(
            "customers.events",
            CustomerApproved(
                customer_id=customer_id,
                credit_limit=Decimal(limit),
                currency="CNY",
                approved_by="m",
            ),
        )
        return customer_id

    def place(self, customer_id: UUID, *lines: dict[str, Any], **body: Any) -> dict[str, Any]:
        """A goods request raised from a signed contract, unless ``body`` says otherwise."""
        body = {"customer_id": str(customer_id), "lines": list(lines or (LINE,))} | TERMS | body
        if "uncontracted" not in body:
            body.setdefault("contract_id", str(uuid4()))
        placed: dict[str, Any] = self.client.ok("POST", "/orders", "salesperson", body)
        return placed

    def decide(self, document_id: str, *users: str, reject: str = "") -> None:
        for user in users:
            action = "reject" if reject else "grant"
            self.signers.decide(self.app, UUID(document_id), user, ROLES[user], action, reject)

    def decision(self, path: str, user: str, action: str = "grant", note: str = "") -> Any:
        """What ``user``'s app posts to ``{path}/approval/{action}``: the next step, signed over
        the version the service shows them."""
        view = self.client.ok("GET", f"{path}/approval", user)
        fields = view["signing_fields"] | {"action": action}
        signature = self.signers.sign(user, fields)
        step, seen = view["next_step"], view["version_hash"]
        return {"step": step, "version_hash": seen, "signature": signature, "comment": note}

    def decide_over_http(
        self, path: str, user: str, action: str = "grant", note: str = ""
    ) -> dict[str, Any]:
        body = self.decision(path, user, action, note)
        decided: dict[str, Any] = self.client.ok("POST", f"{path}/approval/{action}", user, body)
        return decided

    def approved(self, order_id: str) -> dict[str, Any]:
        """OR-17: submitted, approved by the branch manager then the sales manager."""
        self.client.ok("POST", f"/orders/{order_id}/submit", "salesperson")
        self.decide(order_id, "branch-manager", "sales-manager")
        return self.order(order_id)

    def billing_reserves(self, order_id: str, limit: str = "900", exposure: str = "0") -> None:
        order = self.order(order_id)
        self.publish(
            "billing.events",
            CreditReserved(
                customer_id=order["customer_id"],
                currency="CNY",
                credit_limit=Decimal(limit),
                exposure=Decimal(exposure),
                order_id=UUID(order_id),
                amount=Decimal(order["total"]),
                over_credit_approved=order["over_credit_approved"],
            ),
        )

    def billing_declines(
        self, order_id: str, reason: str, limit: str = "900", exposure: str = "0"
    ) -> None:
        order = self.order(order_id)
        self.publish(
            "billing.events",
            CreditDeclined(
                customer_id=order["customer_id"],
                currency="CNY",
                credit_limit=Decimal(limit),
                exposure=Decimal(exposure),
                order_id=UUID(order_id),
                amount=Decimal(order["total"]),
                reason=reason,  # type: ignore[arg-type]
            ),
        )

    def ready(self, customer_id: UUID, *lines: dict[str, Any]) -> str:
        """Placed, approved and reserved: ready for its outbound order."""
        order_id = str(self.place(customer_id, *lines)["order_id"])
        self.approved(order_id)
        self.billing_reserves(order_id)
        return order_id

    def shipped(self, customer_id: UUID, *lines: dict[str, Any]) -> str:
        order_id = self.ready(customer_id, *lines)
        self.client.ok("POST", f"/orders/{order_id}/outbound", "sales-clerk")
        self.client.ok("POST", f"/orders/{order_id}/ship", "warehouse")
        return order_id

    def order(self, order_id: str) -> dict[str, Any]:
        found: dict[str, Any] = self.client.ok("GET", f"/orders/{order_id}", "finance")
        return found


def scrape(client: ServiceClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The orders' samples on ``/metrics`` once the projections have seen every event."""
    client.app.catch_up_projections()
    response = client.http.get("/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if sample.name.startswith("countersign_orders")
    }
