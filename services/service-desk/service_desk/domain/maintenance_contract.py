"""A maintenance contract (保养合同书, RULES §4.2's maintenance part): registered for a customer
with the products it covers, the services included, its term and its visit interval; its content
complete (OR-10), reviewed and approved through the authority matrix's contract chain and signed by
the customer through their own channel before it is Active. One month before it ends its expiry
notice (保养到期通知书) is due, is sent and a renewal visit assigned (SD-29); it is then renewed by
a new contract through the same path, or lapses. While in force it carries type-B work (SD-01) for
the products it covers only, and records each call served and each periodic visit with the
customer's evaluation (SD-48)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import UUID

from kernel.approvals.domain import ApprovalState, Capacity
from kernel.calendar import Calendar
from kernel.signing.domain import Signable, SigningSheet
from runtime.aggregate import RuleViolation
from service_desk.domain.voucher import warranty_end

MAINTENANCE_CONTRACT = "contract"
"""The authority matrix's contract chain, which OR-10 and SD-29 share: department review, legal
expert when important or complex, the sales manager, leadership when major."""


class ContractStatus(StrEnum):
    DRAFT = "draft"
    PENDING_APPROVAL = "pending_approval"
    READY_TO_SIGN = "ready_to_sign"
    ACTIVE = "active"
    RENEWAL_PENDING = "renewal_pending"
    """SD-29: the expiry notice sent and a renewal visit assigned."""
    RENEWED = "renewed"
    EXPIRED = "expired"
    """Lapsed: it ended without a renewal."""


IN_FORCE = (ContractStatus.ACTIVE, ContractStatus.RENEWAL_PENDING)
"""SD-01, SD-48: a signed contract within its term carries contract work and its visits."""


@dataclass(frozen=True)
class CoveredProduct:
    """A product the contract covers, by its service voucher (SD-02)."""

    voucher_id: UUID
    product_code: str
    serial_number: str


@dataclass(frozen=True)
class ContractVisit:
    """SD-48: a periodic follow-up visit and the customer's evaluation of the service."""

    visited_on: date
    technician: str
    rating: int
    comment: str


def notice_due_at(ends_on: date, lead_months: int, calendar: Calendar) -> datetime:
    """SD-29: the start of the working day ``lead_months`` before the end (the working day before,
    when that is a day off: the notice is never later than the lead time)."""
    day = warranty_end(ends_on, -lead_months)
    while not calendar.is_working_day(day):
        day -= timedelta(days=1)
    return datetime.combine(day, time(), calendar.zone).astimezone(UTC)


def covering_contract(
    contracts: Iterable[MaintenanceContract], voucher_id: UUID | None, day: date
) -> MaintenanceContract:
    """SD-01: contract (B) work needs a maintenance contract of the customer in force on the day;
    SD-48: and it is delivered only for what that contract covers."""
    in_force = [c for c in contracts if c.in_force_on(day)]
    if not in_force:
        raise RuleViolation(
            "SD-01",
            "contract service (B) needs an active maintenance contract; none is on record",
            day=str(day),
        )
    found = next((c for c in in_force if c.covers(voucher_id)), None)
    if found is None:
        raise RuleViolation(
            "SD-48",
            "no active maintenance contract covers this call's product",
            voucher_id=None if voucher_id is None else str(voucher_id),
            contracts=[str(c.id) for c in in_force],
        )
    return found


