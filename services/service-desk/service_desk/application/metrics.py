"""Service-desk's dashboard figures (RULES §8 "Service-desk"), read from the call register's read
table when ``/metrics`` is scraped: SLA compliance and breaches by zone (SD-04, SD-05, SD-44),
calls carried over undispatched (SD-07) and reports awaiting the leader (SD-21)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, select

from runtime.application import Feature, ServiceApplication
from runtime.figures import Figure
from service_desk.call_projections import SERVICE_CALLS
from service_desk.domain.service_call import CallStatus, Zone

_calls = SERVICE_CALLS.table.c


def _outcomes(app: Any, now: datetime) -> Select[Any]:
    met = case((_calls.sla_met, "yes"), else_="no")
    decided = _calls.sla_met.is_not(None)
    return select(_calls.zone, met, func.count()).where(decided).group_by(_calls.zone, met)


def _breaches(app: Any, now: datetime) -> Select[Any]:
    return select(_calls.zone, func.count()).where(_calls.sla_breached).group_by(_calls.zone)


def _carried_over(app: Any, now: datetime) -> Select[Any]:
    waiting = (_calls.status == CallStatus.REGISTERED.value) & _calls.prioritised
    return select(func.count()).select_from(SERVICE_CALLS.table).where(waiting)


def _awaiting_approval(app: Any, now: datetime) -> Select[Any]:
    pending = _calls.status == CallStatus.REPORT_PENDING_APPROVAL.value
    return select(func.count()).select_from(SERVICE_CALLS.table).where(pending)


FIGURES = (
    Figure(
        "countersign_service_desk_sla_outcomes",
        "Service calls whose SLA was decided (arrival, or the written reply), by zone and "
        "whether it was met (SD-04, SD-05, SD-06; target 90 %: SD-44).",
        _outcomes,
        labels=("zone", "met"),
        counter=True,
        known=tuple((zone.value, met) for zone in Zone for met in ("yes", "no")),
        rule="SD-44",
    ),
    Figure(
        "countersign_service_desk_sla_breaches",
        "Service calls flagged when their SLA deadline passed with no arrival or reply, by zone "
        "(SD-04, SD-05, SD-06).",
        _breaches,
        labels=("zone",),
        counter=True,
        known=tuple((zone.value,) for zone in Zone),
        rule="SD-04",
    ),
    Figure(
        "countersign_service_desk_calls_carried_over",
        "Calls not dispatched on the day they came in, waiting with priority (SD-07).",
        _carried_over,
        rule="SD-07",
    ),
    Figure(
        "countersign_service_desk_reports_awaiting_approval",
        "Closed-on-site calls whose service report awaits the leader's approval (SD-21).",
        _awaiting_approval,
        rule="SD-21",
    ),
)


class ServiceDeskMetrics(ServiceApplication):
    feature = Feature("service-desk-metrics", figures=FIGURES)
