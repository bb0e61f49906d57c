"""Composition root: the service-desk service's application, routes and published events."""

from runtime.service import ServiceSpec
from service_desk.adapters.http import (
    complaints,
    customer_files,
    service_calls,
    surveys,
    vouchers,
)
from service_desk.adapters.outbound import OUTBOUND
from service_desk.application import ServiceDeskApplication

SPEC = ServiceSpec(
    application=ServiceDeskApplication,
    routers=(
        vouchers.router,
        customer_files.router,
        service_calls.router,
        service_calls.approvals,
        service_calls.signing,
        complaints.router,
        complaints.approvals,
        surveys.router,
    ),
    outbound=OUTBOUND,
)
