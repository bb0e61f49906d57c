"""Approvals and signatures on any document (XC-01, XC-02, XC-05, XC-07).

A service opts in by making its application inherit :class:`Approvals`: its documents extend
``Approvable``, its commands call ``request_approval``, and it mounts ``document_routes`` for each
approvable document. The feature brings the authority-matrix routes, the list of approvals
waiting, the timer that escalates steps not decided in time, and the public contracts of every
approval and signature (``contracts.governance``), published on the service's own events topic.
"""

from __future__ import annotations

from contracts import governance as public
from kernel.approvals import http
from kernel.approvals.commands import ApprovalCommands
from kernel.approvals.domain import Approvable, SignatureCapture
from kernel.approvals.matrix import Step
from kernel.approvals.projections import APPROVAL_FIGURES, overdue_documents, pending_approvals
from kernel.policy.domain import PolicyVersion
from kernel.timers import deadline_timer
from runtime.application import Feature

ESCALATION = deadline_timer(
    "approval-deadlines", overdue_documents, ApprovalCommands.escalate_overdue
)
"""XC-01 / RULES §7 #20: escalate approval steps not decided within their working hours."""
escalate_overdue_steps = ESCALATION.tick


class Approvals(ApprovalCommands):
    feature = Feature(
        "approvals",
        routers=(http.policies, http.pending),
        projections=(pending_approvals,),
        timers=(ESCALATION,),
        figures=APPROVAL_FIGURES,
        value_objects=(Step, SignatureCapture),
        published={
            Approvable.ApprovalRequested: public.ApprovalRequested,
            Approvable.ApprovalGranted: public.ApprovalGranted,
            Approvable.ApprovalRejected: public.ApprovalRejected,
            Approvable.ApprovalInvalidated: public.ApprovalInvalidated,
            Approvable.ApprovalOverdue: public.ApprovalOverdue,
            Approvable.SignatureCaptured: public.SignatureCaptured,
            Approvable.SignatureVoided: public.SignatureVoided,
            PolicyVersion.Approved: public.PolicyVersionApproved,
            Approvable.MajorMatterReported: public.MajorMatterReported,
            Approvable.LeadershipDecided: public.LeadershipDecided,
        },
    )
