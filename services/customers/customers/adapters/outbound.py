"""The customers service's published events."""

from __future__ import annotations

from contracts.customers import (
    CreditHoldPlaced,
    CreditHoldReleased,
    CustomerAbnormalityReported,
    CustomerApproved,
    CustomerBlacklisted,
    CustomerGradeChanged,
    CustomerRegistered,
    CustomerRemovedFromBlacklist,
)
from customers.domain.customer import Customer
from runtime.outbound import Outbound

OUTBOUND = Outbound(
    {
        Customer.Registered: CustomerRegistered,
        Customer.Approved: CustomerApproved,
        Customer.GradeChanged: CustomerGradeChanged,
        Customer.AbnormalityReported: CustomerAbnormalityReported,
        Customer.CreditHoldPlaced: CreditHoldPlaced,
        Customer.CreditHoldReleased: CreditHoldReleased,
        Customer.Blacklisted: CustomerBlacklisted,
        Customer.RemovedFromBlacklist: CustomerRemovedFromBlacklist,
    }
)
