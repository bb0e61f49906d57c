"""A take-back repair's and a paid job's way through service-desk's API, for the tests of the
workshop (SD-14..SD-19) and of the fees (SD-13, SD-18)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from uuid import UUID

from contracts.topics import SERVICES
from kernel.approvals.commands import Action
from kernel.settings import KernelSettings
from runtime.signing import init_dev_keys, service_key_id
from service_desk.adapters.outbound import OUTBOUND
from service_desk.bootstrap import SPEC
from tests.conftest import USERS
from tests.service_client import service_client
from tests.service_desk.test_service_calls_api import TUESDAY_10, Desk
from tests.signers import Signers


@contextmanager
def opened_workshop(settings: KernelSettings, moved_clock: list[datetime]) -> Iterator[Workshop]:
    """The service on a real store on a working Tuesday, its policies in force, with keys for
    the technician, the supervisor and the unit leader."""
    init_dev_keys(
        settings.keys_path,
        [*USERS, *map(service_key_id, SERVICES), "technician", "service-supervisor", "unit-leader"],
    )
    moved_clock[0] = TUESDAY_10
    with service_client(SPEC, settings) as client:
        Signers(settings.keys_path).put_policies_in_force(client.app)
        yield Workshop(client)


class Workshop(Desk):
    """The service desk's side of a take-back repair, through the API."""

    def diagnosed(self, service_type: str = "A") -> str:
        call_id = str(self.register(self.customer())["call_id"])
        self.dispatched(call_id)
        path = f"/service-calls/{call_id}"
        self.client.ok("POST", f"{path}/arrival", "technician")
        self.client.ok(
            "POST",
            f"{path}/diagnosis",
            "technician",
            self.diagnosis(service_type=service_type, in_warranty=service_type == "C"),
        )
        return call_id

    def take_back(self, call_id: str, days: int = 3) -> Any:
        body = {"pickup_receipt_no": "PR-0001", "promised_working_days": days}
        return self.client.ok("POST", f"/service-calls/{call_id}/take-back", "technician", body)

    def signing_link(self, repair_id: str) -> Any:
        body = {"contact_name": "Zhao Lan", "contact": "+86 139 0000 0000"}
        return self.client.call(
            "POST", f"/repairs/{repair_id}/signing-requests", "technician", body
        )

    def customer_signs(self, repair_id: str) -> Any:
        link = self.signing_link(repair_id)
        assert link.status_code == 201, link.text
        signed = self.sign(link.json())
        assert signed.status_code == 200, signed.text
        return self.client.ok("GET", f"/repairs/{repair_id}", "service-clerk")

    def in_repair(self, service_type: str = "A") -> str:
        repair_id = str(self.take_back(self.diagnosed(service_type))["repair_id"])
        self.customer_signs(repair_id)
        body = {"in_out_register_no": "IO-17", "card_no": "RC-9"}
        self.client.ok("POST", f"/repairs/{repair_id}/check-in", "service-clerk", body)
        return repair_id

    def repaired(self, charge: str | None = "180.00") -> str:
        repair_id = self.in_repair()
        path = f"/repairs/{repair_id}"
        self.client.ok("POST", f"{path}/work", "technician", {"hours": "2.5", "work": "Rewound"})
        if charge is not None:
            self.fee_approved(self.client.ok("GET", path, "technician")["call_id"], charge)
        self.client.ok("POST", f"{path}/completion", "technician", {"charge": charge})
        return repair_id

    def fee_approved(self, call_id: str, amount: str) -> None:
        """SD-13: the technician quotes the paid job's fee; the unit leader approves it."""
        body = {"amount": amount}
        self.client.ok("POST", f"/service-calls/{call_id}/fee", "technician", body)
        self.decide(call_id, "unit-leader", "unit_leader")

    def decide(
        self, document_id: str, user: str, role: str, action: Action = "grant", note: str = ""
    ) -> None:
        """``user`` in ``role`` decides the step in progress of the document's approval."""
        signers = Signers(self.client.app.settings.keys_path)  # type: ignore[attr-defined]
        app: Any = self.client.app
        signers.decide(app, UUID(document_id), user, role, action, note)

    def inspect(self, repair_id: str, action: Action = "grant", note: str = "") -> None:
        """The supervisor decides the repair's step in progress: the inspection (SD-16), or a
        lost receipt's exception (SD-17)."""
        self.decide(repair_id, "service-supervisor", "service_supervisor", action, note)

    def published(self, event_type: str) -> list[Any]:
        """The contracts of that type the service's stored events are published as."""
        app: Any = self.client.app
        found = (
            OUTBOUND(app.mapper.to_domain_event(n))
            for n in app.recorder.select_notifications(1, 10_000)
        )
        return [c for c in found if c is not None and c.event_type == event_type]

    def trail(self, repair_id: str) -> list[str]:
        trail = self.client.ok("GET", f"/audit-trail/{repair_id}", "service-supervisor")
        return [e["event"].rpartition(".")[2] for e in trail]
