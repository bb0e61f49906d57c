"""Maintenance contracts through service-desk's API on a real store, SQLite and PostgreSQL: the
contract approved through the contract chain and signed by the customer through their own link
(OR-10), type-B work only under a contract in force covering the product, with its calls and
periodic visits recorded (SD-01, SD-48), the expiry notice due one month before the end, sent,
the renewal visit and the renewal (SD-29), the lapse, and the overdue items the service
department and the sales owner chase (SD-47)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from contracts.customers import CustomerRegistered
from contracts.topics import SERVICES
from kernel.settings import KernelSettings
from runtime.signing import init_dev_keys, service_key_id
from service_desk.adapters.outbound import OUTBOUND
from service_desk.application.maintenance_contracts import (
    CONTRACT_ENDS,
    CONTRACT_VISITS,
    EXPIRY_NOTICES,
)
from service_desk.bootstrap import SPEC
from tests.conftest import USERS
from tests.service_client import ServiceClient, service_client
from tests.service_desk.test_service_calls_api import TUESDAY_10, Desk
from tests.signers import Signers

NOTICE_DUE = datetime.fromisoformat("2026-12-28T16:00:00+00:00")
"""00:00 on Tuesday 29 December in Shanghai: one month before the contract's last day."""


@pytest.fixture
def client(store_settings: KernelSettings, moved_clock: list[datetime]) -> Iterator[ServiceClient]:
    init_dev_keys(
        store_settings.keys_path,
        [*USERS, *map(service_key_id, SERVICES), "service-department", "technician"],
    )
    moved_clock[0] = TUESDAY_10
    with service_client(SPEC, store_settings) as client:
        Signers(store_settings.keys_path).put_policies_in_force(client.app)
        yield client


class Contracts(Desk):
    """The service department's side of a maintenance contract, through the API."""

    def owned_customer(self, owner_id: str = "salesperson") -> UUID:
        customer_id = uuid4()
        self.learn(
            CustomerRegistered(customer_id=customer_id, legal_name="ACME", owner_id=owner_id)
        )
        return customer_id

    def terms(self, customer_id: UUID, voucher_id: str, **changes: Any) -> dict[str, Any]:
        return {
            "customer_id": str(customer_id),
            "voucher_ids": [voucher_id],
            "services": ["Monthly inspection", "Repairs, parts included"],
            "starts_on": "2026-11-02",
            "ends_on": "2027-01-29",
            "visit_interval_days": 28,
            "price": "3600.00",
            "payment_terms": "Monthly in advance",
            "breach_liability": "Fees refunded pro rata",
            **changes,
        }

    def drafted(self, **changes: Any) -> tuple[UUID, str, str]:
        """A customer owned by the salesperson, their pump's voucher and a draft contract for it:
        the customer, the voucher and the contract."""
        customer_id = self.owned_customer()
        voucher_id = self.voucher(customer_id, TUESDAY_10 - timedelta(days=60))
        return customer_id, voucher_id, self.registered(customer_id, voucher_id, **changes)

    def registered(self, customer_id: UUID, voucher_id: str, **changes: Any) -> str:
        body = self.terms(customer_id, voucher_id, **changes)
        contract = self.client.ok("POST", "/maintenance-contracts", "service-department", body)
        return str(contract["contract_id"])

    def signed(self, contract_id: str) -> Any:
        """Submitted, approved by the department review and the sales manager, then signed by
        the customer through their link."""
        path = f"/maintenance-contracts/{contract_id}"
        self.client.ok("POST", f"{path}/submission", "service-department")
        signers = Signers(self.client.app.settings.keys_path)  # type: ignore[attr-defined]
        for user, role in (("finance", "finance"), ("sales-manager", "sales_manager")):
            signers.decide(self.client.app, UUID(contract_id), user, role)  # type: ignore[arg-type]
        body = {"contact_name": "Zhao Lan", "contact": "+86 139 0000 0000"}
        link = self.client.ok("POST", f"{path}/signing-requests", "service-department", body)
        assert self.sign(link).status_code == 200
        return self.client.ok("GET", path, "service-clerk")

    def diagnosed_as_b(self, customer_id: UUID, voucher_id: str | None) -> Any:
        call_id = str(self.register(customer_id, voucher_id=voucher_id)["call_id"])
        self.dispatched(call_id)
        path = f"/service-calls/{call_id}"
        self.client.ok("POST", f"{path}/arrival", "technician")
        self.client.app.catch_up_projections()  # type: ignore[attr-defined]
        return self.client.call(
            "POST", f"{path}/diagnosis", "technician", self.diagnosis(service_type="B")
        )


