"""Composition root: the orders service's application, routes and published events."""

from orders.adapters.http import orders, quotes, returns, sales_contracts, signatures
from orders.adapters.outbound import OUTBOUND
from orders.application import OrdersApplication
from runtime.service import ServiceSpec

SPEC = ServiceSpec(
    application=OrdersApplication,
    routers=(
        orders.router,
        signatures.documents,
        signatures.signing,
        quotes.router,
        quotes.inquiry_approvals,
        quotes.quote_approvals,
        sales_contracts.router,
        sales_contracts.contract_documents,
        sales_contracts.contract_signing,
        returns.router,
    ),
    outbound=OUTBOUND,
)
