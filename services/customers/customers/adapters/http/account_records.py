"""HTTP commands and queries for the owners' reports of changes in their accounts (CU-16) and
the original records the custodian keeps, every access logged (CU-17)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel

from contracts.values import LongText, ShortText
from customers.application import CustomersApplication
from customers.domain.customer import ORIGINAL_RECORD_READERS, ReportChannel, ReportKind
from customers.projections import (
    ACCOUNT_REPORTS,
    AccountReportView,
    OriginalRecordsView,
    RecordAccessView,
)
from kernel.roles import SALES, Role
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest

router = APIRouter(tags=["account records"])

App = Annotated[CustomersApplication, Depends(application_of(CustomersApplication))]
Sales = Annotated[CommandContext, Depends(acting_as(*SALES))]
Superior = Annotated[Principal, Depends(requires(Role.SALES_MANAGER, Role.LEADERSHIP_GM))]
Custodian = Annotated[CommandContext, Depends(acting_as(Role.CUSTOMER_RECORDS_CUSTODIAN))]
RecordReader = Annotated[
    CommandContext, Depends(acting_as(*ORIGINAL_RECORD_READERS, Role.SALESPERSON))
]
"""The rule, not the route, says which salesperson: the account's owner or deputy (CU-17)."""
LogReader = Annotated[Principal, Depends(requires(*ORIGINAL_RECORD_READERS))]


class ReportChange(BaseModel):
    kind: ReportKind
    channel: ReportChannel
    summary: LongText


class FileRecord(BaseModel):
    description: ShortText


class AccessRecords(BaseModel):
    purpose: LongText


@router.post("/customers/{customer_id}/reports", status_code=201)
async def report_account_change(
    context: Sales, customer_id: UUID, body: ReportChange, app: App
) -> dict[str, UUID]:
    """The account's owner or deputy reports a change in it to their superior (CU-16)."""
    report_id = await app.perform(
        app.report_account_change, context, customer_id, body.kind, body.channel, body.summary
    )
    return {"report_id": report_id}


@router.get("/account-reports")
def account_reports(
    _: Superior, query: Annotated[PageRequest, Depends(ACCOUNT_REPORTS.query)], app: App
) -> Page[AccountReportView]:
    """The owners' reports, oldest first, for their superior (CU-16)."""
    return app.account_reports(query)


@router.post("/customers/{customer_id}/original-records", status_code=201)
async def file_original_record(
    context: Custodian, customer_id: UUID, body: FileRecord, app: App
) -> OriginalRecordsView:
    """The custodian takes an original record into safekeeping (CU-17)."""
    customer = await app.perform(app.file_original_record, context, customer_id, body.description)
    return OriginalRecordsView.model_validate(customer)


@router.post("/customers/{customer_id}/original-records/access")
async def access_original_records(
    context: RecordReader, customer_id: UUID, body: AccessRecords, app: App
) -> OriginalRecordsView:
    """Read the original records: the access is logged first, with its purpose (CU-17)."""
    customer = await app.perform(app.access_original_records, context, customer_id, body.purpose)
    return OriginalRecordsView.model_validate(customer)


@router.get("/customers/{customer_id}/original-records/accesses")
def original_record_accesses(_: LogReader, customer_id: UUID, app: App) -> list[RecordAccessView]:
    """Who read the original records, when and why (CU-17)."""
    accesses = app.customer(customer_id).record_accesses
    return [RecordAccessView.model_validate(access) for access in accesses]
