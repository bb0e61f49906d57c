"""Composition root: the customers service's application, routes and published events."""

from customers.adapters.http import (
    account_records,
    care,
    credit,
    customers,
    information_policy,
    master_data,
    ownership,
    risk,
)
from customers.adapters.outbound import OUTBOUND
from customers.application import CustomersApplication
from runtime.service import ServiceSpec

SPEC = ServiceSpec(
    application=CustomersApplication,
    routers=(
        customers.router,
        customers.approvals,
        credit.router,
        risk.router,
        risk.approvals,
        ownership.router,
        master_data.router,
        master_data.approvals,
        account_records.router,
        care.router,
        information_policy.router,
        information_policy.approvals,
    ),
    outbound=OUTBOUND,
)
