"""`countersign audit trail <document-type> <id>` over the stores (SQLite and PostgreSQL): the
document's story in order, then what the same requests caused in other services."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import orjson
import pytest
from eventsourcing.persistence import Tracking
from typer.testing import CliRunner

from contracts.customers import CustomerApproved, CustomerRegistered
from countersign.audit_cmd import audit_app
from customers.application import CustomersApplication
from kernel.roles import Role
from kernel.settings import KernelSettings
from orders.application import OrdersApplication
from runtime.unit_of_work import CommandContext
from tests.kernel.approval_story import Story
from tests.signers import Signers

UPSTREAM = "customers.events:0"


@dataclass(frozen=True)
class Built:
    customer_id: UUID
    registered: UUID
    """The correlation id of the registration."""
    approved: UUID
    """The correlation id of the last grant, which approved the customer."""


@pytest.fixture
def built(store_settings: KernelSettings) -> Iterator[Built]:
    """A customer approved, re-approved after a change, its signature captured and voided; and
    orders' reactions to its registration and approval, under the same correlation ids."""
    registration = CommandContext("salesperson")
    approval = CommandContext("sales-manager")
    with closing(CustomersApplication(store_settings)) as app:
        story = Story(app, Signers(store_settings.keys_path))
        story.approve_policy()
        customer_id = app.register_customer(registration, "ACME", "salesperson").id
        app.submit_for_approval(CommandContext("salesperson"), customer_id, Decimal(5000), "CNY")
        story.decide("finance", Role.FINANCE, customer_id)
        # A new credit limit invalidates the granted step: approval starts again.
        app.submit_for_approval(CommandContext("salesperson"), customer_id, Decimal(9000), "CNY")
        story.decide("finance", Role.FINANCE, customer_id)
        story.decide(
            "sales-manager",
            Role.SALES_MANAGER,
            customer_id,
            correlation_id=approval.correlation_id,
        )
        signature_id, _ = story.capture(customer_id)
        story.void(customer_id, signature_id, "signed by the wrong person")

    # Policies in orders keep the upstream correlation id (as the inbox does).
    policy = CommandContext("orders:policy", correlation_id=registration.correlation_id)
    with closing(OrdersApplication(store_settings)) as orders:
        registered = CustomerRegistered(
            customer_id=customer_id, legal_name="ACME", owner_id="salesperson"
        )
        orders.process(registered, policy, Tracking(UPSTREAM, 1))
        unrelated = CustomerRegistered(customer_id=uuid4(), legal_name="Other", owner_id="x")
        orders.process(unrelated, CommandContext("orders:policy"), Tracking(UPSTREAM, 2))
        approved = CustomerApproved(
            customer_id=customer_id, credit_limit=Decimal(9000), currency="CNY", approved_by="f"
        )
        policy = CommandContext("orders:policy", correlation_id=approval.correlation_id)
        orders.process(approved, policy, Tracking(UPSTREAM, 3))
    yield Built(customer_id, registration.correlation_id, approval.correlation_id)


def trail(settings: KernelSettings, *arguments: str) -> Any:
    options = ["--data-dir", str(settings.data_dir), "--database-url", settings.database_url]
    result = CliRunner().invoke(audit_app, ["trail", *arguments, *options, "--json"])
    assert result.exit_code == 0, result.output
    return orjson.loads(result.stdout)


def row(entry: dict[str, Any], *fields: str) -> tuple[Any, ...]:
    return (entry["event"], entry["actor"], *(entry["details"].get(f) for f in fields))


