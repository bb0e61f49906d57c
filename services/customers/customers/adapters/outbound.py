"""The customers service's published events."""

from __future__ import annotations

from contracts.customers import (
    AccountOwnerChanged,
    AccountOwnerHandoverSigned,
    CustomerApproved,
    CustomerGradeChanged,
    CustomerRegistered,
)
from customers.domain.customer import Customer
from customers.domain.handover import Handover
from runtime.outbound import Outbound

OUTBOUND = Outbound(
    {
        Customer.Registered: CustomerRegistered,
        Customer.Approved: CustomerApproved,
        Customer.GradeChanged: CustomerGradeChanged,
        Customer.OwnersAssigned: AccountOwnerChanged,
        Handover.Signed: AccountOwnerHandoverSigned,
    }
)
