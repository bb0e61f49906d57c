"""The customer master-data change request (CU-14, 客户资料变更申请单): submitted by sales with the
changed fields, approved by the responsible manager through the authority matrix, applied to the
customer by the clerk, then printed, signed by the clerk and archived."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Self
from uuid import UUID

from customers.domain.customer import Contact, Customer
from kernel.approvals.domain import Approvable, ApprovalState, Capacity
from runtime.aggregate import RuleViolation

APPROVAL_KIND = "master_data_change"


class ChangeStatus(StrEnum):
    SUBMITTED = "submitted"
    APPROVED = "approved"
    APPLIED = "applied"
    ARCHIVED = "archived"


class MasterDataChange(Approvable):
    document_type = "master_data_change"

    def __init__(self) -> None:
        self.customer_id: UUID
        self.legal_name: str | None
        self.contacts: tuple[Contact, ...] | None
        self.premises: tuple[str, ...] | None
        self.reason: str
        self.submitted_by: str
        self.status = ChangeStatus.SUBMITTED
        self.approved_by: str | None = None
        self.applied_by: str | None = None
        self.applied_at: datetime | None = None
        self.old_values: dict[str, str] = {}
        self.archived_by: str | None = None
        self.archived_at: datetime | None = None

    class Submitted(Approvable.Created):
        """The changed fields only: a field not changed is None."""

        customer_id: UUID
        legal_name: str | None
        contacts: tuple[Contact, ...] | None
        premises: tuple[str, ...] | None
        reason: str
        submitted_by: str

    class Approved(Approvable.Event):
        approved_by: str

        def apply(self, change: MasterDataChange) -> None:
            change.status, change.approved_by = ChangeStatus.APPROVED, self.approved_by

    class Applied(Approvable.Event):
        applied_by: str
        old_values: dict[str, str]
        """Each changed field's value before, as printed on the record."""

        def apply(self, change: MasterDataChange) -> None:
            change.status, change.applied_by = ChangeStatus.APPLIED, self.applied_by
            change.applied_at, change.old_values = self.timestamp, dict(self.old_values)

    class Archived(Approvable.Event):
        """CU-14: the printed record, signed, is archived."""

        archived_by: str
        signed_version_hash: str

        def apply(self, change: MasterDataChange) -> None:
            change.status, change.archived_by = ChangeStatus.ARCHIVED, self.archived_by
            change.archived_at = self.timestamp

    @classmethod
    def submit(
        cls,
        customer_id: UUID,
        submitted_by: str,
        reason: str,
        *,
        legal_name: str | None = None,
        contacts: Collection[Contact] | None = None,
        premises: Collection[str] | None = None,
    ) -> Self:
        # CU-14: a change request names what changed and why.
        if (legal_name, contacts, premises) == (None, None, None):
            raise RuleViolation("CU-14", "a change request names at least one changed field")
        if legal_name is not None and not legal_name.strip():
            raise RuleViolation("CU-14", "the legal name cannot be blank")
        if not reason.strip():
            raise RuleViolation("CU-14", "a change request says what changed at the customer")
        return cls._create(
            cls.Submitted,
            customer_id=customer_id,
            legal_name=legal_name,
            contacts=None if contacts is None else tuple(contacts),
            premises=None if premises is None else tuple(premises),
            reason=reason,
            submitted_by=submitted_by,
        )

    def approval_content(self) -> Mapping[str, Any]:
        # What the manager approves: this customer, these new values.
        return {
            "customer_id": str(self.customer_id),
            "legal_name": self.legal_name,
            "contacts": None
            if self.contacts is None
            else [[c.name, c.role, c.phone] for c in self.contacts],
            "premises": None if self.premises is None else list(self.premises),
            "reason": self.reason,
        }

    def interested_parties(self) -> set[str]:
        return {self.submitted_by}

    def on_approved(self, approval: ApprovalState) -> None:
        self.trigger_event(self.Approved, approved_by=approval.steps[-1].decided_by or "")

    def new_values(self) -> dict[str, str]:
        """Each changed field's new value, as printed on the record."""
        printed = {
            "legal_name": self.legal_name,
            "contacts": None if self.contacts is None else _contacts(self.contacts),
            "premises": None if self.premises is None else "; ".join(self.premises),
        }
        return {field: value for field, value in printed.items() if value is not None}

    @property
    def printed_lines(self) -> list[dict[str, str | None]]:
        """CU-14: the printed record, one line per changed field: before (once applied), after."""
        return [
            {"field": field, "before": self.old_values.get(field), "after": after}
            for field, after in self.new_values().items()
        ]

    def apply_to(self, customer: Customer, applied_by: str) -> None:
        # CU-14: the change reaches the customer only once the responsible manager approved it.
        if self.status is not ChangeStatus.APPROVED:
            raise RuleViolation(
                "CU-14",
                "a master-data change is applied only once the manager approved it, and once",
                status=self.status,
            )
        before = {
            "legal_name": customer.legal_name,
            "contacts": _contacts(customer.contacts),
            "premises": "; ".join(customer.premises),
        }
        self.trigger_event(
            self.Applied,
            applied_by=applied_by,
            old_values={field: before[field] for field in self.new_values()},
        )
        approval = self.approval
        assert approval is not None, "approved without an approval"
        customer.change_master_data(
            self.id, applied_by, self.legal_name, self.contacts, self.premises, approval.approval_id
        )

    def signature_allowed(self, capacity: Capacity) -> None:
        # CU-14: the clerk signs the printed record of the change applied.
        if self.status is not ChangeStatus.APPLIED:
            raise RuleViolation(
                "CU-14",
                "the printed record is signed once the change is applied",
                status=self.status,
            )
        if capacity is not Capacity.EMPLOYEE:
            raise RuleViolation("CU-14", "the printed record is signed by the employee")

    def archive(self, archived_by: str) -> None:
        # CU-14: only the printed record signed by whoever archives it is archived.
        if self.status is not ChangeStatus.APPLIED:
            raise RuleViolation(
                "CU-14", "only an applied change's printed record is archived", status=self.status
            )
        signed = [
            s
            for s in self.signatures.values()
            if not s.voided
            and s.captured_by == archived_by
            and s.document_version_hash == self.version_hash
        ]
        if not signed:
            raise RuleViolation(
                "CU-14", "the printed record is signed before it is archived", clerk=archived_by
            )
        self.trigger_event(
            self.Archived, archived_by=archived_by, signed_version_hash=self.version_hash
        )


def _contacts(contacts: Collection[Contact]) -> str:
    return "; ".join(f"{c.name} ({c.role}) {c.phone}" for c in contacts)
