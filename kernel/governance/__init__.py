"""Rule violations (XC-08) and rectifications of supervision findings (XC-09).

A service opts in by making its application inherit :class:`Governance`; the feature brings its
routes (``/violations``, ``/rectifications``), the value objects its events carry and their
public contracts (``contracts.governance``), published on the service's own events topic.
"""

from __future__ import annotations

from contracts import governance as public
from kernel.governance import http
from kernel.governance.commands import GovernanceCommands
from kernel.governance.domain import Finding, Rectification, ViolationRecord
from runtime.application import Feature


class Governance(GovernanceCommands):
    feature = Feature(
        "governance",
        routers=(http.router,),
        value_objects=(Finding,),
        published={
            ViolationRecord.RuleViolationRecorded: public.RuleViolationRecorded,
            Rectification.RectificationOrdered: public.RectificationOrdered,
            Rectification.RectificationClosed: public.RectificationClosed,
        },
    )
