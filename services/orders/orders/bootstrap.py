"""Composition root: wires the orders service's domain, application and adapters."""

from chassis.approvals.http import audit, policies
from chassis.governance import http as governance
from chassis.runtime import ServiceSpec
from orders.adapters import http, kafka, outbound
from orders.application.service import OrdersApplication

SPEC = ServiceSpec(
    name="orders",
    application=OrdersApplication,
    routers=[http.router, policies, audit, governance.router],
    to_contract=outbound.to_contract,
    subscriptions=kafka.subscriptions,
)
