"""Account ownership over HTTP on a real store: the accounts per salesperson and the balanced
allocation (CU-15), the handover list signed by all three that moves the accounts, published as
AccountOwnerHandoverSigned and AccountOwnerChanged, and the overdue list (CU-22)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from contracts.customers import (
    AccountOwnerChanged,
    AccountOwnerHandoverSigned,
    CustomerDataReturned,
)
from contracts.topics import SERVICES
from customers.adapters.outbound import OUTBOUND
from customers.application import CustomersApplication
from customers.application.ownership import HANDOVER_DEADLINES
from customers.bootstrap import SPEC
from kernel.approvals.domain import seal_fields
from kernel.approvals.http import CaptureSignature
from kernel.settings import KernelSettings
from runtime.signing import init_dev_keys, service_key_id
from tests.conftest import USERS
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers

TRANSFEROR, RECEIVER, WITNESS = "salesperson", "salesperson-2", "handover-witness"


@pytest.fixture
def signers(store_settings: KernelSettings) -> Signers:
    """The development keys, the handover's receiver and witness included."""
    keys = store_settings.keys_path
    init_dev_keys(keys, [*USERS, RECEIVER, WITNESS, *map(service_key_id, SERVICES)])
    return Signers(keys)


@pytest.fixture
def client(store_settings: KernelSettings, signers: Signers) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        signers.put_policies_in_force(client.app)
        yield client


def app_of(client: ServiceClient) -> CustomersApplication:
    assert isinstance(client.app, CustomersApplication)
    return client.app


def register(client: ServiceClient, name: str, owner: str = TRANSFEROR) -> str:
    body = {"legal_name": name, "owner_id": owner}
    return str(client.ok("POST", "/customers", "salesperson", body)["customer_id"])


def refused(client: ServiceClient, path: str, user: str, body: Any, rule: str) -> dict[str, Any]:
    response = client.call("POST", path, user, body)
    assert response.status_code == 422, response.text
    answer: dict[str, Any] = response.json()
    assert answer["rule"] == rule, answer
    return answer


def draw_up(client: ServiceClient, *customer_ids: str) -> dict[str, Any]:
    body = {
        "transferor_id": TRANSFEROR,
        "receiver_id": RECEIVER,
        "witness_id": WITNESS,
        "reason": "departure",
        "customer_ids": list(customer_ids),
        "open_matters": [
            {"kind": "receivable", "reference": "R-2026-044", "customer_id": customer_ids[0]}
        ],
    }
    handover: dict[str, Any] = client.ok("POST", "/handovers", "sales-manager", body)
    return handover


def signature(
    signers: Signers,
    handover: dict[str, Any],
    signer: str,
    captured_by: str | None = None,
) -> dict[str, Any]:
    """``signer``'s signature on the version of the list they saw, sealed by ``captured_by``."""
    captured_by = captured_by or signer
    body = CaptureSignature(
        signer_id=signer,
        signer_name=signer,
        capacity="witness" if signer == WITNESS else "employee",
        method="e_sign",
        place="Shanghai",
        signed_at=datetime.fromisoformat(handover["initiated_at"]) + timedelta(seconds=1),
        seal="AAAA",
    )
    fields = seal_fields(
        "handover", handover["handover_id"], handover["version_hash"], body.capture(), captured_by
    )
    body.seal = signers.sign(captured_by, fields)
    return {**body.model_dump(mode="json"), "version_hash": handover["version_hash"]}


