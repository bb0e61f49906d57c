"""The orders application: sales orders, shipping and delivery (RULES §3.3)."""

from __future__ import annotations

from orders.application.commands import OrderCommands
from orders.application.policies import CustomerPolicies
from orders.application.queries import OrderQueries
from orders.application.risk_policies import CustomerRiskPolicies


class OrdersApplication(OrderCommands, CustomerPolicies, CustomerRiskPolicies, OrderQueries):
    service_name = "orders"
