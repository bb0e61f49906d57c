"""The customers service's published events."""

from __future__ import annotations

from contracts.customers import CustomerApproved, CustomerGradeChanged, CustomerRegistered
from customers.domain.customer import Customer
from runtime.outbound import Outbound

OUTBOUND = Outbound(
    {
        Customer.Registered: CustomerRegistered,
        Customer.Approved: CustomerApproved,
        Customer.GradeChanged: CustomerGradeChanged,
    }
)