def test_cu_15_the_accounts_per_salesperson_and_an_unbalanced_assignment_is_refused(
    client: ServiceClient,
) -> None:
    mine = [register(client, f"Customer {n}") for n in range(8)]
    register(client, "Spare Parts Co", owner="salesperson-2")
    clerks = register(client, "Desk Supplies", owner="sales-clerk")
    app_of(client).catch_up_projections()
    assert client.ok("GET", "/customers/owners/accounts", "sales-manager") == [
        {"owner_id": "sales-clerk", "accounts": 1},
        {"owner_id": "salesperson", "accounts": 8},
        {"owner_id": "salesperson-2", "accounts": 1},
    ]

    # 9 accounts against an average of 5 (the clerk would hold none): beyond the margin of 3.
    piled_up = {"owner_id": "salesperson", "reason": "clerk moves to the back office"}
    answer = refused(client, f"/customers/{clerks}/owners", "sales-manager", piled_up, "CU-15")
    assert (answer["details"]["accounts"], answer["details"]["margin"]) == (9, 3)
    assert client.ok("GET", f"/customers/{clerks}", "finance")["owner_id"] == "sales-clerk"

    spread = {"owner_id": "salesperson-2", "reason": "spreading the accounts"}
    client.ok("POST", f"/customers/{mine[0]}/owners", "sales-manager", spread)
    app_of(client).catch_up_projections()
    counts = client.ok("GET", "/customers/owners/accounts", "finance")
    assert {c["owner_id"]: c["accounts"] for c in counts}["salesperson-2"] == 2


def test_cu_22_handover_needs_all_three_signatures_then_moves_the_accounts(
    client: ServiceClient, signers: Signers
) -> None:
    first, second = register(client, "ACME Valves"), register(client, "Bravo Pumps")
    handover = draw_up(client, first, second)
    assert (handover["status"], handover["signed_parties"]) == ("open", [])
    path = f"/handovers/{handover['handover_id']}/sign"

    for party in (TRANSFEROR, RECEIVER):
        handover = client.ok("POST", path, party, signature(signers, handover, party))
    assert sorted(handover["signed_parties"]) == ["receiver", "transferor"]
    assert client.ok("GET", f"/customers/{first}", "finance")["owner_id"] == TRANSFEROR

    refused(client, path, RECEIVER, signature(signers, handover, RECEIVER), "CU-22")  # twice
    refused(  # for someone else
        client, path, TRANSFEROR, signature(signers, handover, WITNESS, TRANSFEROR), "CU-22"
    )

    signed = client.ok("POST", path, WITNESS, signature(signers, handover, WITNESS))
    assert signed["status"] == "signed"
    for customer_id in (first, second):
        assert client.ok("GET", f"/customers/{customer_id}", "finance")["owner_id"] == RECEIVER
    assert client.page("/handovers?status=signed", "sales-manager")["total"] == 1

    streams = (first, second, signed["handover_id"])
    stored = [e for s in streams for e in app_of(client).events.get(UUID(s))]
    published = [OUTBOUND(event) for event in stored]
    handed = [c for c in published if isinstance(c, AccountOwnerHandoverSigned)]
    assert [sorted(map(str, h.customer_ids)) for h in handed] == [sorted([first, second])]
    assert handed[0].open_matters[0].reference == "R-2026-044"
    changed = [c for c in published if isinstance(c, AccountOwnerChanged)]
    assert {(str(c.customer_id), c.owner_id, c.handover_id) for c in changed} == {
        (first, RECEIVER, handed[0].handover_id),
        (second, RECEIVER, handed[0].handover_id),
    }


def test_cu_22_signing_after_the_list_changed_is_refused(
    client: ServiceClient, signers: Signers
) -> None:
    first, second = register(client, "ACME Valves"), register(client, "Bravo Pumps")
    seen = draw_up(client, first)
    path = f"/handovers/{seen['handover_id']}/sign"
    client.ok("POST", path, TRANSFEROR, signature(signers, seen, TRANSFEROR))
    revised = client.ok(
        "POST",
        f"/handovers/{seen['handover_id']}/list",
        "sales-manager",
        {"customer_ids": [first, second]},
    )
    assert revised["signed_parties"] == []  # the transferor signed the earlier version

    refused(client, path, WITNESS, signature(signers, seen, WITNESS), "CU-22")
    after = client.ok("GET", f"/handovers/{seen['handover_id']}", WITNESS)
    assert after == revised


def test_cu_22_a_customer_the_transferor_does_not_hold_is_not_handed_over(
    client: ServiceClient,
) -> None:
    other = register(client, "Zulu Motors", owner="sales-manager-2")
    body = {
        "transferor_id": TRANSFEROR,
        "receiver_id": RECEIVER,
        "witness_id": WITNESS,
        "reason": "transfer",
        "customer_ids": [other],
    }
    refused(client, "/handovers", "sales-manager", body, "CU-22")
    assert client.page("/handovers", "sales-manager")["total"] == 0


