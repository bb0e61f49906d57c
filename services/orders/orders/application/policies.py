"""Orders keeps its own record of customer files from the customers service's events, and its
open orders follow the account to a new owner (CU-15, CU-22)."""

from __future__ import annotations

from contracts.customers import AccountOwnerChanged, CustomerApproved, CustomerRegistered
from orders.domain.known_customer import KnownCustomer
from orders.domain.order import Order
from orders.projections import open_orders_of
from runtime.application import ServiceApplication, policy


class CustomerPolicies(ServiceApplication):
    @policy(CustomerRegistered)
    def on_customer_registered(self, event: CustomerRegistered) -> None:
        if self.find(KnownCustomer, event.customer_id) is None:
            KnownCustomer.learn(event.customer_id, event.legal_name, event.owner_id)

    @policy(CustomerApproved)
    def on_customer_approved(self, event: CustomerApproved) -> None:
        customer = self.find(KnownCustomer, event.customer_id) or KnownCustomer.learn(
            event.customer_id, legal_name=""
        )
        customer.approve(event.credit_limit, event.currency)

    @policy(AccountOwnerChanged)
    def on_account_owner_changed(self, event: AccountOwnerChanged) -> None:
        """CU-15, CU-22: new orders go to the new owner, and so do the open ones."""
        customer = self.find(KnownCustomer, event.customer_id) or KnownCustomer.learn(
            event.customer_id, legal_name=""
        )
        customer.change_owner(event.owner_id)
        # The open orders come from the list table: bring it up to every order committed so far.
        self.catch_up_projections()
        with self.read_models.read() as db:
            open_orders = open_orders_of(db, event.customer_id)
        for order_id in open_orders:
            self.get(Order, order_id, "order").reassign(event.owner_id, event.handover_id)
