"""The customer's signature on an order's delivery confirmation (OR-22): a one-time link for the
customer, or the scan of the confirmation they signed on paper."""

from kernel.approvals.http import document_routes
from kernel.signing.http import signing_routes

documents = document_routes("/orders", "orders")
signing = signing_routes("/orders", "orders")
