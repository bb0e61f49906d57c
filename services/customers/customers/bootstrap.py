"""Composition root: the customers service's application, routes and published events."""

from customers.adapters.http import credit, customers
from customers.adapters.outbound import OUTBOUND
from customers.application import CustomersApplication
from runtime.service import ServiceSpec

SPEC = ServiceSpec(
    application=CustomersApplication,
    routers=(customers.router, customers.approvals, credit.router),
    outbound=OUTBOUND,
)
