"""Composition root: wires the billing service's domain, application and adapters."""

from billing.adapters import http, kafka, outbound
from billing.application.service import BillingApplication
from chassis.approvals.http import audit, policies
from chassis.governance import http as governance
from chassis.runtime import ServiceSpec

SPEC = ServiceSpec(
    name="billing",
    application=BillingApplication,
    routers=[http.router, policies, audit, governance.router],
    to_contract=outbound.to_contract,
    subscriptions=kafka.subscriptions,
)
