"""The audit tools: verify the stores' hash chains and employees' signatures, follow a document's
story across the services (``countersign audit``), and serve each service's own part of it.

A service opts into the HTTP route by making its application inherit :class:`AuditTrail`.
"""

from __future__ import annotations

from kernel.audit import http
from kernel.audit.queries import AuditTrailQueries
from runtime.application import Feature


class AuditTrail(AuditTrailQueries):
    feature = Feature("audit-trail", routers=(http.router,))
