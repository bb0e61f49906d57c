"""Rule violations (XC-08) and rectifications of supervision findings (XC-09).

A service opts in by making its application inherit :class:`Governance`; the feature brings its
routes (``/violations``, ``/rectifications``) and the value objects its events carry.
"""

from __future__ import annotations

from kernel.governance import http
from kernel.governance.commands import GovernanceCommands
from kernel.governance.domain import Finding
from runtime.application import Feature


class Governance(GovernanceCommands):
    feature = Feature("governance", routers=(http.router,), value_objects=(Finding,))
