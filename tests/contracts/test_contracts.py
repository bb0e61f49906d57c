"""The public contracts: compatibility with the committed snapshots, the checker itself, the
generated AsyncAPI documents and the envelope's round trip (ARCHITECTURE.md invariant 6)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal
from uuid import uuid4

import pytest
import yaml
from pydantic import BaseModel
from typer.testing import CliRunner

from contracts import (
    CONTRACTS,
    SERVICES,
    Envelope,
    IntegrationEvent,
    UnknownContractError,
    contract_for,
    governance,
)
from contracts import orders as orders_contracts
from contracts.asyncapi import ASYNCAPI_DIR, asyncapi_document, render
from contracts.compatibility import (
    SNAPSHOT_DIR,
    check,
    contract_schema,
    load_snapshot,
    snapshot_path,
    write_snapshots,
)
from contracts.customers import CustomerApproved, CustomerRegistered
from contracts.orders import GoodsIssued, OrderLine
from countersign import contracts_cmd
from countersign.services import SPECS

PUBLISHED = sorted(CONTRACTS.values(), key=lambda c: (c.event_type, c.schema_version))


def _id(contract: type[IntegrationEvent]) -> str:
    return f"{contract.event_type}.v{contract.schema_version}"


# (a) every published contract against its committed snapshot


@pytest.mark.parametrize("contract", PUBLISHED, ids=_id)
def test_published_contract_is_compatible_with_its_snapshot(
    contract: type[IntegrationEvent],
) -> None:
    snapshot = load_snapshot(contract)
    assert snapshot is not None, (
        f"{_id(contract)} has no snapshot: run `countersign contracts snapshot`"
    )
    assert check(snapshot, contract_schema(contract)) == []


@pytest.mark.parametrize("contract", PUBLISHED, ids=_id)
def test_snapshot_records_the_current_schema(contract: type[IntegrationEvent]) -> None:
    # A compatible change left unrecorded would let a later removal of the new field pass.
    assert load_snapshot(contract) == contract_schema(contract), (
        f"{_id(contract)} changed compatibly: run `countersign contracts snapshot`"
    )


def test_every_snapshot_belongs_to_a_published_contract() -> None:
    published = {snapshot_path(c).name for c in PUBLISHED}
    withdrawn = sorted(p.name for p in SNAPSHOT_DIR.glob("*.json") if p.name not in published)
    assert withdrawn == [], f"published contract versions withdrawn: {withdrawn}"


# (b) the checker


def _goods_issued() -> dict[str, Any]:
    return contract_schema(GoodsIssued)


def test_an_unchanged_schema_has_no_breaking_change() -> None:
    assert check(_goods_issued(), _goods_issued()) == []


def test_removing_a_property_is_breaking() -> None:
    old, new = _goods_issued(), _goods_issued()
    del new["properties"]["issued_by"]
    new["required"].remove("issued_by")
    assert check(old, new) == ["GoodsIssued.issued_by: property removed"]


def test_removing_a_property_of_a_nested_model_is_breaking() -> None:
    old, new = _goods_issued(), _goods_issued()
    del new["$defs"]["OrderLine"]["properties"]["serial_numbers"]
    new["$defs"]["OrderLine"]["required"].remove("serial_numbers")
    assert check(old, new) == ["GoodsIssued.lines[].serial_numbers: property removed"]


def test_changing_a_property_type_is_breaking() -> None:
    old, new = _goods_issued(), _goods_issued()
    new["properties"]["total"] = {"title": "Total", "type": "number"}
    new["$defs"]["OrderLine"]["properties"]["quantity"] = {"type": "string"}
    assert check(old, new) == [
        "GoodsIssued.lines[].quantity: type changed from integer to string",
        "GoodsIssued.total: type changed from string to number",
    ]


def test_changing_a_format_or_making_a_property_nullable_is_breaking() -> None:
    old, new = _goods_issued(), _goods_issued()
    new["properties"]["order_id"] = {"type": "string"}
    new["properties"]["currency"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    assert sorted(check(old, new)) == [
        "GoodsIssued.currency: type changed from string to null | string",
        "GoodsIssued.order_id: type changed from string(uuid) to string",
    ]


def test_requiring_a_property_is_breaking() -> None:
    old, new = _goods_issued(), _goods_issued()
    optional = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}
    old["properties"]["note"] = optional
    new["properties"]["note"] = optional
    new["properties"]["carrier"] = {"type": "string"}
    new["required"] += ["note", "carrier"]
    assert check(old, new) == [
        "GoodsIssued.note: became required",
        "GoodsIssued.carrier: new required property",
    ]


def test_adding_an_optional_property_is_not_breaking() -> None:
    old, new = _goods_issued(), _goods_issued()
    new["properties"]["carrier"] = {"anyOf": [{"type": "string"}, {"type": "null"}]}
    new["$defs"]["OrderLine"]["properties"]["batch"] = {"type": "string", "default": ""}
    assert check(old, new) == []


def test_adding_a_property_with_a_default_is_not_breaking_though_it_is_always_sent() -> None:
    old, new = _goods_issued(), _goods_issued()
    new["properties"]["terms"] = {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None}
    new["required"] += ["terms"]
    assert check(old, new) == []
    del new["properties"]["terms"]["default"]
    assert check(old, new) == ["GoodsIssued.terms: new required property"]


class _Grade(BaseModel):
    level: Literal["A", "B", "C"]


class _GradeV2(BaseModel):
    level: Literal["A", "B"]


class _Customer(BaseModel):
    name: str
    grades: list[_Grade]
    referrer: _Customer | None = None


class _CustomerV2(BaseModel):
    """Drops a field of the recursive model and a value of the nested enumeration."""

    grades: list[_GradeV2]
    referrer: _CustomerV2 | None = None


def test_breaking_changes_are_found_through_refs_arrays_unions_and_recursion() -> None:
    old = _Customer.model_json_schema(mode="serialization")
    new = _CustomerV2.model_json_schema(mode="serialization")
    assert check(old, new) == [
        "_Customer.name: property removed",
        '_Customer.grades[].level: allowed value "C" removed',
    ]
    assert check(new, old) == ["_CustomerV2.name: new required property"]


def test_restricting_free_text_to_fixed_values_is_breaking() -> None:
    old, new = _goods_issued(), _goods_issued()
    new["properties"]["currency"] = {"enum": ["EUR", "CNY"], "type": "string"}
    assert check(old, new) == ['GoodsIssued.currency: now restricted to "EUR", "CNY"']


class _RegisteredV2(
    IntegrationEvent, producer="customers", event_type="CustomerRegistered", schema_version=2
):
    legal_name: str


def test_snapshot_refuses_a_breaking_change_and_keeps_new_versions_apart(
    tmp_path: Path,
) -> None:
    assert write_snapshots((CustomerRegistered,), tmp_path).written == [
        tmp_path / "CustomerRegistered.v1.json"
    ]
    recorded = (tmp_path / "CustomerRegistered.v1.json").read_text()

    # The v1 snapshot names a property today's v1 no longer has: a removal.
    tampered = json.loads(recorded)
    tampered["properties"]["tax_number"] = {"type": "string"}
    (tmp_path / "CustomerRegistered.v1.json").write_text(json.dumps(tampered))
    report = write_snapshots((CustomerRegistered, _RegisteredV2), tmp_path)
    assert report.written == []
    assert report.breaking == {
        tmp_path / "CustomerRegistered.v1.json": ["CustomerRegistered.tax_number: property removed"]
    }
    assert not (tmp_path / "CustomerRegistered.v2.json").exists()

    (tmp_path / "CustomerRegistered.v1.json").write_text(recorded)
    report = write_snapshots((CustomerRegistered, _RegisteredV2), tmp_path)
    assert report.written == [tmp_path / "CustomerRegistered.v2.json"]
    assert (tmp_path / "CustomerRegistered.v1.json").read_text() == recorded


def test_snapshot_command_exits_non_zero_and_lists_the_breaking_changes(
    tmp_path: Path,
) -> None:
    runner = CliRunner()
    command = ["snapshot", "--directory", str(tmp_path)]
    assert runner.invoke(contracts_cmd.contracts_app, command).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        snapshot_path(c).name for c in PUBLISHED
    )
    path = snapshot_path(GoodsIssued, tmp_path)
    old = json.loads(path.read_text())
    old["$defs"]["OrderLine"]["properties"]["warranty_months"] = {"type": "integer"}
    path.write_text(json.dumps(old))

    result = runner.invoke(contracts_cmd.contracts_app, command)

    assert result.exit_code == 1
    assert "GoodsIssued.lines[].warranty_months: property removed" in result.stderr
    assert json.loads(path.read_text()) == old


def test_snapshot_command_records_a_compatible_change(tmp_path: Path) -> None:
    write_snapshots(PUBLISHED, tmp_path)
    path = snapshot_path(CustomerApproved, tmp_path)
    stale = json.loads(path.read_text())
    del stale["description"]
    path.write_text(json.dumps(stale))

    result = CliRunner().invoke(
        contracts_cmd.contracts_app, ["snapshot", "--directory", str(tmp_path)]
    )

    assert result.exit_code == 0, result.output
    assert json.loads(path.read_text()) == contract_schema(CustomerApproved)


# (c) the AsyncAPI documents


@pytest.mark.parametrize("service", SERVICES)
def test_committed_asyncapi_document_is_current(service: str) -> None:
    committed = (ASYNCAPI_DIR / f"{service}.yaml").read_text(encoding="utf-8")
    assert committed == render(asyncapi_document(service, SPECS[service].consumed())), (
        f"{service}.yaml is stale: run `countersign contracts generate`"
    )


@pytest.mark.parametrize("service", SERVICES)
def test_asyncapi_document_references_resolve(service: str) -> None:
    document = yaml.safe_load((ASYNCAPI_DIR / f"{service}.yaml").read_text(encoding="utf-8"))

    def refs(node: Any) -> list[str]:
        if isinstance(node, dict):
            own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
            return own + [r for value in node.values() for r in refs(value)]
        if isinstance(node, list):
            return [r for item in node for r in refs(item)]
        return []

    for ref in refs(document):
        target = document
        for part in ref.removeprefix("#/").split("/"):
            assert part in target, f"{service}.yaml: dangling {ref}"
            target = target[part]


def test_asyncapi_documents_describe_each_message_on_its_producers_topic() -> None:
    orders = asyncapi_document("orders", (CustomerRegistered, CustomerApproved))
    assert orders["channels"]["ordersEvents"]["address"] == "orders.events"
    sent = [m["$ref"] for m in orders["operations"]["sendOrdersEvents"]["messages"]]
    # Its own contracts, and the kernel's approvals and signatures every service publishes.
    assert sent == sorted(
        f"#/channels/ordersEvents/messages/{contract.event_type}.v1"
        for contract in (*orders_contracts.PUBLISHED, *governance.PUBLISHED)
    )
    assert [m["$ref"] for m in orders["operations"]["receiveCustomersEvents"]["messages"]] == [
        "#/channels/customersEvents/messages/CustomerApproved.v1",
        "#/channels/customersEvents/messages/CustomerRegistered.v1",
    ]
    payload = orders["components"]["messages"]["GoodsIssued.v1"]["payload"]["properties"]
    assert payload["producer"] == {"const": "orders", "type": "string"}
    granted = orders["components"]["messages"]["ApprovalGranted.v1"]["payload"]["properties"]
    assert granted["producer"] == {"enum": list(SERVICES), "type": "string"}
    assert payload["event_type"]["const"] == "GoodsIssued"
    assert payload["schema_version"]["const"] == 1
    assert payload["payload"] == {"$ref": "#/components/schemas/GoodsIssued"}
    # Serialization mode: a Decimal travels as a string.
    assert orders["components"]["schemas"]["GoodsIssued"]["properties"]["total"]["type"] == "string"


def test_a_document_cannot_consume_an_unpublished_contract() -> None:
    with pytest.raises(ValueError, match="_RegisteredV2"):
        asyncapi_document("orders", (_RegisteredV2,))


def test_generate_command_writes_the_committed_documents(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        contracts_cmd.contracts_app, ["generate", "--directory", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    for service in SERVICES:
        assert (tmp_path / f"{service}.yaml").read_text() == (
            ASYNCAPI_DIR / f"{service}.yaml"
        ).read_text()


# (d) the envelope


def _envelope(contract: IntegrationEvent) -> Envelope:
    return Envelope(
        event_id=uuid4(),
        event_type=contract.event_type,
        schema_version=contract.schema_version,
        occurred_at=datetime(2025, 6, 30, 9, 15, tzinfo=UTC),
        producer=contract.producer,
        position=42,
        aggregate_id=uuid4(),
        aggregate_version=3,
        correlation_id=uuid4(),
        causation_id=None,
        actor="clerk-7",
        payload=contract.model_dump(mode="json"),
    )


def test_an_envelope_round_trips_and_its_payload_validates_against_its_contract() -> None:
    issued = GoodsIssued(
        order_id=uuid4(),
        customer_id=uuid4(),
        lines=[
            OrderLine(
                product_code="PX-200",
                description="Label printer",
                quantity=2,
                unit_price=Decimal("1234.50"),
                serial_numbers=["SN-1", "SN-2"],
            )
        ],
        currency="CNY",
        issued_by="warehouse-1",
    )
    assert issued.total == Decimal("2469.00")  # derived from the lines, never sent apart
    envelope = _envelope(issued)

    received = Envelope.model_validate_json(envelope.model_dump_json())

    assert received == envelope
    contract = contract_for(received.event_type, received.schema_version)
    assert contract is GoodsIssued
    assert contract.model_validate(received.payload) == issued


def test_a_payload_that_breaks_its_contract_does_not_validate() -> None:
    received = _envelope(
        CustomerRegistered(customer_id=uuid4(), legal_name="Acme", owner_id="sales-3")
    )
    payload = copy.deepcopy(received.payload)
    del payload["legal_name"]
    with pytest.raises(ValueError, match="legal_name"):
        contract_for(received.event_type, received.schema_version).model_validate(payload)


@pytest.mark.parametrize(
    ("event_type", "schema_version"), [("CustomerDeleted", 1), ("CustomerRegistered", 99)]
)
def test_an_unknown_type_or_version_raises(event_type: str, schema_version: int) -> None:
    with pytest.raises(UnknownContractError, match=f"{event_type} v{schema_version}"):
        contract_for(event_type, schema_version)
