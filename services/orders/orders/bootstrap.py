"""Composition root: the orders service's application, routes and published events."""

from orders.adapters.http import (
    claims,
    orders,
    quotes,
    returns,
    sales_contracts,
    signatures,
    special_requests,
)
from orders.adapters.outbound import OUTBOUND
from orders.application import OrdersApplication
from runtime.service import ServiceSpec

SPEC = ServiceSpec(
    application=OrdersApplication,
    routers=(
        orders.router,
        orders.tracking,
        orders.cancellation_approvals,
        signatures.documents,
        signatures.signing,
        quotes.router,
        quotes.inquiry_approvals,
        quotes.quote_approvals,
        sales_contracts.router,
        sales_contracts.contract_documents,
        sales_contracts.contract_signing,
        returns.router,
        returns.return_approvals,
        claims.router,
        claims.claim_approvals,
        special_requests.router,
        special_requests.special_fee_approvals,
        special_requests.stock_reservation_approvals,
        special_requests.service_proposal_approvals,
    ),
    outbound=OUTBOUND,
)
