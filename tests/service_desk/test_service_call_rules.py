"""The service call's rules at the aggregate: the SLA table on the working calendar (SD-04,
SD-05, SD-06, C3, XC-10), the breach flagged once, the next-day priority (SD-07), the dispatch
(SD-08) and the customer's signature only after the work (SD-11)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest

from kernel.approvals.domain import Capacity
from kernel.calendar import Calendar
from kernel.policy.parameters import RuleParameters
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from service_desk.domain.service_call import (
    Caller,
    Channel,
    ServiceCall,
    ServiceType,
    SlaKind,
    Zone,
    sla_for,
)

CONFIG = Path(__file__).parents[2] / "config"
CALENDAR = Calendar.load(CONFIG / "calendar.toml")
SLA = RuleParameters.parse((CONFIG / "rule-parameters.toml").read_text()).service_sla
FRIDAY_16 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
"""16:00 in Shanghai on a working Friday."""


@pytest.fixture(autouse=True)
def _acting() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def registered(zone: Zone = Zone.URBAN, at: datetime = FRIDAY_16) -> ServiceCall:
    return ServiceCall.register(
        uuid4(),
        Caller("Zhao Lan", "2 Harbour Road", "+86 21 5555 0101", "P-1"),
        None,
        Channel.PHONE,
        zone,
        False,
        False,
        "Stops after ten minutes",
        at,
        "service-clerk",
        False,  # a service clerk, not the sales clerk
        False,  # coverage is clear
        False,  # not expected to be chargeable
        False,  # not a grade-A customer
        sla_for(zone, False, False, at, SLA, CALENDAR),
        1,
        at,
    )


def test_sd_04_xc_10_urban_and_suburban_clocks_stop_over_the_weekend() -> None:
    urban = sla_for(Zone.URBAN, False, False, FRIDAY_16, SLA, CALENDAR)
    # 1.5 working hours on Friday, 4.5 on Monday: 08:30 + 3.5 h, lunch, 13:00 + 1 h.
    assert (urban.kind, urban.due_at) == (SlaKind.ARRIVAL, datetime(2026, 12, 7, 6, 0, tzinfo=UTC))
    suburban = sla_for(Zone.SUBURBAN, False, False, FRIDAY_16, SLA, CALENDAR)
    assert suburban.due_at == datetime(2026, 12, 7, 7, 0, tzinfo=UTC)
    assert urban.calendar_version == CALENDAR.version


def test_sd_05_sd_06_the_other_zones_count_plain_hours_through_the_weekend() -> None:
    within = sla_for(Zone.WITHIN_RADIUS, False, False, FRIDAY_16, SLA, CALENDAR)
    assert (within.kind, within.due_at) == (SlaKind.ARRIVAL, FRIDAY_16 + timedelta(hours=24))
    beyond = sla_for(Zone.BEYOND_RADIUS, False, False, FRIDAY_16, SLA, CALENDAR)
    supplier = sla_for(Zone.URBAN, True, False, FRIDAY_16, SLA, CALENDAR)
    assert beyond == supplier
    assert (beyond.kind, beyond.due_at) == (SlaKind.REPLY, FRIDAY_16 + timedelta(hours=12))


def test_sd_04_a_breach_is_flagged_once_and_never_before_the_deadline() -> None:
    call = registered()
    assert not call.flag_breach(call.sla_due_at)
    assert call.flag_breach(call.sla_due_at + timedelta(seconds=1))
    assert not call.flag_breach(call.sla_due_at + timedelta(hours=1))
    assert call.sla_breached


def test_sd_04_an_arrival_by_the_deadline_meets_the_sla_and_none_is_flagged() -> None:
    call = registered()
    call.dispatch(("technician",), None, "service-supervisor")
    call.arrive("technician", call.sla_due_at, CALENDAR)
    assert call.sla_met is True
    assert not call.flag_breach(call.sla_due_at + timedelta(days=1))


def test_sd_07_priority_comes_the_next_day_only_for_a_call_still_waiting() -> None:
    call = registered(at=datetime.now(tz=UTC))
    now = call.created_on
    assert not call.prioritise(now, CALENDAR)  # the same day
    assert call.prioritise(now + timedelta(days=1), CALENDAR)
    assert not call.prioritise(now + timedelta(days=2), CALENDAR)  # once
    dispatched = registered(at=now)
    dispatched.dispatch(("technician",), None, "service-supervisor")
    assert not dispatched.prioritise(now + timedelta(days=1), CALENDAR)


def test_sd_08_a_team_needs_a_lead_among_it() -> None:
    call = registered()
    with pytest.raises(RuleViolation) as refused:
        call.dispatch(("t-1", "t-2"), None, "service-supervisor")
    assert refused.value.rule == "SD-08"
    call.dispatch(("t-1", "t-2"), "t-2", "service-supervisor")
    assert call.lead_technician_id == "t-2"
    with pytest.raises(RuleViolation) as off_team:
        call.arrive("t-3", FRIDAY_16, CALENDAR)
    assert off_team.value.rule == "SD-08"


def test_sd_11_no_customer_signature_before_the_work_is_completed() -> None:
    call = registered()
    call.dispatch(("technician",), None, "service-supervisor")
    call.arrive("technician", FRIDAY_16, CALENDAR)
    call.diagnose(
        "technician",
        False,
        False,
        10,
        None,
        "Overheats",
        "Filter",
        ServiceType.PAID,
        False,
        FRIDAY_16.date(),
    )
    with pytest.raises(RuleViolation) as early:
        call.signature_allowed(Capacity.CUSTOMER)
    assert early.value.rule == "SD-11"
    call.signature_allowed(Capacity.EMPLOYEE)  # staff sign their own part at any time
    call.complete("technician", "Cleaned the filter", (), "Clean it monthly")
    call.signature_allowed(Capacity.CUSTOMER)


def test_sd_45_an_emergency_is_answered_within_the_emergency_response_time() -> None:
    fastest = FRIDAY_16 + timedelta(hours=SLA.emergency_response_hours)
    # Friday 16:00: the urban clock would run into Monday; an emergency does not wait for it.
    urban = sla_for(Zone.URBAN, False, True, FRIDAY_16, SLA, CALENDAR)
    assert (urban.kind, urban.due_at, urban.calendar_version) == (SlaKind.ARRIVAL, fastest, None)
    # Beyond the radius, the written reply comes as fast.
    beyond = sla_for(Zone.BEYOND_RADIUS, False, True, FRIDAY_16, SLA, CALENDAR)
    assert (beyond.kind, beyond.due_at) == (SlaKind.REPLY, fastest)
