"""Orders keeps its own record of customer files from the customers service's events, its open
orders follow the account to a new owner (CU-15, CU-22), and it answers a customer's credit
review with the open pipeline (CU-11)."""

from __future__ import annotations

from contracts.customers import (
    AccountOwnerChanged,
    CreditReviewDue,
    CustomerApproved,
    CustomerRegistered,
)
from orders.domain.known_customer import KnownCustomer
from orders.domain.order import Order
from orders.projections import open_orders_of, pipeline_of
from orders.quote_projections import open_quotes_amount
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

    @policy(CreditReviewDue)
    def on_credit_review_due(self, event: CreditReviewDue) -> None:
        """CU-11, RULES §7 row 21: the open orders and quotes, as input to the review."""
        customer = self.find(KnownCustomer, event.customer_id) or KnownCustomer.learn(
            event.customer_id, legal_name=""
        )
        currency = customer.trading_currency
        # The figures come from the list tables: bring them up to everything committed so far.
        self.catch_up_projections()
        with self.read_models.read() as db:
            count, orders_amount = pipeline_of(db, event.customer_id, currency)
            quotes_amount = open_quotes_amount(db, event.customer_id, currency)
        customer.supply_open_pipeline(count, orders_amount, quotes_amount, event.due_since)
