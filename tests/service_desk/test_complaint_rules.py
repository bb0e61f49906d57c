"""The complaint's rules at the aggregate (RULES §4.10): intake with the promised reply (SD-34),
the investigation (SD-35), classification (SD-32, C1, SD-41), the department's solution (SD-36)
agreed before it is carried out (SD-37), the visit by the supervisor C2 names (SD-33), the
follow-ups (SD-38) and closure only on satisfaction, else reopening (SD-39)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

from kernel.calendar import Deadline
from kernel.roles import Role
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from service_desk.domain.complaint import (
    Complaint,
    ComplaintChannel,
    ComplaintStatus,
    Limit,
    NoticeMethod,
    Satisfaction,
    Severity,
    Subject,
)
from service_desk.domain.complaint_analysis import UNFOUNDED, CauseCount, ComplaintAnalysis

NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)
REPLY_DUE = Deadline(NOW + timedelta(days=7), 1)
SERVICE_SUPERVISOR = frozenset({Role.SERVICE_SUPERVISOR.value})
BUSINESS_SUPERVISOR = frozenset({Role.BUSINESS_SUPERVISOR.value})


@pytest.fixture(autouse=True)
def _acting() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def received(subject: Subject = Subject.SERVICE) -> Complaint:
    return Complaint.receive(
        uuid4(),
        ComplaintChannel.PHONE,
        subject,
        "The technician came two days late",
        NOW,
        "service-department",
        REPLY_DUE,
        1,
        NOW,
    )


def due(days: int) -> Deadline:
    return Deadline(NOW + timedelta(days=days), 1)


def refused(rule: str, action: object, *args: object) -> RuleViolation:
    with pytest.raises(RuleViolation) as refusal:
        action(*args)  # type: ignore[operator]
    assert refusal.value.rule == rule
    return refusal.value


def valid(subject: Subject = Subject.SERVICE) -> Complaint:
    complaint = received(subject)
    complaint.investigate(True, "Late by two days", "INV-1", "service", NoticeMethod.LETTER, due(5))
    return complaint


def implemented(
    subject: Subject = Subject.SERVICE, severity: Severity = Severity.GENERAL
) -> Complaint:
    complaint = valid(subject)
    complaint.classify(severity, False)
    complaint.trigger_event(Complaint.Routed, approval_id=uuid4(), severity=severity)
    complaint.assign("service", "TR-1", due(3))
    complaint.propose_solution("A free maintenance visit", "service-department", NOW)
    complaint.record_opinion(True, "OP-1", "Agreed", due(3))
    complaint.implement("service-department", due(5), 2, 1)
    return complaint


def test_sd_34_the_complaint_is_recorded_with_the_reply_promised() -> None:
    complaint = received()
    assert complaint.status is ComplaintStatus.ACKNOWLEDGED
    assert complaint.reply_due_at == REPLY_DUE.at
    blank = (uuid4(), ComplaintChannel.PHONE, Subject.SERVICE, " ", NOW, "s", REPLY_DUE, 1, NOW)
    refused("SD-34", Complaint.receive, *blank)
    ahead = (uuid4(), ComplaintChannel.LETTER, Subject.SERVICE, "Late", NOW + timedelta(hours=1))
    refused("SD-34", Complaint.receive, *ahead, "s", REPLY_DUE, 1, NOW)


def test_sd_34_sd_36_sd_38_missed_limits_are_flagged_once_each() -> None:
    complaint = received()
    assert not complaint.flag_missed_limits(REPLY_DUE.at)
    assert complaint.flag_missed_limits(REPLY_DUE.at + timedelta(seconds=1))
    assert not complaint.flag_missed_limits(REPLY_DUE.at + timedelta(days=9))
    assert complaint.missed == [Limit.REPLY]
    late = implemented()
    assert late.reply_due_at is None  # the solution put to the customer was the reply
    assert late.flag_missed_limits(NOW + timedelta(days=6))
    assert late.missed == [Limit.FOLLOW_UP]


def test_sd_35_a_valid_complaint_names_the_department_an_invalid_one_goes_back() -> None:
    complaint = received()
    refused(
        "SD-35", complaint.investigate, True, "Late", "INV-1", None, NoticeMethod.LETTER, due(5)
    )
    refused(
        "SD-35", complaint.investigate, True, " ", "INV-1", "service", NoticeMethod.PHONE, due(5)
    )
    complaint.investigate(False, "On time per log", "INV-1", None, NoticeMethod.PHONE, due(5))
    assert (complaint.status, complaint.valid) == (ComplaintStatus.FOLLOW_UP, False)
    assert complaint.reply_due_at is None and complaint.follow_up_due_at == due(5).at


def test_sd_32_c1_major_goes_to_leadership_critical_to_the_gm_too() -> None:
    general = valid()
    assert general.classify(Severity.GENERAL, False) == ()
    major = valid()
    assert major.classify(Severity.MAJOR, False) == ("major",)
    critical = valid()
    assert critical.classify(Severity.MAJOR, True) == ("major", "critical")
    refused("SD-32", valid().classify, Severity.GENERAL, True)
    refused("SD-32", received().classify, Severity.GENERAL, False)  # not investigated yet


def test_sd_36_the_department_answers_with_a_solution_within_its_limit() -> None:
    complaint = valid()
    complaint.classify(Severity.GENERAL, False)
    refused("SD-36", complaint.assign, "service", "TR-1", due(3))  # not routed yet
    complaint.trigger_event(Complaint.Routed, approval_id=uuid4(), severity=Severity.GENERAL)
    complaint.assign("service", "TR-1", due(3))
    refused("SD-36", complaint.propose_solution, " ", "service-department", NOW)
    complaint.propose_solution("A free visit", "service-department", NOW + timedelta(days=4))
    assert complaint.status is ComplaintStatus.CONSULTATION


def test_sd_37_the_solution_is_carried_out_only_once_the_customer_agrees() -> None:
    complaint = valid()
    complaint.classify(Severity.GENERAL, False)
    complaint.trigger_event(Complaint.Routed, approval_id=uuid4(), severity=Severity.GENERAL)
    complaint.assign("service", "TR-1", due(3))
    complaint.propose_solution("A discount", "service-department", NOW)
    refused("SD-37", complaint.implement, "service-department", due(5), 2, 1)
    complaint.record_opinion(False, "OP-1", "Not enough", due(4))
    assert complaint.status is ComplaintStatus.AWAITING_SOLUTION
    assert complaint.solution_due_at == due(4).at
    complaint.propose_solution("A replacement", "service-department", NOW)
    complaint.record_opinion(True, "OP-2", "Agreed", due(4))
    complaint.implement("service-department", due(5), 2, 1)
    assert complaint.status is ComplaintStatus.FOLLOW_UP


def test_sd_33_c2_the_supervisor_of_the_complaint_s_side_visits() -> None:
    service = received(Subject.SERVICE)
    refused("SD-33", service.visit, "business-supervisor", BUSINESS_SUPERVISOR, "b", "Visited")
    service.visit("service-supervisor", SERVICE_SUPERVISOR, "technician-2", "Apologised")
    assert service.visited_by == "technician-2"
    sales = received(Subject.SALES)
    refused("SD-33", sales.visit, "service-supervisor", SERVICE_SUPERVISOR, "s", "Visited")
    sales.visit("business-supervisor", BUSINESS_SUPERVISOR, "business-supervisor", "Discussed")


def test_sd_38_quality_complaints_need_two_follow_ups_service_ones_one() -> None:
    quality = implemented(Subject.PRODUCT_QUALITY)
    quality.follow_up(Satisfaction.SATISFIED, "", "service-department", NOW)
    assert quality.status is ComplaintStatus.FOLLOW_UP
    quality.follow_up(Satisfaction.VERY_SATISFIED, "", "service-department", NOW)
    assert quality.status is ComplaintStatus.EVALUATED
    service = implemented(Subject.SERVICE)
    service.follow_up(Satisfaction.SATISFIED, "", "service-department", NOW)
    assert service.status is ComplaintStatus.EVALUATED
    refused("SD-38", received().follow_up, Satisfaction.SATISFIED, "", "s", NOW)


def test_sd_39_closed_only_on_satisfaction_after_the_visit_else_reopened() -> None:
    complaint = implemented()
    refused("SD-39", complaint.close, NoticeMethod.PHONE, "service-department", NOW)
    complaint.follow_up(Satisfaction.DISSATISFIED, "Still late", "service-department", NOW)
    assert (complaint.status, complaint.reopened) == (ComplaintStatus.ACKNOWLEDGED, 1)
    refused("SD-39", complaint.close, NoticeMethod.PHONE, "service-department", NOW)

    satisfied = implemented()
    satisfied.follow_up(Satisfaction.SATISFIED, "", "service-department", NOW)
    refused("SD-33", satisfied.close, NoticeMethod.PHONE, "service-department", NOW)
    satisfied.visit("service-supervisor", SERVICE_SUPERVISOR, "service-supervisor", "Visited")
    satisfied.close(NoticeMethod.PHONE, "service-department", NOW)
    assert satisfied.status is ComplaintStatus.CLOSED


def test_sd_32_a_major_complaint_s_outcome_is_told_by_letter() -> None:
    complaint = implemented(severity=Severity.MAJOR)
    complaint.follow_up(Satisfaction.SATISFIED, "", "service-department", NOW)
    complaint.visit("service-supervisor", SERVICE_SUPERVISOR, "service-supervisor", "Visited")
    refused("SD-32", complaint.close, NoticeMethod.PHONE, "service-department", NOW)
    complaint.close(NoticeMethod.LETTER, "service-department", NOW)
    assert complaint.status is ComplaintStatus.CLOSED


def test_sd_40_the_month_s_analysis_needs_it_over_and_actions_for_founded_complaints() -> None:
    november, today = date(2026, 11, 1), date(2026, 12, 1)
    counts = {"service": 2, UNFOUNDED: 1}
    refused("SD-40", ComplaintAnalysis.publish, today, counts, ("Train",), "cs", today)
    refused("SD-40", ComplaintAnalysis.publish, november, counts, (), "cs", today)
    refused("SD-40", ComplaintAnalysis.publish, november, counts, (" ",), "cs", today)
    analysis = ComplaintAnalysis.publish(november, counts, ("Train dispatch",), "cs", today)
    assert analysis.counts_by_cause == (CauseCount("service", 2), CauseCount(UNFOUNDED, 1))
    october = date(2026, 10, 1)
    unfounded_only = ComplaintAnalysis.publish(october, {UNFOUNDED: 3}, (), "cs", today)
    assert unfounded_only.corrective_actions == ()
