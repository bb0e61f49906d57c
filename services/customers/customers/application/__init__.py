"""The customers application: customer files, their approval and credit limits (RULES §3.2)."""

from __future__ import annotations

from customers.application.account_records import AccountRecordCommands
from customers.application.care import CareCommands
from customers.application.commands import CustomerCommands
from customers.application.credit import CreditCommands
from customers.application.information_policy import InformationPolicyCommands
from customers.application.master_data import MasterDataCommands
from customers.application.metrics import CustomerMetrics
from customers.application.ownership import OwnershipCommands
from customers.application.queries import CustomerQueries
from customers.application.risk import RiskPolicies


class CustomersApplication(
    CustomerCommands,
    RiskPolicies,
    CreditCommands,
    CustomerQueries,
    OwnershipCommands,
    MasterDataCommands,
    AccountRecordCommands,
    CareCommands,
    InformationPolicyCommands,
    CustomerMetrics,
):
    service_name = "customers"
