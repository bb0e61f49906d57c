"""The call-in register as read tables: every service call with its SLA clock, the open calls by
deadline and the dispatch list (grade-A customers first: RULES §7 row 10; SD-07, SD-45)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from pydantic import Field
from sqlalchemy import Connection, select

from contracts.values import Code, Name
from runtime.projections import Projection
from runtime.views import ReadTable, View, identity
from service_desk.domain.known_customer import KnownCustomer
from service_desk.domain.service_call import CallStatus, ServiceCall, sla_outcome


class ServiceCallRow(View):
    """One entry of the call-in register (叫修登记簿, SD-03)."""

    call_id: UUID = identity("call_id")
    customer_id: UUID
    voucher_id: UUID | None
    caller_name: Name
    model: Code
    channel: str = Field(max_length=16, description="phone, letter or sales (SD-43)")
    zone: str = Field(max_length=16, description="Resolution C3's SLA zone")
    sla_kind: str = Field(max_length=16, description="arrival or reply (SD-04, SD-05, SD-06)")
    sla_due_at: datetime
    registered_at: datetime = Field(description="SD-42: the register is in this order")
    status: str = Field(max_length=32)
    emergency: bool = Field(description="SD-45: the emergency path")
    green_channel: bool = Field(description="CU-04: a grade-A customer")
    prioritised: bool = Field(description="SD-07: carried over from an earlier day")
    priority: int = Field(description="0 emergency, 1 grade A, 2 carried over, 3 the rest")
    dispatch_key: str = Field(
        max_length=64, description="The dispatch list's order: priority, then SLA deadline"
    )
    sla_met: bool | None = Field(description="Unknown until the arrival or reply")
    sla_breached: bool = Field(description="The deadline passed with no arrival or reply")
    service_type: str | None = Field(max_length=1, description="SD-01: A, B, C or D")
    lead_technician_id: str | None = Field(max_length=64)
    awaiting_confirmation: bool = Field(description="SD-43: the sales manager confirms first")
    version: int


def priority(emergency: bool, green_channel: bool, prioritised: bool) -> int:
    return 0 if emergency else 1 if green_channel else 2 if prioritised else 3


def dispatch_key(rank: int, sla_due_at: datetime) -> str:
    """Sorts as text: the rank, then the deadline in UTC to the second."""
    return f"{rank}:{sla_due_at.astimezone(UTC):%Y-%m-%dT%H:%M:%S}"


SERVICE_CALLS = ReadTable(
    ServiceCallRow,
    "service_calls",
    sortable=("registered_at", "sla_due_at", "dispatch_key"),
    filters=("customer_id", "status", "zone", "channel"),
)
service_calls = Projection("service_calls", SERVICE_CALLS.table)
_calls = SERVICE_CALLS.table.c


@service_calls.on(ServiceCall.Registered)
def _registered(event: ServiceCall.Registered, db: Connection) -> None:
    rank = priority(event.emergency, event.green_channel, False)
    SERVICE_CALLS.insert(
        db,
        event,
        caller_name=event.caller.name,
        model=event.caller.model,
        channel=str(event.channel),
        zone=str(event.zone),
        sla_kind=str(event.sla_kind),
        registered_at=event.timestamp,
        status=CallStatus.REGISTERED.value,
        prioritised=False,
        priority=rank,
        dispatch_key=dispatch_key(rank, event.sla_due_at),
        sla_met=None,
        sla_breached=False,
        service_type=None,
        lead_technician_id=None,
    )


def _reprioritise(db: Connection, call_id: UUID, **changed: bool) -> dict[str, object]:
    row = db.execute(select(SERVICE_CALLS.table).where(_calls.call_id == call_id)).one()
    flags = {
        "emergency": row.emergency,
        "green_channel": row.green_channel,
        "prioritised": row.prioritised,
        **changed,
    }
    rank = priority(**flags)
    return {**changed, "priority": rank, "dispatch_key": dispatch_key(rank, row.sla_due_at)}


@service_calls.on(KnownCustomer.GradeChanged)
def _grade_changed(event: KnownCustomer.GradeChanged, db: Connection) -> None:
    """RULES §7 row 10: a customer's new grade moves its calls waiting for dispatch."""
    waiting = (_calls.customer_id == event.originator_id) & (
        _calls.status == CallStatus.REGISTERED.value
    )
    for (call_id,) in db.execute(select(_calls.call_id).where(waiting)).all():
        values = _reprioritise(db, call_id, green_channel=event.grade == "A")
        db.execute(SERVICE_CALLS.table.update().where(_calls.call_id == call_id).values(values))


