"""A customer complaint (RULES §4.10): recorded with a reply promised within the working days the
rule parameters set (SD-34), investigated (SD-35), classified and routed through the authority
matrix, major ones to leadership (SD-32, resolution C1, SD-41), transferred to the responsible
department for a solution (SD-36), agreed with the customer before it is carried out (SD-37),
followed up (SD-38) and closed only on the customer's satisfaction, else reopened at the
investigation (SD-39). Every complaining customer is visited, by the supervisor resolution C2
names (SD-33). Missed time limits are flagged once each."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Self
from uuid import UUID

from kernel.approvals.domain import Approvable, ApprovalState
from kernel.calendar import Deadline
from kernel.roles import Role
from runtime.aggregate import RuleViolation
from runtime.clock import SKEW

COMPLAINT_ESCALATION = "complaint_escalation"
"""The authority matrix's routing of a classified complaint (SD-32, C1)."""


class ComplaintChannel(StrEnum):
    PHONE = "phone"
    LETTER = "letter"
    VISIT = "visit"
    SURVEY = "survey"
    """SD-31: a complaint written on a satisfaction survey becomes a complaint record."""


class Subject(StrEnum):
    SERVICE = "service"
    PRODUCT_QUALITY = "product_quality"
    SALES = "sales"
    """Price, delivery, contract: the sales side owns the visit (C2) and orders is told (§7 #17)."""


class Severity(StrEnum):
    MAJOR = "major"
    GENERAL = "general"


class Satisfaction(StrEnum):
    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"

    @property
    def satisfied(self) -> bool:
        return self in (Satisfaction.VERY_SATISFIED, Satisfaction.SATISFIED)


class NoticeMethod(StrEnum):
    """SD-32: how the customer is told the outcome."""

    LETTER = "letter"
    PHONE = "phone"


class Limit(StrEnum):
    REPLY = "reply"
    """SD-34: the customer's reply (the findings, or the solution to agree) by the promised day."""
    SOLUTION = "solution"
    """SD-36: the responsible department's answer and solution."""
    FOLLOW_UP = "follow_up"
    """SD-38: the first follow-up after the outcome."""


