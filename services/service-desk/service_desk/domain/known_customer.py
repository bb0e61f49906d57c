"""Service-desk's copy of the customers service's customer file (CU-23), built from its events:
one file shared with sales, read here, never edited here."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Self
from uuid import UUID

from runtime.aggregate import Aggregate


@dataclass(frozen=True)
class Contact:
    """A responsible person at the customer, as the customers service recorded them."""

    name: str
    role: str
    phone: str


class KnownCustomer(Aggregate):
    """Keyed by the customer's id: the customers service's id is the public identity."""

    def __init__(self) -> None:
        self.legal_name: str
        self.owner_id: str | None
        self.deputy_id: str | None = None
        self.approved = False
        self.contacts: tuple[Contact, ...] = ()
        self.premises: tuple[str, ...] = ()
        self.grade: str | None = None
        # CU-06, CU-13: what customers decided of the customer's standing.
        self.credit_hold = False
        self.blacklisted = False

    class Registered(Aggregate.Created):
        legal_name: str
        owner_id: str | None

    class Approved(Aggregate.Event):
        def apply(self, customer: KnownCustomer) -> None:
            customer.approved = True

    class ProfileUpdated(Aggregate.Event):
        """CU-14: an approved change of the master data, as customers published it."""

        legal_name: str
        contacts: tuple[Contact, ...]
        premises: tuple[str, ...]
        request_id: UUID

        def apply(self, customer: KnownCustomer) -> None:
            customer.legal_name = self.legal_name
            customer.contacts, customer.premises = tuple(self.contacts), tuple(self.premises)

    class GradeChanged(Aggregate.Event):
        grade: str

        def apply(self, customer: KnownCustomer) -> None:
            customer.grade = self.grade

    class OwnersChanged(Aggregate.Event):
        owner_id: str
        deputy_id: str | None

        def apply(self, customer: KnownCustomer) -> None:
            customer.owner_id, customer.deputy_id = self.owner_id, self.deputy_id

    class CreditHoldChanged(Aggregate.Event):
        held: bool

        def apply(self, customer: KnownCustomer) -> None:
            customer.credit_hold = self.held

    class BlacklistChanged(Aggregate.Event):
        blacklisted: bool

        def apply(self, customer: KnownCustomer) -> None:
            customer.blacklisted = self.blacklisted

    @classmethod
    def learn(cls, customer_id: UUID, legal_name: str, owner_id: str | None) -> Self:
        return cls._create(cls.Registered, id=customer_id, legal_name=legal_name, owner_id=owner_id)

    def approve(self) -> None:
        if not self.approved:
            self.trigger_event(self.Approved)

    def update_profile(
        self,
        legal_name: str,
        contacts: Collection[Contact],
        premises: Collection[str],
        request_id: UUID,
    ) -> None:
        self.trigger_event(
            self.ProfileUpdated,
            legal_name=legal_name,
            contacts=tuple(contacts),
            premises=tuple(premises),
            request_id=request_id,
        )

    def change_grade(self, grade: str) -> None:
        if grade != self.grade:
            self.trigger_event(self.GradeChanged, grade=grade)

    def change_owners(self, owner_id: str, deputy_id: str | None) -> None:
        if (owner_id, deputy_id) != (self.owner_id, self.deputy_id):
            self.trigger_event(self.OwnersChanged, owner_id=owner_id, deputy_id=deputy_id)

    def hold_credit(self, held: bool) -> None:
        if held != self.credit_hold:
            self.trigger_event(self.CreditHoldChanged, held=held)

    def blacklist(self, blacklisted: bool) -> None:
        if blacklisted != self.blacklisted:
            self.trigger_event(self.BlacklistChanged, blacklisted=blacklisted)