@service_calls.on(ServiceCall.DispatchPrioritised)
def _prioritised(event: ServiceCall.DispatchPrioritised, db: Connection) -> None:
    SERVICE_CALLS.update(db, event, **_reprioritise(db, event.originator_id, prioritised=True))


@service_calls.on(ServiceCall.ConfirmedBySales)
def _confirmed(event: ServiceCall.ConfirmedBySales, db: Connection) -> None:
    SERVICE_CALLS.update(db, event, awaiting_confirmation=False)


@service_calls.on(ServiceCall.SalesConfirmationRefused)
def _refused(event: ServiceCall.SalesConfirmationRefused, db: Connection) -> None:
    SERVICE_CALLS.update(db, event, status=CallStatus.CANCELLED.value)


@service_calls.on(ServiceCall.SlaBreached)
def _breached(event: ServiceCall.SlaBreached, db: Connection) -> None:
    SERVICE_CALLS.update(db, event, sla_breached=True)


@service_calls.on(ServiceCall.TechnicianDispatched)
def _dispatched(event: ServiceCall.TechnicianDispatched, db: Connection) -> None:
    SERVICE_CALLS.update(
        db,
        event,
        status=CallStatus.DISPATCHED.value,
        lead_technician_id=event.lead_technician_id,
    )


@service_calls.on(ServiceCall.CustomerReplied)
def _replied(event: ServiceCall.CustomerReplied, db: Connection) -> None:
    SERVICE_CALLS.update(db, event, sla_met=sla_outcome(event))


@service_calls.on(ServiceCall.TechnicianArrived)
def _arrived(event: ServiceCall.TechnicianArrived, db: Connection) -> None:
    met = sla_outcome(event)
    outcome = {} if met is None else {"sla_met": met}
    SERVICE_CALLS.update(db, event, status=CallStatus.ON_SITE.value, **outcome)


@service_calls.on(ServiceCall.DiagnosisRecorded)
def _diagnosed(event: ServiceCall.DiagnosisRecorded, db: Connection) -> None:
    SERVICE_CALLS.update(
        db, event, status=CallStatus.DIAGNOSED.value, service_type=str(event.service_type)
    )


@service_calls.on(ServiceCall.WorkCompleted)
def _completed(event: ServiceCall.WorkCompleted, db: Connection) -> None:
    SERVICE_CALLS.update(db, event, status=CallStatus.AWAITING_SIGNATURE.value)


@service_calls.on(ServiceCall.ReportSigned)
def _signed(event: ServiceCall.ReportSigned, db: Connection) -> None:
    SERVICE_CALLS.update(db, event, status=CallStatus.COMPLETED_ON_SITE.value)


@service_calls.on(ServiceCall.TakeBackStarted)
def _taken_back(event: ServiceCall.TakeBackStarted, db: Connection) -> None:
    SERVICE_CALLS.update(db, event, status=CallStatus.TAKEN_BACK.value)


@service_calls.on(ServiceCall.VoucherClosed)
def _closed(event: ServiceCall.VoucherClosed, db: Connection) -> None:
    SERVICE_CALLS.update(db, event, status=CallStatus.REPORT_PENDING_APPROVAL.value)


@service_calls.on(ServiceCall.ReportApproved)
def _approved(event: ServiceCall.ReportApproved, db: Connection) -> None:
    SERVICE_CALLS.update(db, event, status=CallStatus.CLOSED.value)


def calls_past_sla(db: Connection, now: datetime) -> list[UUID]:
    """The calls whose SLA deadline passed with no arrival or reply, not flagged yet."""
    late = (
        _calls.sla_met.is_(None)
        & ~_calls.sla_breached
        & (_calls.status != CallStatus.CANCELLED.value)
        & (_calls.sla_due_at < now)
    )
    return list(db.execute(select(_calls.call_id).where(late)).scalars())


def calls_undispatched_before(db: Connection, day_start: datetime) -> list[UUID]:
    """SD-07: calls registered before ``day_start`` still waiting for dispatch, not prioritised."""
    waiting = (
        (_calls.status == CallStatus.REGISTERED.value)
        & ~_calls.prioritised
        & (_calls.registered_at < day_start)
    )
    return list(db.execute(select(_calls.call_id).where(waiting)).scalars())
