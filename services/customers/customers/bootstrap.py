"""Composition root: wires the customers service's domain, application and adapters."""

from chassis.approvals.http import audit, policies
from chassis.governance import http as governance
from chassis.runtime import ServiceSpec
from customers.adapters import http, kafka, outbound
from customers.application.service import CustomersApplication

SPEC = ServiceSpec(
    name="customers",
    application=CustomersApplication,
    routers=[http.router, http.approvals, policies, audit, governance.router],
    to_contract=outbound.to_contract,
    subscriptions=kafka.subscriptions,
)
