"""Billing learns whose account each customer is from the customers service, and the customer's
receivables and unsubmitted invoice requests follow the account to a new owner (CU-15, CU-22)."""

from __future__ import annotations

from billing.domain.invoice import Invoice
from billing.domain.invoice_request import InvoiceRequest
from billing.domain.known_customer import KnownCustomer
from billing.invoicing_projections import open_requests_of
from billing.projections import invoices_of
from contracts.customers import AccountOwnerChanged, CustomerRegistered
from runtime.application import ServiceApplication, policy


class CustomerPolicies(ServiceApplication):
    @policy(CustomerRegistered)
    def on_customer_registered(self, event: CustomerRegistered) -> None:
        if self.find(KnownCustomer, event.customer_id) is None:
            KnownCustomer.learn(event.customer_id, event.owner_id)

    @policy(AccountOwnerChanged)
    def on_account_owner_changed(self, event: AccountOwnerChanged) -> None:
        """CU-22: the new owner pursues the customer's receivables (the unit head pursues those
        found unsettled later)."""
        customer = self.find(KnownCustomer, event.customer_id) or KnownCustomer.learn(
            event.customer_id, owner_id=None
        )
        customer.change_owner(event.owner_id)
        # The receivables come from the list table: bring it up to every invoice committed so far.
        self.catch_up_projections()
        with self.read_models.read() as db:
            receivables = invoices_of(db, event.customer_id)
            requests = open_requests_of(db, event.customer_id)
        for invoice_id in receivables:
            self.get(Invoice, invoice_id, "invoice").reassign(event.owner_id, event.handover_id)
        for request_id in requests:
            request = self.get(InvoiceRequest, request_id, "invoice request")
            request.reassign(event.owner_id, event.handover_id)
