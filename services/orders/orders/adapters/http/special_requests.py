"""HTTP commands and queries of what the sales department asks the managers to approve on a
customer's behalf: special fees (OR-15), stock held for a customer (OR-33) and service proposals
(OR-34). The decisions are the kernel's approval routes on each
document."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from contracts.values import Amount, Code, LongText, Quantity, ShortText
from kernel.approvals.http import document_routes
from kernel.roles import SALES, Role
from orders.application import OrdersApplication
from orders.domain.service_proposal import Contributor
from orders.domain.special_fee import FeeType, PaymentForm
from orders.domain.stock_reservation import ReservedProduct
from orders.request_projections import (
    SERVICE_PROPOSALS,
    SPECIAL_FEES,
    STOCK_RESERVATIONS,
    ServiceProposalSummary,
    SpecialFeeView,
    StockReservationView,
)
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.transcoding import value_object
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest

router = APIRouter(tags=["special-requests"])
special_fee_approvals = document_routes("/special-fees", "special-requests")
"""OR-15: the sales manager agrees, then leadership approves the form of payment."""
stock_reservation_approvals = document_routes("/stock-reservations", "special-requests")
"""OR-33: the sales manager approves stock held for a customer's regular products."""
service_proposal_approvals = document_routes("/service-proposals", "special-requests")
"""OR-34: the sales manager reviews the proposal, finance its price."""

App = Annotated[OrdersApplication, Depends(application_of(OrdersApplication))]
Sales = Annotated[CommandContext, Depends(acting_as(*SALES))]
CONTRIBUTORS = (Role.TECHNICAL_DEPARTMENT, Role.SERVICE_DEPARTMENT, Role.CS_MANAGER)
"""OR-34: who adds their part to a service proposal; the proposal says which part is whose."""
READERS = (
    *SALES,
    *CONTRIBUTORS,
    Role.SALES_MANAGER,
    Role.LEADERSHIP_GM,
    Role.LEADERSHIP_DGM,
    Role.FINANCE,
    Role.WAREHOUSE_KEEPER,
)
Reader = Annotated[Principal, Depends(requires(*READERS))]
Keeper = Annotated[CommandContext, Depends(acting_as(Role.WAREHOUSE_KEEPER))]
StockActor = Annotated[CommandContext, Depends(acting_as(*SALES, Role.WAREHOUSE_KEEPER))]
Contributing = Annotated[CommandContext, Depends(acting_as(*CONTRIBUTORS))]


# -- OR-15: special fees


class RequestSpecialFee(BaseModel):
    customer_id: UUID
    fee_type: FeeType
    amount: Amount
    payment_form: PaymentForm = Field(description="OR-15: how it would be paid")
    purpose: LongText = Field(description="What the customer asks the fee for")


@router.post("/special-fees", status_code=201)
async def request_special_fee(context: Sales, body: RequestSpecialFee, app: App) -> SpecialFeeView:
    """Record the customer's request for the sales manager and leadership to decide (OR-15)."""
    fee = await app.perform(
        app.request_special_fee,
        context,
        body.customer_id,
        body.fee_type,
        body.amount,
        body.payment_form,
        body.purpose,
    )
    return SpecialFeeView.model_validate(fee)


@router.post("/special-fees/{fee_id}/promise")
async def promise_special_fee(context: Sales, fee_id: UUID, app: App) -> SpecialFeeView:
    """Promise the approved fee to the customer; refused before the approval (OR-15)."""
    fee = await app.perform(app.promise_special_fee, context, fee_id)
    return SpecialFeeView.model_validate(fee)


@router.get("/special-fees")
def list_special_fees(
    _: Reader, query: Annotated[PageRequest, Depends(SPECIAL_FEES.query)], app: App
) -> Page[SpecialFeeView]:
    """Special fees; ``status=...``, ``customer_id=...``."""
    return app.read_models.page(SPECIAL_FEES, query)


@router.get("/special-fees/{fee_id}")
def get_special_fee(_: Reader, fee_id: UUID, app: App) -> SpecialFeeView:
    return SpecialFeeView.model_validate(app.special_fee(fee_id))


# -- OR-33: stock held for a customer's regular products


