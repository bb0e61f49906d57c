"""The billing service's published events."""

from __future__ import annotations

from billing.domain.invoice import Invoice
from billing.domain.payment import Payment
from contracts.billing import (
    InvoiceIssued,
    InvoiceReceiptSignedByCustomer,
    PaymentApplied,
    ReceivableOverdue,
)
from runtime.outbound import Outbound

OUTBOUND = Outbound(
    {
        Invoice.Issued: InvoiceIssued,
        Invoice.ReceiptSigned: InvoiceReceiptSignedByCustomer,
        Payment.Applied: PaymentApplied,
        Invoice.Overdue: ReceivableOverdue,
    }
)
