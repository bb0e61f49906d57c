"""The customers service's published events."""

from __future__ import annotations

from contracts.customers import (
    CreditLimitChanged,
    CreditTermsChanged,
    CustomerApproved,
    CustomerGradeChanged,
    CustomerRegistered,
    CustomerRejected,
)
from customers.domain.customer import Customer
from runtime.outbound import Outbound

OUTBOUND = Outbound(
    {
        Customer.Registered: CustomerRegistered,
        Customer.Approved: CustomerApproved,
        Customer.GradeChanged: CustomerGradeChanged,
        Customer.Rejected: CustomerRejected,
        Customer.CreditTermsChanged: CreditTermsChanged,
        Customer.CreditLimitChanged: CreditLimitChanged,
    }
)