class MaintenanceContract(Signable):
    document_type = "maintenance_contract"

    def __init__(self) -> None:
        self.customer_id: UUID
        self.covered: tuple[CoveredProduct, ...]
        self.services: tuple[str, ...]
        self.starts_on: date
        self.ends_on: date
        self.visit_interval_days: int
        self.price: Decimal
        self.payment_terms: str
        self.breach_liability: str
        self.registered_by: str
        self.renews_id: UUID | None
        self.notice_due_at: datetime
        self.calendar_version: int | None
        self.rule_parameters_version: int
        self.next_visit_on: date
        self.status = ContractStatus.DRAFT
        self.signed_at: datetime | None = None
        self.notice_due = False
        self.notice_sent_at: datetime | None = None
        self.notice_ref: str | None = None
        self.renewal_assignee: str | None = None
        self.renewal_visit_on: date | None = None
        self.renewed_by_id: UUID | None = None
        self.visit_overdue = False
        self.visits: tuple[ContractVisit, ...] = ()
        self.calls_served: tuple[UUID, ...] = ()

    class Registered(Signable.Created):
        customer_id: UUID
        covered: tuple[CoveredProduct, ...]
        services: tuple[str, ...]
        starts_on: date
        ends_on: date
        visit_interval_days: int
        price: Decimal
        payment_terms: str
        breach_liability: str
        registered_by: str
        renews_id: UUID | None
        """SD-29: the contract this one renews."""
        notice_due_at: datetime
        """SD-29: when the expiry notice falls due, on the working calendar."""
        calendar_version: int | None
        rule_parameters_version: int
        next_visit_on: date
        """SD-48: the first periodic visit, one interval after the start."""

    class SubmittedForReview(Signable.Event):
        submitted_by: str

        def apply(self, contract: MaintenanceContract) -> None:
            contract.status = ContractStatus.PENDING_APPROVAL

    class Approved(Signable.Event):
        approval_id: UUID

        def apply(self, contract: MaintenanceContract) -> None:
            contract.status = ContractStatus.READY_TO_SIGN

    class Rejected(Signable.Event):
        approval_id: UUID
        reason: str

        def apply(self, contract: MaintenanceContract) -> None:
            contract.status = ContractStatus.DRAFT

    class Signed(Signable.Event):
        """``MaintenanceContractSigned``: the customer signed the approved version; in force."""

        customer_id: UUID
        starts_on: date
        ends_on: date
        signed_at: datetime
        # RULES §7 row 14: what billing's type-B schedule is drawn from (None in events stored
        # before billing needed them).
        price: Decimal | None = None
        payment_terms: str | None = None
        renews_id: UUID | None = None

        def apply(self, contract: MaintenanceContract) -> None:
            contract.status, contract.signed_at = ContractStatus.ACTIVE, self.signed_at

    class ExpiryNoticeDue(Signable.Event):
        """``MaintenanceContractExpiryNoticeDue`` (SD-29): one month before the end."""

        customer_id: UUID
        ends_on: date
        notice_due_at: datetime

        def apply(self, contract: MaintenanceContract) -> None:
            contract.notice_due = True

    class ExpiryNoticeSent(Signable.Event):
        """``MaintenanceContractExpiryNoticeSent`` (SD-29)."""

        customer_id: UUID
        ends_on: date
        notice_ref: str
        sent_by: str
        sent_at: datetime

        def apply(self, contract: MaintenanceContract) -> None:
            contract.notice_sent_at, contract.notice_ref = self.sent_at, self.notice_ref

    class RenewalVisitAssigned(Signable.Event):
        """``RenewalVisitAssigned`` (SD-29): staff sent to win the renewal."""

        assignee: str
        visit_on: date
        assigned_by: str

        def apply(self, contract: MaintenanceContract) -> None:
            contract.status = ContractStatus.RENEWAL_PENDING
            contract.renewal_assignee, contract.renewal_visit_on = self.assignee, self.visit_on

    class Renewed(Signable.Event):
        """``MaintenanceContractRenewed`` (SD-29): the renewal contract is signed and in force."""

        renewal_id: UUID
        recorded_by: str
        # RULES §7 row 14: the published ``MaintenanceContractRenewed`` names the customer and the
        # renewed contract's end (None in events stored before it was published).
        customer_id: UUID | None = None
        ends_on: date | None = None

        def apply(self, contract: MaintenanceContract) -> None:
            contract.status, contract.renewed_by_id = ContractStatus.RENEWED, self.renewal_id

    class Lapsed(Signable.Event):
        """``MaintenanceContractLapsed`` (SD-29): it ended without a renewal."""

        ends_on: date

        def apply(self, contract: MaintenanceContract) -> None:
            contract.status = ContractStatus.EXPIRED

    class CallServed(Signable.Event):
        """SD-48: a type-B call delivered under this contract."""

        call_id: UUID
        voucher_id: UUID | None
        served_on: date

        def apply(self, contract: MaintenanceContract) -> None:
            contract.calls_served = (*contract.calls_served, self.call_id)

    class VisitOverdue(Signable.Event):
        """SD-48: the planned periodic visit's day passed without it; flagged once per visit."""

        due_on: date

        def apply(self, contract: MaintenanceContract) -> None:
            contract.visit_overdue = True

    class VisitRecorded(Signable.Event):
        """SD-48: a planned periodic visit, with the customer's evaluation."""

        visit: ContractVisit
        next_visit_on: date

        def apply(self, contract: MaintenanceContract) -> None:
            contract.visits = (*contract.visits, self.visit)
            contract.next_visit_on, contract.visit_overdue = self.next_visit_on, False

    # -- registration (OR-10)

    @classmethod
    def register(
        cls,
        customer_id: UUID,
        covered: tuple[CoveredProduct, ...],
        services: tuple[str, ...],
        starts_on: date,
        ends_on: date,
        visit_interval_days: int,
        price: Decimal,
        payment_terms: str,
        breach_liability: str,
        registered_by: str,
        renewed: MaintenanceContract | None,
        notice_lead_months: int,
        calendar: Calendar,
        rule_parameters_version: int,
    ) -> Self:
        """``renewed``: the contract this one renews (SD-29), if any."""
        # OR-10: the scope of services, the term, the price, payment terms and liability for
        # breach are each stated.
        if not covered:
            raise RuleViolation("OR-10", "a maintenance contract names the products it covers")
        if not services or not all(s.strip() for s in services):
            raise RuleViolation("OR-10", "a maintenance contract states the services included")
        if ends_on <= starts_on:
            raise RuleViolation(
                "OR-10",
                "the contract's term ends after it starts",
                starts_on=str(starts_on),
                ends_on=str(ends_on),
            )
        if price <= 0:
            raise RuleViolation("OR-10", "a maintenance contract states its price")
        if not (payment_terms.strip() and breach_liability.strip()):
            raise RuleViolation(
                "OR-10", "a maintenance contract states its payment terms and liability for breach"
            )
        if visit_interval_days < 1 or starts_on + timedelta(days=visit_interval_days) > ends_on:
            raise RuleViolation(
                "SD-48",
                "the periodic visits fall within the contract's term",
                visit_interval_days=visit_interval_days,
            )
        if renewed is not None:
            # SD-29: a renewal follows the notice and the renewal visit, for the same customer.
            if renewed.status is not ContractStatus.RENEWAL_PENDING:
                raise RuleViolation(
                    "SD-29",
                    "a contract is renewed after its expiry notice and renewal visit",
                    status=renewed.status.value,
                )
            if renewed.customer_id != customer_id:
                raise RuleViolation("SD-29", "a renewal is the same customer's contract")
        due = notice_due_at(ends_on, notice_lead_months, calendar)
        return cls._create(
            cls.Registered,
            customer_id=customer_id,
            covered=covered,
            services=services,
            starts_on=starts_on,
            ends_on=ends_on,
            visit_interval_days=visit_interval_days,
            price=price,
            payment_terms=payment_terms,
            breach_liability=breach_liability,
            registered_by=registered_by,
            renews_id=None if renewed is None else renewed.id,
            notice_due_at=due,
            calendar_version=calendar.version,
            rule_parameters_version=rule_parameters_version,
            next_visit_on=starts_on + timedelta(days=visit_interval_days),
        )

    def submit(self, submitted_by: str) -> None:
        # OR-10: the draft goes to review; a rejected one may be submitted again.
        if self.status is not ContractStatus.DRAFT:
            raise RuleViolation(
                "OR-10", "only a draft contract is submitted for review", status=self.status.value
            )
        self.trigger_event(self.SubmittedForReview, submitted_by=submitted_by)

    def on_approved(self, approval: ApprovalState) -> None:
        self.trigger_event(self.Approved, approval_id=approval.approval_id)

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        self.trigger_event(self.Rejected, approval_id=approval.approval_id, reason=reason)

    # -- the customer's signature (OR-10, XC-02)

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "customer_id": str(self.customer_id),
            "covered": [[str(p.voucher_id), p.product_code, p.serial_number] for p in self.covered],
            "services": list(self.services),
            "starts_on": str(self.starts_on),
            "ends_on": str(self.ends_on),
            "visit_interval_days": self.visit_interval_days,
            "price": str(self.price),
            "payment_terms": self.payment_terms,
            "breach_liability": self.breach_liability,
            "renews_id": None if self.renews_id is None else str(self.renews_id),
        }

    def interested_parties(self) -> set[str]:
        """XC-05: who drew the contract up does not approve it."""
        return {self.registered_by}

    def signature_allowed(self, capacity: Capacity) -> None:
        # OR-10: the customer signs only the approved version, once.
        if capacity is Capacity.CUSTOMER and self.status is not ContractStatus.READY_TO_SIGN:
            raise RuleViolation(
                "OR-10",
                "the customer signs the maintenance contract once it is approved, and once",
                status=self.status.value,
            )

    def on_customer_signed(self, signed_at: datetime) -> None:
        self.trigger_event(
            self.Signed,
            customer_id=self.customer_id,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
            signed_at=signed_at,
            price=self.price,
            payment_terms=self.payment_terms,
            renews_id=self.renews_id,
        )

    def signing_sheet(self) -> SigningSheet:
        return SigningSheet(
            title="Maintenance contract",
            facts=(
                ("Contract", str(self.id)),
                ("Term", f"{self.starts_on} to {self.ends_on}"),
                ("Services", "; ".join(self.services)),
                ("Visits", f"every {self.visit_interval_days} days"),
                ("Price", str(self.price)),
                ("Payment terms", self.payment_terms),
                ("Liability for breach", self.breach_liability),
            ),
            table_headers=("Product", "Serial number"),
            table_rows=tuple((p.product_code, p.serial_number) for p in self.covered),
        )

    # -- expiry and renewal (SD-29)

    def mark_notice_due(self, now: datetime) -> bool:
        """The expiry notice falls due once, one month before the end; returns whether it did."""
        if self.status is not ContractStatus.ACTIVE or self.notice_due or now < self.notice_due_at:
            return False
        self.trigger_event(
            self.ExpiryNoticeDue,
            customer_id=self.customer_id,
            ends_on=self.ends_on,
            notice_due_at=self.notice_due_at,
        )
        return True

    def send_notice(self, notice_ref: str, sent_by: str, now: datetime) -> None:
        if self.status is not ContractStatus.ACTIVE:
            raise RuleViolation(
                "SD-29",
                "an expiry notice is sent for an active contract",
                status=self.status.value,
            )
        if now < self.notice_due_at:
            raise RuleViolation(
                "SD-29",
                "the expiry notice is sent one month before the end, not earlier",
                notice_due_at=self.notice_due_at.isoformat(),
            )
        if self.notice_sent_at is not None:
            raise RuleViolation("SD-29", "the expiry notice has been sent")
        if not notice_ref.strip():
            raise RuleViolation("SD-29", "the notice sent is identified by its reference")
        self.mark_notice_due(now)
        self.trigger_event(
            self.ExpiryNoticeSent,
            customer_id=self.customer_id,
            ends_on=self.ends_on,
            notice_ref=notice_ref,
            sent_by=sent_by,
            sent_at=now,
        )

    def assign_renewal_visit(self, assignee: str, visit_on: date, assigned_by: str) -> None:
        if self.status is not ContractStatus.ACTIVE:
            raise RuleViolation(
                "SD-29",
                "a renewal visit is assigned for an active contract",
                status=self.status.value,
            )
        if self.notice_sent_at is None:
            raise RuleViolation(
                "SD-29", "the renewal visit follows the expiry notice sent to the customer"
            )
        if not self.starts_on <= visit_on <= self.ends_on:
            raise RuleViolation(
                "SD-29", "the renewal visit is before the contract ends", ends_on=str(self.ends_on)
            )
        self.trigger_event(
            self.RenewalVisitAssigned, assignee=assignee, visit_on=visit_on, assigned_by=assigned_by
        )

    def renew(self, renewal: MaintenanceContract, recorded_by: str) -> None:
        if self.status is not ContractStatus.RENEWAL_PENDING:
            raise RuleViolation(
                "SD-29",
                "a contract is renewed after its expiry notice and renewal visit",
                status=self.status.value,
            )
        if renewal.renews_id != self.id or renewal.status is not ContractStatus.ACTIVE:
            raise RuleViolation(
                "SD-29",
                "the renewal is a new contract for this one, approved and signed",
                renewal_id=str(renewal.id),
                renewal_status=renewal.status.value,
            )
        self.trigger_event(
            self.Renewed,
            renewal_id=renewal.id,
            recorded_by=recorded_by,
            customer_id=self.customer_id,
            ends_on=self.ends_on,
        )

    def lapse(self, today: date) -> bool:
        """A contract in force past its end without a renewal lapses; returns whether it did."""
        if self.status not in IN_FORCE or today <= self.ends_on:
            return False
        self.trigger_event(self.Lapsed, ends_on=self.ends_on)
        return True

    # -- delivery against the contract (SD-48)

    def in_force_on(self, day: date) -> bool:
        return self.status in IN_FORCE and self.starts_on <= day <= self.ends_on

    def covers(self, voucher_id: UUID | None) -> bool:
        return any(p.voucher_id == voucher_id for p in self.covered)

    def serve_call(self, call_id: UUID, voucher_id: UUID | None, day: date) -> None:
        if not (self.in_force_on(day) and self.covers(voucher_id)):
            raise RuleViolation(
                "SD-48", "the call is served under a contract in force that covers its product"
            )
        if call_id not in self.calls_served:
            self.trigger_event(
                self.CallServed, call_id=call_id, voucher_id=voucher_id, served_on=day
            )

    def flag_visit_overdue(self, today: date) -> bool:
        """The planned visit's day passed without it: flagged once; returns whether it was."""
        if self.status not in IN_FORCE or self.visit_overdue or today <= self.next_visit_on:
            return False
        self.trigger_event(self.VisitOverdue, due_on=self.next_visit_on)
        return True

    def record_visit(self, visit: ContractVisit, today: date) -> None:
        # SD-48: periodic follow-up visits, with the customer's evaluation, on a contract in force.
        if not self.in_force_on(visit.visited_on):
            raise RuleViolation(
                "SD-48",
                "a periodic visit is recorded on an active contract, within its term",
                status=self.status.value,
            )
        if visit.visited_on > today:
            raise RuleViolation("SD-48", "a visit is recorded once made, not ahead")
        if not 1 <= visit.rating <= 4 or not visit.comment.strip():
            raise RuleViolation(
                "SD-48", "a periodic visit records the customer's rating and comment"
            )
        self.trigger_event(
            self.VisitRecorded,
            visit=visit,
            next_visit_on=visit.visited_on + timedelta(days=self.visit_interval_days),
        )