@pytest.fixture
def desk(client: ServiceClient) -> Contracts:
    return Contracts(client)


def test_or_10_the_contract_is_active_once_approved_and_signed_by_the_customer(
    client: ServiceClient, desk: Contracts
) -> None:
    customer_id, voucher_id, contract_id = desk.drafted()
    path = f"/maintenance-contracts/{contract_id}"
    body = {"contact_name": "Zhao Lan", "contact": "+86 139 0000 0000"}
    desk.refused("POST", f"{path}/signing-requests", "service-department", body, "OR-10")
    blank = desk.terms(customer_id, voucher_id, payment_terms=" ")
    desk.refused("POST", "/maintenance-contracts", "service-department", blank, "OR-10")
    contract = desk.signed(contract_id)
    assert contract["status"] == "active" and contract["signed_at"] is not None
    assert contract["notice_due_at"] == "2026-12-28T16:00:00Z"
    listed = client.page("/maintenance-contracts?status=active", "service-supervisor")
    assert [c["contract_id"] for c in listed["items"]] == [contract_id]


def test_sd_48_sd_01_type_b_work_under_the_active_contract_covering_the_product(
    client: ServiceClient, desk: Contracts
) -> None:
    customer_id, voucher_id, contract_id = desk.drafted()
    # SD-01: not yet signed, so not in force.
    refused = desk.diagnosed_as_b(customer_id, voucher_id)
    assert (refused.status_code, refused.json()["rule"]) == (422, "SD-01"), refused.text
    desk.signed(contract_id)
    served = desk.diagnosed_as_b(customer_id, voucher_id)
    assert served.status_code == 200, served.text
    assert (served.json()["service_type"], served.json()["contract_id"]) == ("B", contract_id)
    # SD-48: a product the contract does not cover is not contract work.
    uncovered = desk.diagnosed_as_b(customer_id, None)
    assert (uncovered.status_code, uncovered.json()["rule"]) == (422, "SD-48"), uncovered.text
    contract = client.ok("GET", f"/maintenance-contracts/{contract_id}", "service-clerk")
    assert contract["calls_served"] == [served.json()["call_id"]]


def test_sd_48_periodic_visits_record_the_evaluation_and_overdue_ones_are_listed(
    client: ServiceClient, desk: Contracts
) -> None:
    *_, contract_id = desk.drafted()
    path = f"/maintenance-contracts/{contract_id}"
    visit = {"visited_on": "2026-12-01", "rating": 4, "comment": "On time and thorough"}
    desk.refused("POST", f"{path}/visits", "technician", visit, "SD-48")  # not active
    desk.signed(contract_id)
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    CONTRACT_VISITS.tick(client.app)  # the first visit was due on 30 November
    CONTRACT_VISITS.tick(client.app)
    overdue = client.page("/maintenance-contracts?visit_overdue=true", "service-department")
    assert [c["contract_id"] for c in overdue["items"]] == [contract_id]
    items = client.page("/overdue-items?kind=contract_visit_overdue", "service-department")
    assert [(i["document_id"], i["owner_id"]) for i in items["items"]] == [
        (contract_id, "salesperson")
    ]
    blank = {**visit, "comment": " "}
    desk.refused("POST", f"{path}/visits", "technician", blank, "SD-48")
    recorded = client.ok("POST", f"{path}/visits", "technician", visit)
    assert recorded["visits"] == [{**visit, "technician": "technician"}]
    assert (recorded["next_visit_on"], recorded["visit_overdue"]) == ("2026-12-29", False)
    row = client.page("/maintenance-contracts", "service-department")["items"][0]
    assert (row["visits_delivered"], row["last_rating"], row["visit_overdue"]) == (1, 4, False)