class ComplaintStatus(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    """Recorded, the reply promised; investigated next (where a reopened one returns)."""
    INVESTIGATED = "investigated"
    """Found valid; classified next."""
    ROUTING = "routing"
    """Classified; the service department (and leadership, if major) take it on."""
    ROUTED = "routed"
    AWAITING_SOLUTION = "awaiting_solution"
    CONSULTATION = "consultation"
    IMPLEMENTING = "implementing"
    FOLLOW_UP = "follow_up"
    """The solution carried out, or the findings of an invalid one given: the customer's word."""
    EVALUATED = "evaluated"
    """Satisfied after the follow-ups due: it may close."""
    CLOSED = "closed"


def visitor_role(subject: Subject) -> Role:
    """Resolution C2: the service supervisor visits on service and product complaints, the
    business supervisor on sales ones."""
    return Role.BUSINESS_SUPERVISOR if subject is Subject.SALES else Role.SERVICE_SUPERVISOR


class Complaint(Approvable):
    document_type = "complaint"

    def __init__(self) -> None:
        self.customer_id: UUID
        self.channel: ComplaintChannel
        self.subject: Subject
        self.description: str
        self.received_at: datetime
        self.received_by: str
        self.visitor_role: Role
        self.rule_parameters_version: int
        self.status = ComplaintStatus.ACKNOWLEDGED
        self.deadlines: dict[Limit, datetime] = {}
        """The time limits running, each until met or flagged."""
        self.missed: list[Limit] = []
        self.valid: bool | None = None
        self.findings = ""
        self.responsible_dept: str | None = None
        self.severity: Severity | None = None
        self.solution = ""
        self.visited_by: str | None = None
        self.follow_ups: list[Satisfaction] = []
        self.follow_ups_due = 0
        self.reopened = 0
        self.closed_at: datetime | None = None

    class Received(Approvable.Created):
        """``ComplaintReceived``: the complaint record (SD-34)."""

        customer_id: UUID
        channel: ComplaintChannel
        subject: Subject
        description: str
        received_at: datetime
        received_by: str
        visitor_role: Role
        rule_parameters_version: int

    class Acknowledged(Approvable.Event):
        """``ComplaintAcknowledged``: the reply promised by ``reply_due_at`` (SD-34)."""

        reply_due_at: datetime
        calendar_version: int | None

        def apply(self, complaint: Complaint) -> None:
            complaint.deadlines[Limit.REPLY] = self.reply_due_at

    class Investigated(Approvable.Event):
        """``ComplaintInvestigated``: found valid; the responsible department named (SD-35)."""

        investigation_form_ref: str
        findings: str
        responsible_dept: str

        def apply(self, complaint: Complaint) -> None:
            complaint.status, complaint.valid = ComplaintStatus.INVESTIGATED, True
            complaint.findings, complaint.responsible_dept = self.findings, self.responsible_dept

    class FoundInvalid(Approvable.Event):
        """``ComplaintFoundInvalid``: the findings returned to the customer, whose word on them
        is the follow-up (SD-35, SD-39)."""

        investigation_form_ref: str
        findings: str
        notice_method: NoticeMethod
        follow_up_due_at: datetime

        def apply(self, complaint: Complaint) -> None:
            complaint.status, complaint.valid = ComplaintStatus.FOLLOW_UP, False
            complaint.findings, complaint.follow_ups_due = self.findings, 1
            complaint.deadlines.pop(Limit.REPLY, None)
            complaint.deadlines[Limit.FOLLOW_UP] = self.follow_up_due_at

    class Classified(Approvable.Event):
        """``ComplaintClassified`` (SD-32): major ones go to leadership (the deputy GM, the GM
        too when critical: C1) and are reported to the customer-service manager (SD-41)."""

        customer_id: UUID
        subject: Subject
        severity: Severity
        critical: bool
        escalated_to: tuple[str, ...]
        reported_to: tuple[str, ...]
        visitor_role: Role

        def apply(self, complaint: Complaint) -> None:
            complaint.status, complaint.severity = ComplaintStatus.ROUTING, Severity(self.severity)

    class Routed(Approvable.Event):
        """``ComplaintEscalatedToLeadership`` for a major one; the service department's own for a
        general one (SD-32)."""

        approval_id: UUID
        severity: Severity

        def apply(self, complaint: Complaint) -> None:
            complaint.status = ComplaintStatus.ROUTED

    class AssignedToResponsibleDept(Approvable.Event):
        """The complaint transfer form to the department, its solution due (SD-36)."""

        dept: str
        transfer_form_ref: str
        due_at: datetime
        calendar_version: int | None

        def apply(self, complaint: Complaint) -> None:
            complaint.status = ComplaintStatus.AWAITING_SOLUTION
            complaint.responsible_dept = self.dept
            complaint.deadlines[Limit.SOLUTION] = self.due_at

    class SolutionProposed(Approvable.Event):
        """The department's answer and solution, discussed with the customer (SD-36, SD-37)."""

        dept: str
        solution: str
        recorded_by: str
        within_limit: bool

        def apply(self, complaint: Complaint) -> None:
            complaint.status, complaint.solution = ComplaintStatus.CONSULTATION, self.solution
            complaint.deadlines.pop(Limit.SOLUTION, None)
            complaint.deadlines.pop(Limit.REPLY, None)

    class SolutionAccepted(Approvable.Event):
        """The customer agreed on the customer opinion form (SD-37)."""

        opinion_form_ref: str
        opinion: str

        def apply(self, complaint: Complaint) -> None:
            complaint.status = ComplaintStatus.IMPLEMENTING

    class SolutionRejectedByCustomer(Approvable.Event):
        """Back to the responsible department for another solution (SD-37)."""

        opinion_form_ref: str
        opinion: str
        due_at: datetime
        calendar_version: int | None

        def apply(self, complaint: Complaint) -> None:
            complaint.status = ComplaintStatus.AWAITING_SOLUTION
            complaint.deadlines[Limit.SOLUTION] = self.due_at

    class SolutionImplemented(Approvable.Event):
        implemented_by: str
        follow_up_due_at: datetime
        follow_ups_due: int

        def apply(self, complaint: Complaint) -> None:
            complaint.status, complaint.follow_ups_due = (
                ComplaintStatus.FOLLOW_UP,
                self.follow_ups_due,
            )
            complaint.deadlines[Limit.FOLLOW_UP] = self.follow_up_due_at

    class VisitCompleted(Approvable.Event):
        """``ComplaintVisitCompleted`` (SD-33): the supervisor or the staff they sent."""

        visitor_id: str
        visitor_role: Role
        recorded_by: str
        notes: str

        def apply(self, complaint: Complaint) -> None:
            complaint.visited_by = self.visitor_id

    class FollowUpCompleted(Approvable.Event):
        """``ComplaintFollowUpCompleted`` with the satisfaction survey (SD-38)."""

        seq_no: int
        satisfaction: Satisfaction
        within_limit: bool
        notes: str
        recorded_by: str
        evaluated: bool
        """Satisfied, and the last of the follow-ups due: the complaint may close."""

        def apply(self, complaint: Complaint) -> None:
            complaint.follow_ups.append(Satisfaction(self.satisfaction))
            complaint.deadlines.pop(Limit.FOLLOW_UP, None)
            if self.evaluated:
                complaint.status = ComplaintStatus.EVALUATED

    class Reopened(Approvable.Event):
        """``ComplaintReopened``: back to the investigation, step 2 (SD-39)."""

        reason: str

        def apply(self, complaint: Complaint) -> None:
            complaint.status, complaint.reopened = (
                ComplaintStatus.ACKNOWLEDGED,
                complaint.reopened + 1,
            )
            complaint.valid, complaint.severity, complaint.solution = None, None, ""
            complaint.follow_ups, complaint.follow_ups_due = [], 0
            complaint.deadlines.pop(Limit.SOLUTION, None)
            complaint.deadlines.pop(Limit.FOLLOW_UP, None)

    class LimitMissed(Approvable.Event):
        """A time limit passed unmet (SD-34, SD-36, SD-38): flagged once."""

        limit: Limit
        due_at: datetime

        def apply(self, complaint: Complaint) -> None:
            complaint.deadlines.pop(Limit(self.limit), None)
            complaint.missed.append(Limit(self.limit))

    class Closed(Approvable.Event):
        """``ComplaintClosed`` with ``CustomerNotifiedOfOutcome`` (SD-39, SD-32)."""

        customer_id: UUID
        subject: Subject
        valid: bool
        satisfaction: Satisfaction
        notice_method: NoticeMethod
        closed_at: datetime
        closed_by: str

        def apply(self, complaint: Complaint) -> None:
            complaint.status, complaint.closed_at = ComplaintStatus.CLOSED, self.closed_at

    @property
    def reply_due_at(self) -> datetime | None:
        return self.deadlines.get(Limit.REPLY)

    @property
    def solution_due_at(self) -> datetime | None:
        return self.deadlines.get(Limit.SOLUTION)

    @property
    def follow_up_due_at(self) -> datetime | None:
        return self.deadlines.get(Limit.FOLLOW_UP)

    # -- intake (SD-34)

    @classmethod
    def receive(
        cls,
        customer_id: UUID,
        channel: ComplaintChannel,
        subject: Subject,
        description: str,
        received_at: datetime,
        received_by: str,
        reply_due: Deadline,
        rule_parameters_version: int,
        now: datetime,
    ) -> Self:
        """``reply_due``: the working days the rule parameters allow, from ``received_at``."""
        # SD-34: the complaint record states what the customer complains of, once it came in.
        if not description.strip():
            raise RuleViolation("SD-34", "the complaint record states what the complaint is")
        if received_at > now + SKEW:
            raise RuleViolation(
                "SD-34",
                "a complaint is recorded after it came in, never ahead of time",
                received_at=received_at.isoformat(),
            )
        complaint = cls._create(
            cls.Received,
            customer_id=customer_id,
            channel=channel,
            subject=subject,
            description=description,
            received_at=received_at,
            received_by=received_by,
            visitor_role=visitor_role(subject),
            rule_parameters_version=rule_parameters_version,
        )
        complaint.trigger_event(
            cls.Acknowledged,
            reply_due_at=reply_due.at,
            calendar_version=reply_due.calendar_version,
        )
        return complaint

    def _in(self, rule: str, *states: ComplaintStatus) -> None:
        if self.status not in states:
            raise RuleViolation(
                rule,
                f"not while the complaint is {self.status.value}",
                status=self.status.value,
                expected=[s.value for s in states],
            )

    # -- investigation (SD-35)

    def investigate(
        self,
        valid: bool,
        findings: str,
        investigation_form_ref: str,
        responsible_dept: str | None,
        notice_method: NoticeMethod,
        follow_up_due: Deadline,
    ) -> None:
        self._in("SD-35", ComplaintStatus.ACKNOWLEDGED)
        if not findings.strip() or not investigation_form_ref.strip():
            raise RuleViolation("SD-35", "the investigation form records the findings")
        if not valid:
            # SD-35: an unfounded complaint goes back to the customer with the findings.
            self.trigger_event(
                self.FoundInvalid,
                investigation_form_ref=investigation_form_ref,
                findings=findings,
                notice_method=notice_method,
                follow_up_due_at=follow_up_due.at,
            )
            return
        if responsible_dept is None or not responsible_dept.strip():
            raise RuleViolation("SD-35", "a valid complaint names the responsible department")
        self.trigger_event(
            self.Investigated,
            investigation_form_ref=investigation_form_ref,
            findings=findings,
            responsible_dept=responsible_dept,
        )

    # -- classification and routing (SD-32, C1, SD-41)

    def classify(self, severity: Severity, critical: bool) -> tuple[str, ...]:
        """Returns the matrix conditions of the routing approval the application requests."""
        self._in("SD-32", ComplaintStatus.INVESTIGATED)
        # C1: the GM takes over critical ones; a critical complaint is always major.
        if critical and severity is not Severity.MAJOR:
            raise RuleViolation(
                "SD-32", "a critical complaint (safety, legal, key account) is major"
            )
        major = severity is Severity.MAJOR
        escalated_to: tuple[str, ...] = ()
        reported_to: tuple[str, ...] = ()
        if major:
            escalated_to = (Role.LEADERSHIP_DGM.value,) + (
                (Role.LEADERSHIP_GM.value,) if critical else ()
            )
            # C1: the GM is always told; SD-41: so is the customer-service manager.
            reported_to = (Role.LEADERSHIP_GM.value, Role.CS_MANAGER.value)
        self.trigger_event(
            self.Classified,
            customer_id=self.customer_id,
            subject=self.subject,
            severity=severity,
            critical=critical,
            escalated_to=escalated_to,
            reported_to=reported_to,
            visitor_role=self.visitor_role,
        )
        return ("major",) * major + ("critical",) * critical

    def on_approved(self, approval: ApprovalState) -> None:
        assert self.severity is not None
        self.trigger_event(self.Routed, approval_id=approval.approval_id, severity=self.severity)

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        # SD-39's loop: whoever takes it on disputes the findings: investigated again.
        self.trigger_event(self.Reopened, reason=f"routing rejected: {reason}")

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "customer_id": str(self.customer_id),
            "subject": str(self.subject),
            "description": self.description,
            "findings": self.findings,
            "responsible_dept": self.responsible_dept,
            "severity": None if self.severity is None else self.severity.value,
            "reopened": self.reopened,
        }

    def interested_parties(self) -> set[str]:
        """XC-05: whoever recorded the complaint does not route it."""
        return {self.received_by}

    # -- the responsible department's solution (SD-36, SD-37)

    def assign(self, dept: str, transfer_form_ref: str, due: Deadline) -> None:
        self._in("SD-36", ComplaintStatus.ROUTED)
        if not dept.strip() or not transfer_form_ref.strip():
            raise RuleViolation("SD-36", "the transfer form names the responsible department")
        self.trigger_event(
            self.AssignedToResponsibleDept,
            dept=dept,
            transfer_form_ref=transfer_form_ref,
            due_at=due.at,
            calendar_version=due.calendar_version,
        )

    def propose_solution(self, solution: str, recorded_by: str, now: datetime) -> None:
        self._in("SD-36", ComplaintStatus.AWAITING_SOLUTION)
        if not solution.strip():
            raise RuleViolation("SD-36", "the department answers with a solution")
        due = self.deadlines.get(Limit.SOLUTION)
        assert self.responsible_dept is not None
        self.trigger_event(
            self.SolutionProposed,
            dept=self.responsible_dept,
            solution=solution,
            recorded_by=recorded_by,
            # A limit already flagged as missed is no longer running.
            within_limit=due is not None and now <= due,
        )

    def record_opinion(
        self, accepted: bool, opinion_form_ref: str, opinion: str, again_due: Deadline
    ) -> None:
        """SD-37: the customer's opinion of the solution; ``again_due`` the department's new
        limit should the customer not agree."""
        self._in("SD-37", ComplaintStatus.CONSULTATION)
        if not opinion_form_ref.strip():
            raise RuleViolation("SD-37", "the customer's opinion is recorded on the opinion form")
        if accepted:
            self.trigger_event(
                self.SolutionAccepted, opinion_form_ref=opinion_form_ref, opinion=opinion
            )
            return
        self.trigger_event(
            self.SolutionRejectedByCustomer,
            opinion_form_ref=opinion_form_ref,
            opinion=opinion,
            due_at=again_due.at,
            calendar_version=again_due.calendar_version,
        )

    def implement(
        self, implemented_by: str, follow_up_due: Deadline, quality: int, service: int
    ) -> None:
        """``quality``, ``service``: the follow-ups SD-38 asks for, by the complaint's subject."""
        # SD-37: nothing is carried out before the customer agreed to it.
        self._in("SD-37", ComplaintStatus.IMPLEMENTING)
        self.trigger_event(
            self.SolutionImplemented,
            implemented_by=implemented_by,
            follow_up_due_at=follow_up_due.at,
            follow_ups_due=quality if self.subject == Subject.PRODUCT_QUALITY else service,
        )

    # -- the visit (SD-33, C2)

    def visit(self, recorded_by: str, roles: frozenset[str], visitor_id: str, notes: str) -> None:
        if self.status is ComplaintStatus.CLOSED:
            raise RuleViolation("SD-33", "the complaint is closed")
        visitor = Role(self.visitor_role)
        if visitor not in roles:
            raise RuleViolation(
                "SD-33",
                f"the {self.subject} complaint's visit is the {visitor}'s "
                "(in person or by staff they send)",
                visitor_role=str(visitor),
            )
        if not notes.strip():
            raise RuleViolation("SD-33", "the visit records what was discussed")
        self.trigger_event(
            self.VisitCompleted,
            visitor_id=visitor_id,
            visitor_role=visitor,
            recorded_by=recorded_by,
            notes=notes,
        )

    # -- follow-up, closure or reopening (SD-38, SD-39)

    def follow_up(
        self, satisfaction: Satisfaction, notes: str, recorded_by: str, now: datetime
    ) -> None:
        self._in("SD-38", ComplaintStatus.FOLLOW_UP)
        due = self.deadlines.get(Limit.FOLLOW_UP)
        first = not self.follow_ups
        self.trigger_event(
            self.FollowUpCompleted,
            seq_no=len(self.follow_ups) + 1,
            satisfaction=satisfaction,
            within_limit=not first or (due is not None and now <= due),
            notes=notes,
            recorded_by=recorded_by,
            evaluated=satisfaction.satisfied and len(self.follow_ups) + 1 >= self.follow_ups_due,
        )
        # SD-39: a customer not satisfied takes the complaint back to the investigation.
        if not satisfaction.satisfied:
            self.trigger_event(self.Reopened, reason=f"customer {satisfaction.value}")

    def close(self, notice_method: NoticeMethod, closed_by: str, now: datetime) -> None:
        # SD-39: only on the customer's satisfaction, after the follow-ups due (SD-38).
        if self.status is not ComplaintStatus.EVALUATED:
            raise RuleViolation(
                "SD-39",
                "a complaint closes only once the customer is satisfied after the follow-ups due",
                status=self.status.value,
                follow_ups=len(self.follow_ups),
                follow_ups_due=self.follow_ups_due,
            )
        # SD-33: every complaining customer was visited.
        if self.visited_by is None:
            raise RuleViolation(
                "SD-33",
                "the customer is visited before the complaint closes",
                visitor_role=str(self.visitor_role),
            )
        # SD-32: a major complaint's outcome is told by letter.
        if self.severity is Severity.MAJOR and notice_method is not NoticeMethod.LETTER:
            raise RuleViolation(
                "SD-32", "the customer is told a major complaint's outcome by letter"
            )
        assert self.valid is not None
        self.trigger_event(
            self.Closed,
            customer_id=self.customer_id,
            subject=self.subject,
            valid=self.valid,
            satisfaction=Satisfaction(self.follow_ups[-1]),
            notice_method=notice_method,
            closed_at=now,
            closed_by=closed_by,
        )

    # -- time limits (SD-34, SD-36, SD-38)

    def flag_missed_limits(self, now: datetime) -> bool:
        """Every running limit passed unmet is flagged, once; returns whether one was."""
        passed = [(limit, due) for limit, due in self.deadlines.items() if now > due]
        for limit, due in passed:
            self.trigger_event(self.LimitMissed, limit=limit, due_at=due)
        return bool(passed)