class Product(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    product_code: Code
    description: ShortText = ""
    quantity: Quantity


class RequestStockReservation(BaseModel):
    customer_id: UUID
    products: list[Product] = Field(min_length=1, max_length=200)
    reason: LongText = Field(description="Why the customer needs these products held")


class Release(BaseModel):
    reason: LongText


class StockReservationDetail(StockReservationView):
    products: list[Product]


@router.post("/stock-reservations", status_code=201)
async def request_stock_reservation(
    context: Sales, body: RequestStockReservation, app: App
) -> StockReservationDetail:
    """Ask the sales manager to hold stock of a customer's regular products (OR-33)."""
    products = tuple(value_object(ReservedProduct, p) for p in body.products)
    reservation = await app.perform(
        app.request_stock_reservation, context, body.customer_id, products, body.reason
    )
    return StockReservationDetail.model_validate(reservation)


@router.post("/stock-reservations/{reservation_id}/hold")
async def hold_stock(context: Keeper, reservation_id: UUID, app: App) -> StockReservationDetail:
    """The warehouse keeper sets the stock aside; refused before the approval (OR-33)."""
    reservation = await app.perform(app.hold_stock, context, reservation_id)
    return StockReservationDetail.model_validate(reservation)


@router.post("/stock-reservations/{reservation_id}/release")
async def release_stock(
    context: StockActor, reservation_id: UUID, body: Release, app: App
) -> StockReservationDetail:
    reservation = await app.perform(app.release_stock, context, reservation_id, body.reason)
    return StockReservationDetail.model_validate(reservation)


@router.get("/stock-reservations")
def list_stock_reservations(
    _: Reader, query: Annotated[PageRequest, Depends(STOCK_RESERVATIONS.query)], app: App
) -> Page[StockReservationView]:
    """Stock held or asked to be held; ``status=...``, ``customer_id=...``."""
    return app.read_models.page(STOCK_RESERVATIONS, query)


@router.get("/stock-reservations/{reservation_id}")
def get_stock_reservation(_: Reader, reservation_id: UUID, app: App) -> StockReservationDetail:
    return StockReservationDetail.model_validate(app.stock_reservation(reservation_id))


# -- OR-34: service proposals


class DraftServiceProposal(BaseModel):
    customer_id: UUID
    content: LongText = Field(description="OR-34: the services offered")
    standards: LongText = Field(description="OR-34: the service standards")
    process: LongText = Field(description="OR-34: the service process")
    price: Amount
    value_added: LongText = Field(description="OR-34: the value-added services")


class Contribution(BaseModel):
    department: Contributor
    contribution: LongText


class ServiceProposalView(ServiceProposalSummary):
    content: str
    standards: str
    process: str
    value_added: str
    contributions: dict[Contributor, str] = Field(
        description="OR-34: each department's part (technical, customer service)"
    )


@router.post("/service-proposals", status_code=201)
async def draft_service_proposal(
    context: Sales, body: DraftServiceProposal, app: App
) -> ServiceProposalView:
    """The service-sales side drafts the tailored proposal (OR-34)."""
    proposal = await app.perform(
        app.draft_service_proposal,
        context,
        body.customer_id,
        body.content,
        body.standards,
        body.process,
        body.price,
        body.value_added,
    )
    return ServiceProposalView.model_validate(proposal)


@router.post("/service-proposals/{proposal_id}/contributions")
async def contribute_to_service_proposal(
    context: Contributing, proposal_id: UUID, body: Contribution, app: App
) -> ServiceProposalView:
    """The technical department or customer service adds its part (OR-34)."""
    proposal = await app.perform(
        app.contribute_to_service_proposal,
        context,
        proposal_id,
        body.department,
        body.contribution,
    )
    return ServiceProposalView.model_validate(proposal)


@router.post("/service-proposals/{proposal_id}/submission")
async def submit_service_proposal(
    context: Sales, proposal_id: UUID, app: App
) -> ServiceProposalView:
    """To the sales manager, then finance for the price (OR-34)."""
    proposal = await app.perform(app.submit_service_proposal, context, proposal_id)
    return ServiceProposalView.model_validate(proposal)


@router.post("/service-proposals/{proposal_id}/offer")
async def offer_service_proposal(
    context: Sales, proposal_id: UUID, app: App
) -> ServiceProposalView:
    """Offer the approved proposal to the customer; refused before the approval (OR-34)."""
    proposal = await app.perform(app.offer_service_proposal, context, proposal_id)
    return ServiceProposalView.model_validate(proposal)


@router.get("/service-proposals")
def list_service_proposals(
    _: Reader, query: Annotated[PageRequest, Depends(SERVICE_PROPOSALS.query)], app: App
) -> Page[ServiceProposalSummary]:
    """Service proposals; ``status=...``, ``customer_id=...``."""
    return app.read_models.page(SERVICE_PROPOSALS, query)


@router.get("/service-proposals/{proposal_id}")
def get_service_proposal(_: Reader, proposal_id: UUID, app: App) -> ServiceProposalView:
    return ServiceProposalView.model_validate(app.service_proposal(proposal_id))
