"""The service-desk service's published events."""

from __future__ import annotations

from contracts import service_desk as contract
from runtime.outbound import Outbound
from service_desk.domain.complaint import Complaint
from service_desk.domain.freight import FreightCost
from service_desk.domain.maintenance_contract import MaintenanceContract
from service_desk.domain.repair import Repair
from service_desk.domain.service_call import ServiceCall
from service_desk.domain.spare_parts import SparePartRequisition
from service_desk.domain.supplier_claim import SupplierClaim
from service_desk.domain.survey import Survey
from service_desk.domain.voucher import ServiceVoucher

OUTBOUND = Outbound(
    {
        ServiceVoucher.Created: contract.ServiceVoucherCreated,
        ServiceCall.Registered: contract.ServiceCallRegistered,
        ServiceCall.DiagnosisRecorded: contract.DiagnosisRecorded,
        ServiceCall.ReportSigned: contract.CustomerSignedServiceReport,
        ServiceCall.FeeCollectedOnSite: contract.ServiceFeeCollectedOnSite,
        ServiceCall.InvoiceRequested: contract.ServiceInvoiceRequested,
        Repair.InvoiceRequested: contract.ServiceInvoiceRequested,
        SparePartRequisition.WrittenOff: contract.SparePartWrittenOff,
        FreightCost.WrittenOff: contract.FreightWrittenOff,
        SupplierClaim.Filed: contract.SupplierClaimFiled,
        SupplierClaim.Settled: contract.SupplierClaimSettled,
        Complaint.Classified: contract.ComplaintClassified,
        Complaint.Closed: contract.ComplaintClosed,
        Survey.ResponseRecorded: contract.SurveyResponseRecorded,
        MaintenanceContract.ExpiryNoticeDue: contract.MaintenanceContractExpiryNoticeDue,
        MaintenanceContract.ExpiryNoticeSent: contract.MaintenanceContractExpiryNoticeSent,
        MaintenanceContract.Signed: contract.MaintenanceContractSigned,
        MaintenanceContract.Renewed: contract.MaintenanceContractRenewed,
    }
)
