"""Orders keeps its own record of customer files from the customers service's events."""

from __future__ import annotations

from contracts.customers import CustomerApproved, CustomerRegistered
from orders.domain.known_customer import KnownCustomer
from runtime.application import ServiceApplication, policy


class CustomerPolicies(ServiceApplication):
    @policy(CustomerRegistered)
    def on_customer_registered(self, event: CustomerRegistered) -> None:
        if self.find(KnownCustomer, event.customer_id) is None:
            KnownCustomer.learn(event.customer_id, event.legal_name)

    @policy(CustomerApproved)
    def on_customer_approved(self, event: CustomerApproved) -> None:
        customer = self.find(KnownCustomer, event.customer_id) or KnownCustomer.learn(
            event.customer_id, legal_name=""
        )
        customer.approve(event.credit_limit, event.currency)