def test_the_trail_lists_the_document_in_order_then_its_effects_elsewhere(
    store_settings: KernelSettings, built: Built
) -> None:
    found = trail(store_settings, "customer", str(built.customer_id))

    assert (found["document_type"], found["service"]) == ("customer", "customers")
    events = found["events"]
    assert [e["version"] for e in events] == list(range(1, 13))
    assert {e["service"] for e in events} == {"customers"}
    first_hash = events[2]["details"]["subject_version_hash"]
    second_hash = events[6]["details"]["subject_version_hash"]
    assert first_hash != second_hash
    decision = ("step", "approver_role", "policy_version", "subject_version_hash")
    assert [row(e, *decision) for e in events[:5]] == [
        ("Customer.Registered", "salesperson", None, None, None, None),
        ("Customer.SubmittedForApproval", "salesperson", None, None, None, None),
        ("Approvable.ApprovalRequested", "salesperson", None, None, 1, first_hash),
        ("Approvable.ApprovalGranted", "finance", "finance", "finance", 1, first_hash),
        ("Customer.SubmittedForApproval", "salesperson", None, None, None, None),
    ]  # fmt: skip
    assert row(events[5], "reason", "approved_hash", "current_hash") == (
        "Approvable.ApprovalInvalidated",
        "salesperson",
        "subject_changed",
        first_hash,
        second_hash,
    )
    assert [row(e, *decision) for e in events[6:10]] == [
        ("Approvable.ApprovalRequested", "salesperson", None, None, 1, second_hash),
        ("Approvable.ApprovalGranted", "finance", "finance", "finance", 1, second_hash),
        ("Approvable.ApprovalGranted", "sales-manager", "sales_manager", "sales_manager", 1,
         second_hash),
        ("Customer.Approved", "sales-manager", None, None, None, None),
    ]  # fmt: skip
    assert row(events[10], "document_version_hash") == (
        "Approvable.SignatureCaptured",
        "salesperson",
        second_hash,
    )
    capture = events[10]["details"]["capture"]
    signing = ("signer_name", "capacity", "method")
    assert tuple(capture[f] for f in signing) == ("Zhao Lan", "customer", "paper_scan")
    signed_at = datetime.fromisoformat(capture["signed_at"])
    assert signed_at >= datetime.fromisoformat(events[0]["at"])
    assert row(events[11], "reason", "approved_by", "approver_role") == (
        "Approvable.SignatureVoided",
        "sales-manager",
        "signed by the wrong person",
        "sales-manager",
        "sales_manager",
    )
    # Signatures are for `audit verify`; the trail says who signed, not the bytes.
    assert not {"signature", "seal", "approval_signature"} & {
        name for e in events for name in e["details"]
    }

    related = found["related"]
    assert [(e["service"], e["event"], e["actor"], e["correlation_id"]) for e in related] == [
        ("orders", "KnownCustomer.Registered", "orders:policy", str(built.registered)),
        ("orders", "KnownCustomer.Approved", "orders:policy", str(built.approved)),
    ]
    assert related[1]["details"] == {"credit_limit": "9000", "currency": "CNY"}
    assert {e["stream"] for e in related} == {str(built.customer_id)}


def test_the_trail_table(store_settings: KernelSettings, built: Built) -> None:
    options = ["--data-dir", str(store_settings.data_dir)]
    options += ["--database-url", store_settings.database_url]
    result = CliRunner().invoke(
        audit_app, ["trail", "customer", str(built.customer_id), *options], env={"COLUMNS": "200"}
    )

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    granted = [line for line in lines if "Approvable.ApprovalGranted" in line]
    assert len(granted) == 3
    assert (
        "step=sales_manager, approver_id=sales-manager, approver_role=sales_manager, "
        "policy_version=1" in (granted[-1])
    )
    captured = next(line for line in lines if "SignatureCaptured" in line)
    assert "capture.signer_name=Zhao Lan, capture.capacity=customer" in captured
    cross_service = [line for line in lines if "KnownCustomer" in line]
    assert len(cross_service) == 2
    assert all("orders" in line for line in cross_service)
    assert lines.index(cross_service[0]) > lines.index(captured)


def test_an_unknown_document_exits_1(store_settings: KernelSettings, built: Built) -> None:
    options = ["--data-dir", str(store_settings.data_dir)]
    options += ["--database-url", store_settings.database_url]
    runner = CliRunner()

    missing = uuid4()
    unknown = runner.invoke(audit_app, ["trail", "customer", str(missing), *options])
    assert unknown.exit_code == 1
    assert f"no customer {missing} in any store" in unknown.stderr

    # The id exists, as a customer (and orders' copy of it), but not as an order.
    wrong_type = runner.invoke(audit_app, ["trail", "order", str(built.customer_id), *options])
    assert wrong_type.exit_code == 1
    assert (
        f"no order {built.customer_id} in any store; that id is a Customer in customers, "
        "a KnownCustomer in orders"
    ) in wrong_type.stderr
