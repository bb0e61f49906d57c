"""The handover list of a departing or transferred account owner (CU-22, RULES §4.13): the
customers they own and their open matters, signed by the transferor, the receiver and the
supervising witness on the same version of the list, within the working days of the rule
parameters; the third signature hands the accounts over."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Self
from uuid import UUID

from kernel.approvals.domain import Approvable, Capacity, SignatureCapture
from kernel.roles import Role
from runtime.aggregate import RuleViolation

ESCALATE_TO = Role.UNIT_LEADER
"""CU-22, §4.13: an overdue handover goes to the unit head (该单位主管), who also pursues the
receivables later found unsettled."""


class HandoverReason(StrEnum):
    DEPARTURE = "departure"
    TRANSFER = "transfer"


class MatterKind(StrEnum):
    """CU-22: the open matters handed over with the accounts."""

    QUOTE = "quote"
    CONTRACT = "contract"
    RECEIVABLE = "receivable"


@dataclass(frozen=True)
class OpenMatter:
    """An open matter listed by reference: the document stays in the service that keeps it."""

    kind: MatterKind
    reference: str
    customer_id: UUID


class Party(StrEnum):
    TRANSFEROR = "transferor"
    RECEIVER = "receiver"
    WITNESS = "witness"


class HandoverStatus(StrEnum):
    OPEN = "open"
    SIGNED = "signed"


class Handover(Approvable):
    document_type = "handover"

    def __init__(self) -> None:
        self.transferor_id: str
        self.receiver_id: str
        self.witness_id: str
        self.reason: str
        self.customer_ids: tuple[UUID, ...]
        self.open_matters: tuple[OpenMatter, ...]
        self.initiated_by: str
        self.due_at: datetime
        self.status = HandoverStatus.OPEN
        self.overdue = False
        self.escalated_to: str | None = None
        self.signed_at: datetime | None = None
        self.data_returned_at: datetime | None = None
        self.data_received_by: str | None = None

    class Initiated(Approvable.Created):
        transferor_id: str
        receiver_id: str
        witness_id: str
        reason: str
        customer_ids: tuple[UUID, ...]
        open_matters: tuple[OpenMatter, ...]
        initiated_by: str
        due_at: datetime
        calendar_version: int | None
        """The working calendar (XC-10) ``due_at`` was counted on."""

    class ListRevised(Approvable.Event):
        """The list changed: signatures on the earlier version no longer count."""

        customer_ids: tuple[UUID, ...]
        open_matters: tuple[OpenMatter, ...]
        revised_by: str

        def apply(self, handover: Handover) -> None:
            handover.customer_ids = tuple(self.customer_ids)
            handover.open_matters = tuple(self.open_matters)

    class Signed(Approvable.Event):
        """CU-22: all three signed this version of the list; its accounts change hands."""

        transferor_id: str
        receiver_id: str
        witness_id: str
        customer_ids: tuple[UUID, ...]
        open_matters: tuple[OpenMatter, ...]
        version_hash: str

        def apply(self, handover: Handover) -> None:
            handover.status, handover.signed_at = HandoverStatus.SIGNED, self.timestamp

    class FellOverdue(Approvable.Event):
        """CU-22, §4.13: not signed within the working days; escalated to the unit head."""

        due_at: datetime
        escalated_to: str = ESCALATE_TO.value
        """The role the handover is escalated to (earlier events name none: the unit head)."""

        def apply(self, handover: Handover) -> None:
            handover.overdue, handover.escalated_to = True, self.escalated_to

    class DataReturned(Approvable.Event):
        """CU-22, §4.13 (CustomerDataReturned): the transferor handed back the customer data;
        until then their final pay is not settled."""

        transferor_id: str
        received_by: str

        def apply(self, handover: Handover) -> None:
            handover.data_returned_at, handover.data_received_by = self.timestamp, self.received_by

    @classmethod
    def initiate(
        cls,
        transferor_id: str,
        receiver_id: str,
        witness_id: str,
        reason: HandoverReason,
        customer_ids: Collection[UUID],
        open_matters: Collection[OpenMatter],
        initiated_by: str,
        due_at: datetime,
        calendar_version: int | None,
    ) -> Self:
        # CU-22: three different people sign the list.
        if len({transferor_id, receiver_id, witness_id}) < 3:
            raise RuleViolation(
                "CU-22",
                "the transferor, the receiver and the witness are three different people",
                transferor=transferor_id,
                receiver=receiver_id,
                witness=witness_id,
            )
        _check_list(customer_ids, open_matters)
        return cls._create(
            cls.Initiated,
            transferor_id=transferor_id,
            receiver_id=receiver_id,
            witness_id=witness_id,
            reason=reason.value,
            customer_ids=tuple(customer_ids),
            open_matters=tuple(open_matters),
            initiated_by=initiated_by,
            due_at=due_at,
            calendar_version=calendar_version,
        )

    def approval_content(self) -> Mapping[str, Any]:
        # What each of the three signs: who hands what over to whom, before whom.
        return {
            "transferor_id": self.transferor_id,
            "receiver_id": self.receiver_id,
            "witness_id": self.witness_id,
            "reason": self.reason,
            "customer_ids": sorted(str(c) for c in self.customer_ids),
            "open_matters": sorted(
                [m.kind.value, m.reference, str(m.customer_id)] for m in self.open_matters
            ),
        }

    def party_of(self, user_id: str) -> Party | None:
        parties = {
            self.transferor_id: Party.TRANSFEROR,
            self.receiver_id: Party.RECEIVER,
            self.witness_id: Party.WITNESS,
        }
        return parties.get(user_id)

    @property
    def signed_parties(self) -> set[Party]:
        """Who signed the list as it is now: a signature on an earlier version does not count."""
        current = self.version_hash
        return {
            party
            for signature in self.signatures.values()
            if not signature.voided and signature.document_version_hash == current
            for party in [self.party_of(signature.captured_by)]
            if party is not None
        }

    def revise(
        self, customer_ids: Collection[UUID], open_matters: Collection[OpenMatter], revised_by: str
    ) -> None:
        self._check_open()
        # CU-22: the transferor lists what they hand over.
        if revised_by not in (self.transferor_id, self.initiated_by):
            raise RuleViolation(
                "CU-22", "only the transferor or whoever started the handover revises its list"
            )
        _check_list(customer_ids, open_matters)
        self.trigger_event(
            self.ListRevised,
            customer_ids=tuple(customer_ids),
            open_matters=tuple(open_matters),
            revised_by=revised_by,
        )

    def check_seen(self, seen_hash: str) -> None:
        # CU-22: the three sign the same list; a signer who saw an earlier version reviews again.
        if seen_hash != self.version_hash:
            raise RuleViolation(
                "CU-22",
                "the handover list changed since that version was seen; review it again",
                current_version_hash=self.version_hash,
            )

    def capture_signature(
        self,
        signature_id: UUID,
        capture: SignatureCapture,
        captured_by: str,
        seal: str,
        now: datetime,
    ) -> None:
        self._check_open()
        party = self.party_of(captured_by)
        # CU-22: only the three named on the list sign it, each for themselves (XC-02).
        if party is None:
            raise RuleViolation(
                "CU-22",
                "only the transferor, the receiver and the witness sign the handover list",
                signer=captured_by,
            )
        if capture.signer_id != captured_by:
            raise RuleViolation(
                "CU-22", "each party signs the handover list only for themselves", party=party
            )
        expected = Capacity.WITNESS if party is Party.WITNESS else Capacity.EMPLOYEE
        if capture.capacity is not expected:
            raise RuleViolation(
                "CU-22",
                f"the {party.value} signs as {expected.value}",
                capacity=capture.capacity.value,
            )
        if party in self.signed_parties:
            raise RuleViolation("CU-22", "the handover list is signed once by each party")
        super().capture_signature(signature_id, capture, captured_by, seal, now)

    def complete(self) -> None:
        """CU-22: the accounts change hands once all three signed the same list."""
        self._check_open()
        missing = set(Party) - self.signed_parties
        if missing:
            raise RuleViolation(
                "CU-22",
                "the handover needs the transferor's, the receiver's and the witness's signatures",
                missing=sorted(missing),
            )
        self.trigger_event(
            self.Signed,
            transferor_id=self.transferor_id,
            receiver_id=self.receiver_id,
            witness_id=self.witness_id,
            customer_ids=self.customer_ids,
            open_matters=self.open_matters,
            version_hash=self.version_hash,
        )

    @property
    def fully_signed(self) -> bool:
        return self.signed_parties == set(Party)

    def flag_overdue(self, now: datetime) -> bool:
        """CU-22: record once that the handover passed its due time unsigned."""
        if self.status is not HandoverStatus.OPEN or self.overdue or now <= self.due_at:
            return False
        self.trigger_event(self.FellOverdue, due_at=self.due_at, escalated_to=ESCALATE_TO.value)
        return True

    def record_data_returned(self, received_by: str) -> None:
        # CU-22: the data goes back to the company: the receiver or the witness attests it, never
        # the transferor for themselves (XC-05), and once.
        if self.party_of(received_by) not in (Party.RECEIVER, Party.WITNESS):
            raise RuleViolation(
                "CU-22",
                "the receiver or the witness records that the customer data came back",
                recorded_by=received_by,
            )
        if self.data_returned_at is not None:
            raise RuleViolation(
                "CU-22",
                "the customer data of this handover was already returned",
                received_by=self.data_received_by,
            )
        self.trigger_event(
            self.DataReturned, transferor_id=self.transferor_id, received_by=received_by
        )

    def _check_open(self) -> None:
        if self.status is not HandoverStatus.OPEN:
            raise RuleViolation("CU-22", "the handover is already signed", status=self.status)


def _check_list(customer_ids: Collection[UUID], open_matters: Collection[OpenMatter]) -> None:
    # CU-22: a handover hands over accounts, each listed once, with their own open matters.
    if not customer_ids:
        raise RuleViolation("CU-22", "a handover lists the customers handed over")
    if len(set(customer_ids)) < len(customer_ids):
        raise RuleViolation("CU-22", "a customer is listed twice")
    for matter in open_matters:
        if matter.customer_id not in customer_ids:
            raise RuleViolation(
                "CU-22",
                "an open matter belongs to a customer on the list",
                reference=matter.reference,
            )
    if len({(m.kind, m.reference) for m in open_matters}) < len(open_matters):
        raise RuleViolation("CU-22", "an open matter is listed twice")
