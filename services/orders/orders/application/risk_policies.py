"""Orders learns the customer's standing from the customers service (CU-06, CU-13)."""

from __future__ import annotations

from uuid import UUID

from contracts.customers import (
    CreditHoldPlaced,
    CreditHoldReleased,
    CustomerBlacklisted,
    CustomerRemovedFromBlacklist,
)
from orders.domain.known_customer import KnownCustomer
from runtime.application import ServiceApplication, policy


class CustomerRiskPolicies(ServiceApplication):
    def _known(self, customer_id: UUID) -> KnownCustomer:
        # The standing may arrive before the file: orders still records it.
        return self.find(KnownCustomer, customer_id) or KnownCustomer.learn(
            customer_id, legal_name=""
        )

    @policy(CreditHoldPlaced)
    def on_credit_hold_placed(self, event: CreditHoldPlaced) -> None:
        self._known(event.customer_id).hold_credit(True)

    @policy(CreditHoldReleased)
    def on_credit_hold_released(self, event: CreditHoldReleased) -> None:
        self._known(event.customer_id).hold_credit(False)

    @policy(CustomerBlacklisted)
    def on_customer_blacklisted(self, event: CustomerBlacklisted) -> None:
        """CU-06: from now on, orders refuses every new transaction with the customer."""
        self._known(event.customer_id).blacklist(True)

    @policy(CustomerRemovedFromBlacklist)
    def on_customer_removed_from_blacklist(self, event: CustomerRemovedFromBlacklist) -> None:
        customer = self._known(event.customer_id)
        customer.blacklist(False)
        customer.hold_credit(False)  # superseded by the blacklisting, lifted with it
