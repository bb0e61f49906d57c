"""The four services' specs, by name: what the CLI starts, rebuilds and documents."""

from __future__ import annotations

from billing.bootstrap import SPEC as BILLING
from customers.bootstrap import SPEC as CUSTOMERS
from orders.bootstrap import SPEC as ORDERS
from runtime.service import ServiceSpec
from service_desk.bootstrap import SPEC as SERVICE_DESK

SPECS: dict[str, ServiceSpec] = {
    spec.name: spec for spec in (CUSTOMERS, ORDERS, SERVICE_DESK, BILLING)
}
