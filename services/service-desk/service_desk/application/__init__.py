"""The service-desk application: service vouchers, field service, complaints, surveys
and maintenance contracts (RULES §3.4)."""

from __future__ import annotations

from kernel.approvals import Approvals
from kernel.audit import AuditTrail
from kernel.governance import Governance
from service_desk.application.complaints import ComplaintCommands
from service_desk.application.customer_files import CustomerFiles
from service_desk.application.daily_reports import DailyReportCommands
from service_desk.application.maintenance_contracts import MaintenanceContractCommands
from service_desk.application.metrics import ServiceDeskMetrics
from service_desk.application.policies import AdvancePolicies, DeliveryPolicies
from service_desk.application.queries import VoucherQueries
from service_desk.application.repairs import RepairCommands
from service_desk.application.service_calls import ServiceCallCommands
from service_desk.application.spare_parts import SparePartCommands
from service_desk.application.surveys import SurveyCommands


class ServiceDeskApplication(
    DeliveryPolicies,
    AdvancePolicies,
    CustomerFiles,
    VoucherQueries,
    ServiceCallCommands,
    RepairCommands,
    SparePartCommands,
    DailyReportCommands,
    ComplaintCommands,
    SurveyCommands,
    MaintenanceContractCommands,
    ServiceDeskMetrics,
    Approvals,
    Governance,
    AuditTrail,
):
    service_name = "service-desk"
