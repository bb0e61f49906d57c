"""The billing service's published events."""

from __future__ import annotations

from billing.domain.cash_advance import AdvanceAccount
from billing.domain.credit_exposure import CreditExposure
from billing.domain.credit_note import CreditNote
from billing.domain.instrument import Instrument
from billing.domain.invoice import Invoice
from billing.domain.payment import Payment
from billing.domain.reconciliation import ReconciliationStatement
from contracts import billing as contract
from runtime.outbound import Outbound

OUTBOUND = Outbound(
    {
        Invoice.Issued: contract.InvoiceIssued,
        Invoice.ReceiptSigned: contract.InvoiceReceiptSignedByCustomer,
        Invoice.PaidInFull: contract.InvoicePaidInFull,
        CreditNote.Issued: contract.CreditNoteIssued,
        Payment.Applied: contract.PaymentApplied,
        Instrument.Dishonoured: contract.InstrumentDishonoured,
        Invoice.Overdue: contract.ReceivableOverdue,
        ReconciliationStatement.Issued: contract.ReconciliationStatementIssued,
        ReconciliationStatement.DiscrepancyFound: contract.ReconciliationDiscrepancyFound,
        CreditExposure.CreditReserved: contract.CreditReserved,
        CreditExposure.CreditDeclined: contract.CreditDeclined,
        CreditExposure.ExposureChanged: contract.CustomerExposureChanged,
        CreditExposure.ReviewFiguresSupplied: contract.CreditReviewFiguresSupplied,
        AdvanceAccount.CashAdvanceIssued: contract.CashAdvanceIssued,
        AdvanceAccount.CashAdvanceSettled: contract.CashAdvanceSettled,
    }
)
