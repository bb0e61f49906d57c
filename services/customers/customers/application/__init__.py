"""The customers application: customer files, their approval and credit limits (RULES §3.2)."""

from __future__ import annotations

from customers.application.commands import CustomerCommands
from customers.application.credit import CreditCommands
from customers.application.queries import CustomerQueries


class CustomersApplication(CustomerCommands, CustomerQueries, CreditCommands):
    service_name = "customers"
