"""Service-desk's copy of the customer file (CU-23): kept from the customers service's events,
read here. Service staff change the file itself through customers' master-data change request
(CU-14), never by editing this copy."""

from __future__ import annotations

from uuid import UUID

from contracts.customers import (
    AccountOwnerChanged,
    CreditHoldPlaced,
    CreditHoldReleased,
    CustomerApproved,
    CustomerBlacklisted,
    CustomerGradeChanged,
    CustomerProfileUpdated,
    CustomerRegistered,
    CustomerRemovedFromBlacklist,
)
from runtime.application import Feature, ServiceApplication, policy
from service_desk.domain.known_customer import Contact, KnownCustomer
from service_desk.projections import customer_files


class CustomerFiles(ServiceApplication):
    feature = Feature("customer-files", projections=(customer_files,), value_objects=(Contact,))

    def customer_file(self, customer_id: UUID) -> KnownCustomer:
        return self.get(KnownCustomer, customer_id, "customer")

    def _known(self, customer_id: UUID) -> KnownCustomer:
        # A later event may arrive before the registration (a replay from a later offset):
        # the file is still recorded, its name filled in by the next profile update.
        return self.find(KnownCustomer, customer_id) or KnownCustomer.learn(
            customer_id, legal_name="", owner_id=None
        )

    @policy(CustomerRegistered)
    def on_customer_registered(self, event: CustomerRegistered) -> None:
        if self.find(KnownCustomer, event.customer_id) is None:
            KnownCustomer.learn(event.customer_id, event.legal_name, event.owner_id)

    @policy(CustomerApproved)
    def on_customer_approved(self, event: CustomerApproved) -> None:
        self._known(event.customer_id).approve()

    @policy(CustomerProfileUpdated)
    def on_customer_profile_updated(self, event: CustomerProfileUpdated) -> None:
        """CU-23: the approved change reaches service's copy of the one file."""
        contacts = [Contact(c.name, c.role, c.phone) for c in event.contacts]
        self._known(event.customer_id).update_profile(
            event.legal_name, contacts, event.premises, event.request_id
        )

    @policy(CustomerGradeChanged)
    def on_customer_grade_changed(self, event: CustomerGradeChanged) -> None:
        self._known(event.customer_id).change_grade(event.new_grade)

    @policy(AccountOwnerChanged)
    def on_account_owner_changed(self, event: AccountOwnerChanged) -> None:
        self._known(event.customer_id).change_owners(event.owner_id, event.deputy_id)

    @policy(CreditHoldPlaced)
    def on_credit_hold_placed(self, event: CreditHoldPlaced) -> None:
        self._known(event.customer_id).hold_credit(True)

    @policy(CreditHoldReleased)
    def on_credit_hold_released(self, event: CreditHoldReleased) -> None:
        self._known(event.customer_id).hold_credit(False)

    @policy(CustomerBlacklisted)
    def on_customer_blacklisted(self, event: CustomerBlacklisted) -> None:
        self._known(event.customer_id).blacklist(True)

    @policy(CustomerRemovedFromBlacklist)
    def on_customer_removed_from_blacklist(self, event: CustomerRemovedFromBlacklist) -> None:
        customer = self._known(event.customer_id)
        customer.blacklist(False)
        customer.hold_credit(False)  # superseded by the blacklisting, lifted with it
