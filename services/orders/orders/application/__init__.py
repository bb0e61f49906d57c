"""The orders application: leads, inquiries and quotes, sales contracts, sales orders, shipping
and delivery, returns (RULES §3.3)."""

from __future__ import annotations

from orders.application.cancellations import CancellationCommands
from orders.application.claims import ClaimCommands
from orders.application.commands import OrderCommands
from orders.application.credit_policies import CreditGatePolicies
from orders.application.grade_policies import CustomerGradePolicies
from orders.application.metrics import OrderMetrics
from orders.application.outbound_archive import OutboundArchiveCommands
from orders.application.policies import CustomerPolicies
from orders.application.queries import OrderQueries
from orders.application.quotes import QuoteCommands
from orders.application.returns import ReturnCommands
from orders.application.risk_policies import CustomerRiskPolicies
from orders.application.sales_contracts import SalesContractCommands
from orders.application.special_requests import SpecialRequestCommands


class OrdersApplication(
    OrderCommands,
    CancellationCommands,
    CreditGatePolicies,
    CustomerPolicies,
    CustomerRiskPolicies,
    OrderQueries,
    QuoteCommands,
    CustomerGradePolicies,
    SalesContractCommands,
    ReturnCommands,
    SpecialRequestCommands,
    ClaimCommands,
    OutboundArchiveCommands,
    OrderMetrics,
):
    service_name = "orders"
