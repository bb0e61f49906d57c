"""Commands of the complaint (RULES §4.10): intake with the promised reply, investigation,
classification routed through the authority matrix (``complaint_escalation``: the service
department, the deputy GM for major ones, the GM too for critical ones: C1), the responsible
department's solution, the customer's opinion of it, its implementation, the visit, the
follow-ups and the closure. The time limits are the rule parameters in force, counted in working
days on the calendar in force (XC-07, XC-10); a timer flags each one missed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from uuid import UUID

from sqlalchemy import Select, case, func, literal, select, union_all

from kernel.approvals import Approvals
from kernel.calendar import Deadline
from kernel.timers import deadline_timer
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.application import Feature, command
from runtime.figures import Figure
from runtime.unit_of_work import CommandContext
from service_desk.complaint_projections import (
    COMPLAINTS,
    closed_by_cause,
    complaints,
    complaints_past_limit,
)
from service_desk.domain.complaint import (
    COMPLAINT_ESCALATION,
    Complaint,
    ComplaintChannel,
    ComplaintStatus,
    Limit,
    NoticeMethod,
    Satisfaction,
    Severity,
    Subject,
)
from service_desk.domain.complaint_analysis import CauseCount, ComplaintAnalysis
from service_desk.domain.known_customer import KnownCustomer


def _flag_missed(app: ComplaintCommands, context: CommandContext, complaint_id: UUID) -> bool:
    return app.flag_missed_limits(context, complaint_id)


MISSED_LIMITS = deadline_timer("complaint-limits", complaints_past_limit, _flag_missed)
"""SD-34, SD-36, SD-38: the reply, the solution and the first follow-up, each flagged once."""


_rows = COMPLAINTS.table.c
_AGES = (("0-5d", 5), ("6-15d", 15), ("16-30d", 30))
"""Open complaints' age buckets, in days since received; older ones are ``over_30d``."""


def _open_by_age(app: Any, now: datetime) -> Select[Any]:
    age = case(
        *((_rows.received_at >= now - timedelta(days=days), label) for label, days in _AGES),
        else_="over_30d",
    )
    still_open = _rows.status != ComplaintStatus.CLOSED.value
    return select(age, func.count()).where(still_open).group_by(age)


def _handled_ratio(app: Any, now: datetime) -> Select[Any]:
    closed = func.sum(case((_rows.status == ComplaintStatus.CLOSED.value, 1), else_=0))
    # Nothing received is nothing left unhandled.
    return select(case((func.count() == 0, 1.0), else_=closed * 1.0 / func.count())).select_from(
        COMPLAINTS.table
    )


def _limits_missed(app: Any, now: datetime) -> Any:
    return union_all(
        *(
            select(literal(limit.value), func.coalesce(func.sum(_rows[f"{limit.value}_missed"]), 0))
            for limit in Limit
        )
    )


FIGURES = (
    Figure(
        "countersign_service_desk_complaints_open",
        "Complaints not closed yet, by days since they were received (SD-41).",
        _open_by_age,
        labels=("age",),
        known=tuple((label,) for label in (*(label for label, _ in _AGES), "over_30d")),
        rule="SD-41",
    ),
    Figure(
        "countersign_service_desk_complaints_handled_ratio",
        "Complaints closed ÷ complaints received; 1 with none received (SD-41 target: 100 %).",
        _handled_ratio,
        rule="SD-41",
    ),
    Figure(
        "countersign_service_desk_complaint_limits_missed",
        "Complaint time limits missed: the promised reply (SD-34), the department's solution "
        "(SD-36), the first follow-up (SD-38).",
        _limits_missed,
        labels=("limit",),
        counter=True,
        known=tuple((limit.value,) for limit in Limit),
        rule="SD-34",
    ),
)