def test_sd_29_notice_due_one_month_before_expiry_then_sent_visit_assigned_and_renewed(
    client: ServiceClient, desk: Contracts, moved_clock: list[datetime]
) -> None:
    customer_id, voucher_id, old = desk.drafted()
    desk.signed(old)
    path = f"/maintenance-contracts/{old}"
    notice = {"notice_ref": "EN-2026-117"}
    visit = {"assignee": "salesperson", "visit_on": "2027-01-05"}
    desk.refused("POST", f"{path}/expiry-notice", "service-clerk", notice, "SD-29")  # too early
    desk.refused("POST", f"{path}/renewal-visit", "service-department", visit, "SD-29")

    moved_clock[0] = NOTICE_DUE - timedelta(minutes=1)
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    EXPIRY_NOTICES.tick(client.app)
    assert client.ok("GET", path, "service-clerk")["notice_due"] is False
    moved_clock[0] = NOTICE_DUE
    EXPIRY_NOTICES.tick(client.app)
    EXPIRY_NOTICES.tick(client.app)
    assert client.ok("GET", path, "service-clerk")["notice_due"] is True
    items = client.page("/overdue-items?kind=expiry_notice_unsent", "service-department")
    assert [i["document_id"] for i in items["items"]] == [old]

    sent = client.ok("POST", f"{path}/expiry-notice", "service-clerk", notice)
    assert sent["notice_ref"] == "EN-2026-117"
    desk.refused("POST", f"{path}/expiry-notice", "service-clerk", notice, "SD-29")
    pending = client.ok("POST", f"{path}/renewal-visit", "service-department", visit)
    assert (pending["status"], pending["renewal_assignee"]) == ("renewal_pending", "salesperson")
    published = [
        OUTBOUND(client.app.mapper.to_domain_event(e))  # type: ignore[attr-defined]
        for e in client.app.recorder.select_notifications(1, 1000)  # type: ignore[attr-defined]
        if "ExpiryNotice" in e.topic
    ]
    assert [p.event_type for p in published if p is not None] == [
        "MaintenanceContractExpiryNoticeDue",
        "MaintenanceContractExpiryNoticeSent",
    ]

    renewal = desk.registered(
        customer_id, voucher_id, starts_on="2027-01-30", ends_on="2028-01-28", renews_id=old
    )
    renewed = {"renewal_id": renewal}
    desk.refused("POST", f"{path}/renewal", "service-department", renewed, "SD-29")  # unsigned
    desk.signed(renewal)
    done = client.ok("POST", f"{path}/renewal", "service-department", renewed)
    assert (done["status"], done["renewed_by_id"]) == ("renewed", renewal)
    # RULES §7 row 14: billing learns of the renewal, and of the renewal's own signature.
    (published_renewal,) = published_as(client, "MaintenanceContractRenewed")
    assert (published_renewal.contract_id, published_renewal.renewal_id) == (
        UUID(old),
        UUID(renewal),
    )
    assert published_renewal.customer_id == customer_id
    signatures = published_as(client, "MaintenanceContractSigned")
    assert [s.renews_id for s in signatures] == [None, UUID(old)]


def published_as(client: ServiceClient, event_type: str) -> list[Any]:
    """The contracts of that type the service's stored events are published as."""
    found = (
        OUTBOUND(client.app.mapper.to_domain_event(e))  # type: ignore[attr-defined]
        for e in client.app.recorder.select_notifications(1, 10_000)  # type: ignore[attr-defined]
    )
    return [c for c in found if c is not None and c.event_type == event_type]


