"""Commands of what the sales department asks the managers to approve on a customer's behalf:
special fees (OR-15), stock held for a customer's regular products (OR-33) and service proposals
(OR-34), each through its chain of the authority matrix."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from kernel.approvals import Approvals
from orders.domain.known_customer import KnownCustomer
from orders.domain.service_proposal import SERVICE_PROPOSAL, Contributor, ServiceProposal
from orders.domain.special_fee import SPECIAL_FEE, FeeType, PaymentForm, SpecialFee
from orders.domain.stock_reservation import STOCK_RESERVATION, ReservedProduct, StockReservation
from orders.request_projections import service_proposals, special_fees, stock_reservations
from runtime.application import Feature, command
from runtime.unit_of_work import CommandContext


class SpecialRequestCommands(Approvals):
    feature = Feature(
        "special-requests",
        projections=(special_fees, stock_reservations, service_proposals),
        value_objects=(ReservedProduct,),
    )

    # -- OR-15: special fees

    @command
    def request_special_fee(
        self,
        context: CommandContext,
        customer_id: UUID,
        fee_type: FeeType,
        amount: Decimal,
        payment_form: PaymentForm,
        purpose: str,
    ) -> SpecialFee:
        """OR-15: to the sales manager, then to leadership for the form of payment."""
        fee = SpecialFee.request(
            self.find(KnownCustomer, customer_id),
            fee_type,
            amount,
            payment_form,
            purpose,
            context.actor,
            context.roles,
        )
        self.request_approval(fee, SPECIAL_FEE, context.actor, amount)
        return fee

    @command
    def promise_special_fee(self, context: CommandContext, fee_id: UUID) -> SpecialFee:
        fee = self.special_fee(fee_id)
        fee.promise(context.actor)
        return fee

    def special_fee(self, fee_id: UUID) -> SpecialFee:
        return self.get(SpecialFee, fee_id, "special fee")

    # -- OR-33: stock held for a customer's regular products

    @command
    def request_stock_reservation(
        self,
        context: CommandContext,
        customer_id: UUID,
        products: tuple[ReservedProduct, ...],
        reason: str,
    ) -> StockReservation:
        """OR-33: to the sales manager."""
        reservation = StockReservation.request(
            self.find(KnownCustomer, customer_id), products, reason, context.actor, context.roles
        )
        self.request_approval(reservation, STOCK_RESERVATION, context.actor)
        return reservation

    @command
    def hold_stock(self, context: CommandContext, reservation_id: UUID) -> StockReservation:
        reservation = self.stock_reservation(reservation_id)
        reservation.hold(context.actor, context.roles)
        return reservation

    @command
    def release_stock(
        self, context: CommandContext, reservation_id: UUID, reason: str
    ) -> StockReservation:
        reservation = self.stock_reservation(reservation_id)
        reservation.release(context.actor, reason)
        return reservation

    def stock_reservation(self, reservation_id: UUID) -> StockReservation:
        return self.get(StockReservation, reservation_id, "stock reservation")

    # -- OR-34: service proposals

    @command
    def draft_service_proposal(
        self,
        context: CommandContext,
        customer_id: UUID,
        content: str,
        standards: str,
        process: str,
        price: Decimal,
        value_added: str,
    ) -> ServiceProposal:
        return ServiceProposal.draft(
            self.find(KnownCustomer, customer_id),
            content,
            standards,
            process,
            price,
            value_added,
            context.actor,
            context.roles,
        )

    @command
    def contribute_to_service_proposal(
        self,
        context: CommandContext,
        proposal_id: UUID,
        department: Contributor,
        contribution: str,
    ) -> ServiceProposal:
        proposal = self.service_proposal(proposal_id)
        proposal.contribute(department, contribution, context.actor, context.roles)
        return proposal

    @command
    def submit_service_proposal(
        self, context: CommandContext, proposal_id: UUID
    ) -> ServiceProposal:
        """OR-34: to the sales manager, then to finance for the price."""
        proposal = self.service_proposal(proposal_id)
        proposal.submit(context.actor)
        self.request_approval(proposal, SERVICE_PROPOSAL, context.actor, proposal.price)
        return proposal

    @command
    def offer_service_proposal(self, context: CommandContext, proposal_id: UUID) -> ServiceProposal:
        proposal = self.service_proposal(proposal_id)
        proposal.offer(context.actor)
        return proposal

    def service_proposal(self, proposal_id: UUID) -> ServiceProposal:
        return self.get(ServiceProposal, proposal_id, "service proposal")