class ComplaintCommands(Approvals):
    feature = Feature(
        "complaints",
        projections=(complaints,),
        timers=(MISSED_LIMITS,),
        figures=FIGURES,
        value_objects=(CauseCount,),
    )

    def complaint(self, complaint_id: UUID) -> Complaint:
        return self.get(Complaint, complaint_id, "complaint")

    def _working_days(self, days: int) -> Deadline:
        calendar = self.calendar
        return Deadline(calendar.add_working_days(clock.now(), days), calendar.version)

    @command
    def receive_complaint(
        self,
        context: CommandContext,
        customer_id: UUID,
        channel: ComplaintChannel,
        subject: Subject,
        description: str,
        received_at: datetime | None,
    ) -> Complaint:
        """SD-34: recorded, and the reply promised within the working days in force."""
        if self.find(KnownCustomer, customer_id) is None:
            raise RuleViolation(
                "SD-34",
                "the complaint is recorded in a known customer's file",
                customer_id=str(customer_id),
            )
        parameters = self.rule_parameters()
        now = clock.now()
        received = received_at or now
        calendar = self.calendar
        reply_due = Deadline(
            calendar.add_working_days(received, parameters.complaints.reply_within_working_days),
            calendar.version,
        )
        return Complaint.receive(
            customer_id,
            channel,
            subject,
            description,
            received,
            context.actor,
            reply_due,
            parameters.version,
            now,
        )

    @command
    def investigate_complaint(
        self,
        context: CommandContext,
        complaint_id: UUID,
        valid: bool,
        findings: str,
        investigation_form_ref: str,
        responsible_dept: str | None,
        notice_method: NoticeMethod,
    ) -> Complaint:
        complaint = self.complaint(complaint_id)
        days = self.rule_parameters().complaints.follow_up_within_working_days
        complaint.investigate(
            valid,
            findings,
            investigation_form_ref,
            responsible_dept,
            notice_method,
            self._working_days(days),
        )
        return complaint

    @command
    def classify_complaint(
        self, context: CommandContext, complaint_id: UUID, severity: Severity, critical: bool
    ) -> Complaint:
        """SD-32, C1: the routing goes through the matrix's chain for complaints."""
        complaint = self.complaint(complaint_id)
        conditions = complaint.classify(severity, critical)
        self.request_approval(complaint, COMPLAINT_ESCALATION, context.actor, None, conditions)
        return complaint

    @command
    def assign_complaint(
        self, context: CommandContext, complaint_id: UUID, dept: str, transfer_form_ref: str
    ) -> Complaint:
        complaint = self.complaint(complaint_id)
        days = self.rule_parameters().complaints.solution_within_working_days
        complaint.assign(dept, transfer_form_ref, self._working_days(days))
        return complaint

    @command
    def propose_solution(
        self, context: CommandContext, complaint_id: UUID, solution: str
    ) -> Complaint:
        complaint = self.complaint(complaint_id)
        complaint.propose_solution(solution, context.actor, clock.now())
        return complaint

    @command
    def record_customer_opinion(
        self,
        context: CommandContext,
        complaint_id: UUID,
        accepted: bool,
        opinion_form_ref: str,
        opinion: str,
    ) -> Complaint:
        complaint = self.complaint(complaint_id)
        days = self.rule_parameters().complaints.solution_within_working_days
        complaint.record_opinion(accepted, opinion_form_ref, opinion, self._working_days(days))
        return complaint

    @command
    def implement_solution(self, context: CommandContext, complaint_id: UUID) -> Complaint:
        complaint = self.complaint(complaint_id)
        limits = self.rule_parameters().complaints
        complaint.implement(
            context.actor,
            self._working_days(limits.follow_up_within_working_days),
            limits.quality_follow_ups,
            limits.service_follow_ups,
        )
        return complaint

    @command
    def record_complaint_visit(
        self, context: CommandContext, complaint_id: UUID, visitor_id: str | None, notes: str
    ) -> Complaint:
        """SD-33, C2: the supervisor visited, or records the visit of the staff they sent."""
        complaint = self.complaint(complaint_id)
        complaint.visit(context.actor, context.roles, visitor_id or context.actor, notes)
        return complaint

    @command
    def follow_up_complaint(
        self, context: CommandContext, complaint_id: UUID, satisfaction: Satisfaction, notes: str
    ) -> Complaint:
        complaint = self.complaint(complaint_id)
        complaint.follow_up(satisfaction, notes, context.actor, clock.now())
        return complaint

    @command
    def close_complaint(
        self, context: CommandContext, complaint_id: UUID, notice_method: NoticeMethod
    ) -> Complaint:
        complaint = self.complaint(complaint_id)
        complaint.close(notice_method, context.actor, clock.now())
        return complaint

    @command
    def flag_missed_limits(self, context: CommandContext, complaint_id: UUID) -> bool:
        return self.complaint(complaint_id).flag_missed_limits(clock.now())

    @command
    def publish_complaint_analysis(
        self, context: CommandContext, month: date, corrective_actions: tuple[str, ...]
    ) -> ComplaintAnalysis:
        """SD-40: the month's closed complaints by cause, from the complaint register, with the
        corrective actions set for them."""
        first = month.replace(day=1)
        if self.find(ComplaintAnalysis, ComplaintAnalysis.id_for(first)) is not None:
            raise RuleViolation(
                "SD-40", "the month's analysis is published", month=f"{first:%Y-%m}"
            )
        zone = self.calendar.zone
        following = (first + timedelta(days=32)).replace(day=1)
        with self.read_models.read() as db:
            counts = closed_by_cause(
                db, datetime.combine(first, time(), zone), datetime.combine(following, time(), zone)
            )
        today = clock.now().astimezone(zone).date()
        return ComplaintAnalysis.publish(first, counts, corrective_actions, context.actor, today)

    def complaint_analysis(self, month: date) -> ComplaintAnalysis:
        return self.get(
            ComplaintAnalysis, ComplaintAnalysis.id_for(month.replace(day=1)), "analysis"
        )
