"""Composition root: wires the service_desk service's domain, application and adapters."""

from chassis.approvals.http import audit, policies
from chassis.governance import http as governance
from chassis.runtime import ServiceSpec
from service_desk.adapters import http, kafka, outbound
from service_desk.application.service import ServiceDeskApplication

SPEC = ServiceSpec(
    name="service-desk",
    application=ServiceDeskApplication,
    routers=[http.router, policies, audit, governance.router],
    to_contract=outbound.to_contract,
    subscriptions=kafka.subscriptions,
)
