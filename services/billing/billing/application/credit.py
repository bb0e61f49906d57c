"""The credit gate's ledger (BI-11, OR-18): billing keeps each customer's exposure from what
customers decided of the limit and standing and what orders asks, ships and cancels, and answers
each credit reservation request."""

from __future__ import annotations

from uuid import UUID

from billing.credit_projections import CREDIT_FIGURES, exposures
from billing.domain.credit_exposure import CreditExposure
from contracts.customers import (
    CreditHoldPlaced,
    CreditHoldReleased,
    CreditLimitChanged,
    CustomerApproved,
    CustomerBlacklisted,
    CustomerRemovedFromBlacklist,
)
from contracts.orders import (
    BackOrderCancelled,
    CreditReservationRequested,
    GoodsIssued,
    OrderCancelled,
)
from runtime.application import Feature, ServiceApplication, policy


class CreditPolicies(ServiceApplication):
    feature = Feature("credit", projections=(exposures,), figures=CREDIT_FIGURES)

    def exposure_of(self, customer_id: UUID) -> CreditExposure:
        """The customer's exposure, opened at nothing the first time it is needed."""
        found = self.find(CreditExposure, CreditExposure.id_for(customer_id))
        return found or CreditExposure.open(customer_id)

    def credit_exposure(self, customer_id: UUID) -> CreditExposure:
        return self.get(CreditExposure, CreditExposure.id_for(customer_id), "customer's exposure")

    # -- RULES §7 row 9: what customers decided

    @policy(CustomerApproved)
    def on_customer_approved_limit(self, event: CustomerApproved) -> None:
        self.exposure_of(event.customer_id).change_limit(event.credit_limit, event.currency)

    @policy(CreditLimitChanged)
    def on_credit_limit_changed(self, event: CreditLimitChanged) -> None:
        self.exposure_of(event.customer_id).change_limit(event.new_credit_limit, event.currency)

    @policy(CreditHoldPlaced)
    def on_credit_hold_placed(self, event: CreditHoldPlaced) -> None:
        self.exposure_of(event.customer_id).change_standing(credit_hold=True)

    @policy(CreditHoldReleased)
    def on_credit_hold_released(self, event: CreditHoldReleased) -> None:
        self.exposure_of(event.customer_id).change_standing(credit_hold=False)

    @policy(CustomerBlacklisted)
    def on_customer_blacklisted(self, event: CustomerBlacklisted) -> None:
        self.exposure_of(event.customer_id).change_standing(blacklisted=True)

    @policy(CustomerRemovedFromBlacklist)
    def on_customer_removed_from_blacklist(self, event: CustomerRemovedFromBlacklist) -> None:
        # The hold the blacklisting superseded is lifted with it (as orders records it).
        self.exposure_of(event.customer_id).change_standing(credit_hold=False, blacklisted=False)

    # -- OR-18: orders asks, ships and cancels

    @policy(CreditReservationRequested)
    def on_credit_reservation_requested(self, event: CreditReservationRequested) -> None:
        self.exposure_of(event.customer_id).reserve(
            event.order_id, event.amount, event.over_credit_approved, event.currency
        )

    @policy(OrderCancelled)
    def on_order_cancelled(self, event: OrderCancelled) -> None:
        self.exposure_of(event.customer_id).release(event.order_id)

    @policy(GoodsIssued)
    def on_goods_issued(self, event: GoodsIssued) -> None:
        """RULES §7 row 5: the shipment is unbilled until its invoice is issued."""
        self.exposure_of(event.customer_id).shipped(
            event.order_id, event.total, event.back_order_id
        )

    @policy(BackOrderCancelled)
    def on_back_order_cancelled(self, event: BackOrderCancelled) -> None:
        """OR-30: the rest will not ship: the credit still reserved for it is free again."""
        self.exposure_of(event.customer_id).release(event.order_id)
