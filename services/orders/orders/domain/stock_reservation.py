"""Stock held for the products a customer buys regularly (OR-33, 客户常用产品备库).

The salesperson asks for it with the products and quantities and why the customer needs them
held; the sales manager approves it through the authority matrix's ``stock_reservation`` chain
(``StockReservationApproved``). The warehouse keeper sets the stock aside only once approved, and
it is released when no longer needed."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Self
from uuid import UUID

from kernel.approvals.domain import Approvable, ApprovalState
from kernel.roles import SALES, Role
from orders.domain.known_customer import KnownCustomer, trading_customer
from orders.domain.staff import acting_as
from runtime.aggregate import RuleViolation

STOCK_RESERVATION = "stock_reservation"
"""The authority matrix's chain: the sales manager."""


@dataclass(frozen=True)
class ReservedProduct:
    product_code: str
    description: str
    quantity: int


class ReservationStatus(StrEnum):
    PENDING_APPROVAL = "pending_approval"
    APPROVED = "approved"
    REJECTED = "rejected"
    HELD = "held"
    """The warehouse keeper set the stock aside."""
    RELEASED = "released"


class StockReservation(Approvable):
    document_type = "stock_reservation"

    def __init__(self) -> None:
        self.customer_id: UUID
        self.products: tuple[ReservedProduct, ...]
        self.reason: str
        self.requested_by: str
        self.status = ReservationStatus.PENDING_APPROVAL
        self.held_by: str | None = None

    class Requested(Approvable.Created):
        customer_id: UUID
        products: tuple[ReservedProduct, ...]
        reason: str
        requested_by: str

        def apply(self, reservation: StockReservation) -> None:
            super().apply(reservation)
            reservation.products = tuple(self.products)  # a list once stored as JSON

    class Approved(Approvable.Event):
        """OR-33 (``StockReservationApproved``)."""

        customer_id: UUID
        products: tuple[ReservedProduct, ...]
        approval_ids: tuple[UUID, ...]

        def apply(self, reservation: StockReservation) -> None:
            reservation.status = ReservationStatus.APPROVED

    class Rejected(Approvable.Event):
        reason: str
        approval_ids: tuple[UUID, ...]

        def apply(self, reservation: StockReservation) -> None:
            reservation.status = ReservationStatus.REJECTED

    class Held(Approvable.Event):
        held_by: str

        def apply(self, reservation: StockReservation) -> None:
            reservation.status, reservation.held_by = ReservationStatus.HELD, self.held_by

    class Released(Approvable.Event):
        released_by: str
        reason: str

        def apply(self, reservation: StockReservation) -> None:
            reservation.status = ReservationStatus.RELEASED

    @classmethod
    def request(
        cls,
        customer: KnownCustomer | None,
        products: tuple[ReservedProduct, ...],
        reason: str,
        requested_by: str,
        roles: frozenset[str],
    ) -> Self:
        acting_as(SALES, roles, "OR-33", "asking to hold stock for a customer")
        known = trading_customer(customer)
        # OR-33: the manager approves named products in stated quantities, for a stated need.
        if not products or any(p.quantity <= 0 for p in products):
            raise RuleViolation("OR-33", "stock is held for named products in positive quantities")
        codes = [p.product_code for p in products]
        if len(set(codes)) != len(codes):
            raise RuleViolation("OR-33", "each product is named once", products=codes)
        if not reason.strip():
            raise RuleViolation("OR-33", "the request says why the customer needs it held")
        return cls._create(
            cls.Requested,
            customer_id=known.id,
            products=products,
            reason=reason,
            requested_by=requested_by,
        )

    def hold(self, keeper: str, roles: frozenset[str]) -> None:
        acting_as((Role.WAREHOUSE_KEEPER,), roles, "OR-33", "setting stock aside")
        # OR-33: no stock is held for a customer without the sales manager's approval.
        if self.status is not ReservationStatus.APPROVED:
            raise RuleViolation(
                "OR-33",
                "stock is held for a customer only once the sales manager approved it",
                status=self.status,
            )
        self.trigger_event(self.Held, held_by=keeper)

    def release(self, by: str, reason: str) -> None:
        if self.status not in (ReservationStatus.APPROVED, ReservationStatus.HELD):
            raise RuleViolation(
                "OR-33", "only stock approved or held is released", status=self.status
            )
        if not reason.strip():
            raise RuleViolation("OR-33", "a release says why the stock is no longer held")
        self.trigger_event(self.Released, released_by=by, reason=reason)

    # -- the approval (OR-33)

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "customer_id": str(self.customer_id),
            "products": [vars(p) for p in self.products],
            "reason": self.reason,
        }

    def interested_parties(self) -> set[str]:
        return {self.requested_by}

    def on_approved(self, approval: ApprovalState) -> None:
        self.trigger_event(
            self.Approved,
            customer_id=self.customer_id,
            products=self.products,
            approval_ids=(approval.approval_id,),
        )

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        self.trigger_event(self.Rejected, reason=reason, approval_ids=(approval.approval_id,))
