"""Composition root: the service-desk service's application, routes and published events."""

from runtime.service import ServiceSpec
from service_desk.adapters.http import (
    complaints,
    customer_files,
    daily_reports,
    maintenance_contracts,
    repairs,
    service_calls,
    spare_parts,
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
        repairs.router,
        repairs.approvals,
        repairs.signing,
        spare_parts.router,
        spare_parts.requisition_approvals,
        spare_parts.freight_approvals,
        daily_reports.router,
        daily_reports.approvals,
        complaints.router,
        complaints.approvals,
        surveys.router,
        maintenance_contracts.router,
        maintenance_contracts.approvals,
        maintenance_contracts.signing,
    ),
    outbound=OUTBOUND,
)