def test_cu_22_an_unsigned_handover_past_its_working_days_is_listed_overdue(
    client: ServiceClient, moved_clock: list[datetime]
) -> None:
    handover = draw_up(client, register(client, "ACME Valves"))
    due = datetime.fromisoformat(handover["due_at"])
    assert due - datetime.fromisoformat(handover["initiated_at"]) >= timedelta(days=5)
    app = app_of(client)
    app.catch_up_projections()
    HANDOVER_DEADLINES.tick(app)
    assert client.page("/handovers?overdue=true", "sales-manager")["total"] == 0

    moved_clock[0] = due + timedelta(minutes=1)
    HANDOVER_DEADLINES.tick(app)
    overdue = client.page("/handovers?overdue=true", "sales-manager")
    assert [h["handover_id"] for h in overdue["items"]] == [handover["handover_id"]]
    assert overdue["items"][0]["escalated_to"] == "unit_leader"


def test_cu_22_an_overdue_handover_is_escalated_to_the_unit_head_s_list(
    client: ServiceClient, moved_clock: list[datetime], signers: Signers
) -> None:
    late = draw_up(client, register(client, "ACME Valves"))
    on_time = draw_up(client, register(client, "Bravo Pumps"))
    app = app_of(client)
    app.catch_up_projections()
    assert client.page("/handovers/escalated", "unit-leader")["total"] == 0

    moved_clock[0] = datetime.fromisoformat(late["due_at"]) + timedelta(minutes=1)
    HANDOVER_DEADLINES.tick(app)
    escalated = client.page("/handovers/escalated", "unit-leader")
    assert {h["handover_id"] for h in escalated["items"]} == {
        late["handover_id"],
        on_time["handover_id"],
    }
    assert client.call("GET", "/handovers/escalated", "salesperson").status_code == 403

    # Signed at last: off the unit head's list, still recorded as overdue.
    path = f"/handovers/{late['handover_id']}/sign"
    for party in (TRANSFEROR, RECEIVER, WITNESS):
        client.ok("POST", path, party, signature(signers, late, party))
    escalated = client.page("/handovers/escalated", "unit-leader")
    assert [h["handover_id"] for h in escalated["items"]] == [on_time["handover_id"]]
    assert client.ok("GET", f"/handovers/{late['handover_id']}", "unit-leader")["overdue"]


def test_cu_22_final_pay_waits_until_the_customer_data_is_returned(
    client: ServiceClient, signers: Signers
) -> None:
    clearance = f"/employees/{TRANSFEROR}/final-pay-clearance"
    first = register(client, "ACME Valves")
    handover = draw_up(client, first)
    app_of(client).catch_up_projections()
    answer = client.ok("GET", clearance, "finance")
    assert answer == {
        "employee_id": TRANSFEROR,
        "settleable": False,
        "handovers_awaiting_data": [handover["handover_id"]],
        "accounts_still_owned": 1,
    }
    assert client.call("GET", clearance, "salesperson").status_code == 403

    path = f"/handovers/{handover['handover_id']}"
    for party in (TRANSFEROR, RECEIVER, WITNESS):
        client.ok("POST", f"{path}/sign", party, signature(signers, handover, party))
    app_of(client).catch_up_projections()
    answer = client.ok("GET", clearance, "finance")
    assert (answer["settleable"], answer["accounts_still_owned"]) == (False, 0)

    returned = f"{path}/customer-data-returned"
    refused(client, returned, TRANSFEROR, None, "CU-22")  # not for themselves
    recorded = client.ok("POST", returned, WITNESS)
    assert recorded["data_returned_at"] is not None
    refused(client, returned, RECEIVER, None, "CU-22")  # once
    app_of(client).catch_up_projections()
    assert client.ok("GET", clearance, "finance")["settleable"] is True

    stored = app_of(client).events.get(UUID(handover["handover_id"]))
    published = [OUTBOUND(event) for event in stored]
    [data_returned] = [c for c in published if isinstance(c, CustomerDataReturned)]
    assert (data_returned.transferor_id, data_returned.received_by) == (TRANSFEROR, WITNESS)
