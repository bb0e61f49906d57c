"""SD-47: the open items past their time that the service department chases, and the sales owner
of each customer with them, read from service-desk's own read tables at the time asked: calls
still undispatched past their SLA deadline (SD-04), open complaints past a time limit (SD-34,
SD-36, SD-38), maintenance contracts whose expiry notice is due and not sent (SD-29) and those
whose periodic visit is overdue (SD-48)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from pydantic import Field
from sqlalchemy import Connection, Select, func, literal, or_, select, union_all

from runtime.views import Page, PageRequest, View
from service_desk.call_projections import SERVICE_CALLS
from service_desk.complaint_projections import COMPLAINTS
from service_desk.domain.complaint import ComplaintStatus
from service_desk.domain.maintenance_contract import IN_FORCE, ContractStatus
from service_desk.domain.service_call import CallStatus
from service_desk.maintenance_projections import MAINTENANCE_CONTRACTS
from service_desk.projections import CUSTOMER_FILES


class OverdueKind(StrEnum):
    UNDISPATCHED_CALL = "undispatched_call"
    COMPLAINT_PAST_LIMIT = "complaint_past_limit"
    EXPIRY_NOTICE_UNSENT = "expiry_notice_unsent"
    CONTRACT_VISIT_OVERDUE = "contract_visit_overdue"


class OverdueItem(View):
    document_id: UUID = Field(description="The call, complaint or maintenance contract")
    kind: OverdueKind
    customer_id: UUID
    owner_id: str | None = Field(max_length=64, description="The customer's sales owner (CU-15)")
    since: datetime = Field(description="When it fell due (a complaint: when it came in)")


def _items(now: datetime) -> Select[Any]:
    calls, complaints = SERVICE_CALLS.table.c, COMPLAINTS.table.c
    contracts = MAINTENANCE_CONTRACTS.table.c
    undispatched = select(
        calls.call_id,
        literal(OverdueKind.UNDISPATCHED_CALL.value),
        calls.customer_id,
        calls.sla_due_at,
    ).where((calls.status == CallStatus.REGISTERED.value) & (calls.sla_due_at < now))
    missed = complaints.reply_missed + complaints.solution_missed + complaints.follow_up_missed
    late = or_(
        missed > 0,
        complaints.reply_due_at < now,
        complaints.solution_due_at < now,
        complaints.follow_up_due_at < now,
    )
    complaints_late = select(
        complaints.complaint_id,
        literal(OverdueKind.COMPLAINT_PAST_LIMIT.value),
        complaints.customer_id,
        complaints.received_at,
    ).where((complaints.status != ComplaintStatus.CLOSED.value) & late)
    unsent = select(
        contracts.contract_id,
        literal(OverdueKind.EXPIRY_NOTICE_UNSENT.value),
        contracts.customer_id,
        contracts.notice_due_at,
    ).where(
        (contracts.status == ContractStatus.ACTIVE.value)
        & contracts.notice_sent_at.is_(None)
        & (contracts.notice_due_at <= now)
    )
    visits = select(
        contracts.contract_id,
        literal(OverdueKind.CONTRACT_VISIT_OVERDUE.value),
        contracts.customer_id,
        contracts.visit_overdue_since,
    ).where(contracts.status.in_([s.value for s in IN_FORCE]) & contracts.visit_overdue)
    union = union_all(undispatched, complaints_late, unsent, visits).subquery()
    columns = union.c
    files = CUSTOMER_FILES.table.c
    return select(
        columns[0].label("document_id"),
        columns[1].label("kind"),
        columns[2].label("customer_id"),
        files.owner_id,
        columns[3].label("since"),
    ).outerjoin(CUSTOMER_FILES.table, files.customer_id == columns[2])


def overdue_items(
    db: Connection, now: datetime, request: PageRequest, owner_id: str | None
) -> Page[OverdueItem]:
    """The items overdue at ``now``, oldest first; of one sales owner's customers if given."""
    query = _items(now).subquery()
    chosen = [query.c[name] == value for name, value in request.filters.items()]
    if owner_id is not None:
        chosen.append(query.c.owner_id == owner_id)
    rows = select(query).where(*chosen)
    total = db.execute(select(func.count()).select_from(rows.subquery())).scalar_one()
    ordered = rows.order_by(query.c.since, query.c.document_id)
    found = db.execute(ordered.limit(request.limit).offset(request.offset))
    return Page[OverdueItem](
        items=[OverdueItem.model_validate(row) for row in found],
        total=total,
        limit=request.limit,
        offset=request.offset,
    )


def overdue_by_kind(app: Any, now: datetime) -> Select[Any]:
    """SD-47's figure: the overdue items by kind."""
    items = _items(now).subquery()
    return select(items.c.kind, func.count()).group_by(items.c.kind)
