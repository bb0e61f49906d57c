"""Read tables of the sales contracts (RULES §4.2): each contract with its state, its signing,
filing (OR-11) and archiving (OR-12), and the monthly volumes (OR-12)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from pydantic import AliasChoices, Field
from sqlalchemy import Connection, select

from contracts.values import UserId
from orders.domain.sales_contract import ContractStatus, ContractVolume, SalesContract, total
from runtime.projections import Projection
from runtime.views import Money, ReadTable, View, identity


class ContractSummary(View):
    contract_id: UUID = identity("contract_id")
    customer_id: UUID
    quote_id: UUID | None
    status: ContractStatus
    revision: int
    total: Money
    currency: str = Field(max_length=3)
    payment_terms_days: int
    drafted_by: UserId
    drafted_at: datetime = Field(validation_alias=AliasChoices("drafted_at", "created_on"))
    signed_at: datetime | None
    filed_at: datetime | None
    custodian: str | None = Field(
        max_length=64, description="OR-13: the sales clerk who keeps the original"
    )
    filing_missed: bool = Field(description="OR-11: not filed the day it was signed")
    archived_at: datetime | None
    volume_no: str | None = Field(max_length=64)
    archive_missed: bool = Field(description="OR-12: not archived by the 5th of the next month")
    version: int


CONTRACTS = ReadTable(
    ContractSummary,
    "sales_contracts",
    sortable=("drafted_at", "signed_at", "total"),
    filters=("status", "customer_id", "quote_id", "filing_missed", "archive_missed"),
)
sales_contracts = Projection("sales_contracts", CONTRACTS.table)


@sales_contracts.on(SalesContract.Drafted)
def _drafted(event: SalesContract.Drafted, db: Connection) -> None:
    CONTRACTS.insert(
        db,
        event,
        status=ContractStatus.DRAFT,
        revision=1,
        total=total(event.lines),
        drafted_at=event.timestamp,
        signed_at=None,
        filed_at=None,
        custodian=None,
        filing_missed=False,
        archived_at=None,
        volume_no=None,
        archive_missed=False,
    )


@sales_contracts.on(SalesContract.Revised)
def _revised(event: SalesContract.Revised, db: Connection) -> None:
    CONTRACTS.update(
        db,
        event,
        status=ContractStatus.DRAFT,
        revision=event.revision,
        total=total(event.lines),
        payment_terms_days=event.payment_terms_days,
    )


@sales_contracts.on(SalesContract.DeviationsProposed)
def _proposed(event: SalesContract.DeviationsProposed, db: Connection) -> None:
    CONTRACTS.update(db, event, status=ContractStatus.AWAITING_CONFIRMATION)


@sales_contracts.on(SalesContract.DeviationsApproved)
def _deviations_approved(event: SalesContract.DeviationsApproved, db: Connection) -> None:
    CONTRACTS.update(db, event, status=ContractStatus.DRAFT)


@sales_contracts.on(SalesContract.DeviationsRejected)
def _deviations_rejected(event: SalesContract.DeviationsRejected, db: Connection) -> None:
    CONTRACTS.update(db, event, status=ContractStatus.DRAFT)


@sales_contracts.on(SalesContract.SubmittedForReview)
def _submitted(event: SalesContract.SubmittedForReview, db: Connection) -> None:
    CONTRACTS.update(db, event, status=ContractStatus.UNDER_REVIEW)


@sales_contracts.on(SalesContract.Approved)
def _approved(event: SalesContract.Approved, db: Connection) -> None:
    CONTRACTS.update(db, event, status=ContractStatus.READY_TO_SIGN)


@sales_contracts.on(SalesContract.Rejected)
def _rejected(event: SalesContract.Rejected, db: Connection) -> None:
    CONTRACTS.update(db, event, status=ContractStatus.DRAFT)


@sales_contracts.on(SalesContract.Signed)
def _signed(event: SalesContract.Signed, db: Connection) -> None:
    CONTRACTS.update(db, event, status=ContractStatus.SIGNED, signed_at=event.signed_at)


@sales_contracts.on(SalesContract.Filed)
def _filed(event: SalesContract.Filed, db: Connection) -> None:
    values: dict[str, object] = {"status": ContractStatus.ACTIVE}
    if not event.on_time:
        values["filing_missed"] = True
    CONTRACTS.update(db, event, filed_at=event.timestamp, custodian=event.custodian, **values)


@sales_contracts.on(SalesContract.FilingMissed)
def _filing_missed(event: SalesContract.FilingMissed, db: Connection) -> None:
    CONTRACTS.update(db, event, filing_missed=True)


@sales_contracts.on(SalesContract.Archived)
def _archived(event: SalesContract.Archived, db: Connection) -> None:
    values: dict[str, object] = {} if event.on_time else {"archive_missed": True}
    CONTRACTS.update(db, event, archived_at=event.timestamp, volume_no=event.volume_no, **values)


@sales_contracts.on(SalesContract.ArchiveMissed)
def _archive_missed(event: SalesContract.ArchiveMissed, db: Connection) -> None:
    CONTRACTS.update(db, event, archive_missed=True)


def signed_between(db: Connection, start: datetime, end: datetime) -> list[UUID]:
    """OR-12: the contracts signed in [start, end), in the order they were signed."""
    columns = CONTRACTS.table.c
    query = (
        select(columns.contract_id)
        .where(columns.signed_at.is_not(None), columns.signed_at >= start, columns.signed_at < end)
        .order_by(columns.signed_at, columns.contract_id)
    )
    return list(db.scalars(query))


def awaiting_custody(db: Connection) -> list[tuple[UUID, datetime, bool, bool]]:
    """OR-11, OR-12: signed contracts not archived and not yet flagged late for both: their id,
    when they were signed, whether their filing is settled (filed, or flagged late) and whether
    their archiving was flagged late."""
    columns = CONTRACTS.table.c
    filing_settled = columns.filing_missed | columns.filed_at.is_not(None)
    query = select(
        columns.contract_id, columns.signed_at, filing_settled, columns.archive_missed
    ).where(
        columns.signed_at.is_not(None),
        columns.archived_at.is_(None),
        ~(columns.archive_missed & filing_settled),
    )
    return [(row[0], row[1], bool(row[2]), bool(row[3])) for row in db.execute(query)]


# -- OR-12: the monthly volumes


class VolumeView(View):
    volume_id: UUID = identity("volume_id")
    month: str = Field(max_length=7, description="YYYY-MM")
    volume_no: str = Field(max_length=64)
    count: int
    contract_ids: list[UUID]
    archived_by: UserId
    archived_at: datetime = Field(validation_alias=AliasChoices("archived_at", "created_on"))
    version: int


VOLUMES = ReadTable(VolumeView, "contract_volumes", sortable=("month",))
contract_volumes = Projection("contract_volumes", VOLUMES.table)


@contract_volumes.on(ContractVolume.MonthlyArchived)
def _volume(event: ContractVolume.MonthlyArchived, db: Connection) -> None:
    VOLUMES.insert(
        db,
        event,
        contract_ids=[str(i) for i in event.contract_ids],
        archived_at=event.timestamp,
    )


class ContractDeviations(View):
    """RULES §8: how often a contract's deviations from the quote were re-approved, and whether
    it was signed while some waited for confirmation (OR-07, OR-08)."""

    contract_id: UUID = identity("contract_id")
    drafted_at: datetime
    reapproved: int
    open: bool = Field(description="Deviations proposed, not yet confirmed or rejected")
    signed: bool
    version: int


CONTRACT_DEVIATIONS = ReadTable(
    ContractDeviations, "contract_deviations", sortable=("drafted_at",), filters=("signed",)
)
contract_deviations = Projection("contract_deviations", CONTRACT_DEVIATIONS.table)


@contract_deviations.on(SalesContract.Drafted)
def _deviations_drafted(event: SalesContract.Drafted, db: Connection) -> None:
    CONTRACT_DEVIATIONS.insert(
        db, event, drafted_at=event.timestamp, reapproved=0, open=False, signed=False
    )


@contract_deviations.on(SalesContract.DeviationsProposed)
def _deviations_opened(event: SalesContract.DeviationsProposed, db: Connection) -> None:
    CONTRACT_DEVIATIONS.update(db, event, open=True)


@contract_deviations.on(SalesContract.DeviationsApproved)
def _deviations_reapproved(event: SalesContract.DeviationsApproved, db: Connection) -> None:
    reapproved = CONTRACT_DEVIATIONS.table.c.reapproved + 1
    CONTRACT_DEVIATIONS.update(db, event, open=False, reapproved=reapproved)


@contract_deviations.on(SalesContract.DeviationsRejected)
def _deviations_closed(event: SalesContract.DeviationsRejected, db: Connection) -> None:
    CONTRACT_DEVIATIONS.update(db, event, open=False)


@contract_deviations.on(SalesContract.Signed)
def _deviations_signed(event: SalesContract.Signed, db: Connection) -> None:
    CONTRACT_DEVIATIONS.update(db, event, signed=True)