def test_sd_01_bi_16_row_14_the_contract_is_published_signed_once_active_with_its_terms(
    client: ServiceClient, desk: Contracts
) -> None:
    customer_id, _, contract_id = desk.drafted()
    # A draft is not in force: nothing for billing yet.
    assert published_as(client, "MaintenanceContractSigned") == []
    desk.signed(contract_id)
    (signed,) = published_as(client, "MaintenanceContractSigned")
    assert (signed.contract_id, signed.customer_id) == (UUID(contract_id), customer_id)
    assert (str(signed.starts_on), str(signed.ends_on)) == ("2026-11-02", "2027-01-29")
    assert (str(signed.price), signed.payment_terms) == ("3600.00", "Monthly in advance")
    assert signed.renews_id is None


def test_sd_29_an_unrenewed_contract_lapses_and_no_longer_carries_type_b_work(
    client: ServiceClient, desk: Contracts, moved_clock: list[datetime]
) -> None:
    customer_id, voucher_id, contract_id = desk.drafted(ends_on="2026-12-31")
    desk.signed(contract_id)
    renewal = desk.terms(customer_id, voucher_id, renews_id=contract_id)
    desk.refused("POST", "/maintenance-contracts", "service-department", renewal, "SD-29")
    moved_clock[0] = TUESDAY_10 + timedelta(days=31)
    client.app.catch_up_projections()  # type: ignore[attr-defined]
    CONTRACT_ENDS.tick(client.app)
    lapsed = client.ok("GET", f"/maintenance-contracts/{contract_id}", "service-clerk")
    assert lapsed["status"] == "expired"
    refused = desk.diagnosed_as_b(customer_id, voucher_id)
    assert (refused.status_code, refused.json()["rule"]) == (422, "SD-01"), refused.text


def test_sd_47_overdue_items_for_the_service_department_and_the_sales_owner(
    client: ServiceClient, desk: Contracts, moved_clock: list[datetime]
) -> None:
    mine = desk.owned_customer("salesperson")
    other = desk.owned_customer("sales-manager")
    late = str(desk.register(mine)["call_id"])
    not_mine = str(desk.register(other)["call_id"])
    assert client.page("/overdue-items", "service-department")["items"] == []
    moved_clock[0] = TUESDAY_10 + timedelta(hours=8)  # 18:00 in Shanghai, past the 17:00 SLA

    everything = client.page("/overdue-items", "service-department")
    assert {(i["document_id"], i["kind"], i["owner_id"]) for i in everything["items"]} == {
        (late, "undispatched_call", "salesperson"),
        (not_mine, "undispatched_call", "sales-manager"),
    }
    own = client.page("/overdue-items", "salesperson")
    assert [i["document_id"] for i in own["items"]] == [late]
    assert client.page("/overdue-items?owner_id=salesperson", "salesperson")["total"] == 1
    assert client.page("/overdue-items", "salesperson-2")["items"] == []
    metrics = client.http.get("/metrics").text
    assert 'countersign_service_desk_overdue_items{kind="undispatched_call"} 2.0' in metrics
    assert 'countersign_service_desk_overdue_items{kind="expiry_notice_unsent"} 0.0' in metrics

    desk.dispatched(late)
    after = client.page("/overdue-items", "salesperson")
    assert after["items"] == []


def test_sd_47_another_salesperson_is_refused_the_owner_s_items(
    client: ServiceClient, desk: Contracts
) -> None:
    refused = client.call("GET", "/overdue-items?owner_id=salesperson", "salesperson-2")
    assert (refused.status_code, refused.json()["rule"]) == (403, "SD-47"), refused.text
    technician = client.call("GET", "/overdue-items", "technician")
    assert technician.status_code == 403
