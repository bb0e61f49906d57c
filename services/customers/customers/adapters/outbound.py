"""The customers service's published events."""

from __future__ import annotations

from contracts.customers import (
    AccountOwnerChanged,
    AccountOwnerHandoverSigned,
    CreditHoldPlaced,
    CreditHoldReleased,
    CreditLimitChanged,
    CreditReviewDue,
    CreditTermsChanged,
    CustomerAbnormalityReported,
    CustomerApproved,
    CustomerBlacklisted,
    CustomerDataReturned,
    CustomerGradeChanged,
    CustomerProfileUpdated,
    CustomerRegistered,
    CustomerRejected,
    CustomerRemovedFromBlacklist,
)
from customers.domain.customer import Customer
from customers.domain.handover import Handover
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
        Customer.OwnersAssigned: AccountOwnerChanged,
        Handover.Signed: AccountOwnerHandoverSigned,
        Customer.Rejected: CustomerRejected,
        Customer.CreditTermsChanged: CreditTermsChanged,
        Customer.CreditLimitChanged: CreditLimitChanged,
        Customer.MasterDataChanged: CustomerProfileUpdated,
        Handover.DataReturned: CustomerDataReturned,
        Customer.CreditReviewDue: CreditReviewDue,
    }
)
