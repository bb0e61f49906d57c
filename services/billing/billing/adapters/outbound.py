"""The billing service's published events."""

from __future__ import annotations

from billing.domain.invoice import Invoice
from contracts.billing import InvoiceIssued
from runtime.outbound import Outbound

OUTBOUND = Outbound({Invoice.Issued: InvoiceIssued})
