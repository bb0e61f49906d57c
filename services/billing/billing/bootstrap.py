"""Composition root: the billing service's application, routes and published events."""

from billing.adapters.http import invoices
from billing.adapters.outbound import OUTBOUND
from billing.application import BillingApplication
from runtime.service import ServiceSpec

SPEC = ServiceSpec(application=BillingApplication, routers=(invoices.router,), outbound=OUTBOUND)
