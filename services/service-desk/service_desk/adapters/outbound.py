"""The service-desk service's published events."""

from __future__ import annotations

from contracts import service_desk as contract
from runtime.outbound import Outbound
from service_desk.domain.complaint import Complaint
from service_desk.domain.service_call import ServiceCall
from service_desk.domain.survey import Survey
from service_desk.domain.voucher import ServiceVoucher

OUTBOUND = Outbound(
    {
        ServiceVoucher.Created: contract.ServiceVoucherCreated,
        ServiceCall.Registered: contract.ServiceCallRegistered,
        ServiceCall.DiagnosisRecorded: contract.DiagnosisRecorded,
        ServiceCall.ReportSigned: contract.CustomerSignedServiceReport,
        Complaint.Classified: contract.ComplaintClassified,
        Complaint.Closed: contract.ComplaintClosed,
        Survey.ResponseRecorded: contract.SurveyResponseRecorded,
    }
)
