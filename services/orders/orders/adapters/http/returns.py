"""HTTP commands and queries of returns (RULES §4.4): requested through the salesperson (OR-24),
checked (OR-25), the return detail submitted (OR-27), the red outbound order and the warehouse
receipt (OR-28, OR-29). The decisions are the kernel's approval routes on the return
(``/returns/{id}/approval``, ``.../approval/grant``, ``.../approval/reject``), the steps of the
authority matrix's ``return`` chain: the branch manager's confirmation (OR-24), the technical
department's authentication, a rejection when the goods are not genuine (OR-26), and the sales
manager's approval of the return detail (OR-27)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from contracts.values import Code, Price, Quantity, ShortText
from kernel.approvals.http import document_routes
from kernel.roles import Role
from orders.application import OrdersApplication
from orders.return_projections import RETURNS, ReturnSummary
from runtime.auth import Principal, acting_as, requires
from runtime.http import application_of
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest

router = APIRouter(tags=["returns"])
return_approvals = document_routes("/returns", "returns")
"""OR-24, OR-26, OR-27: the branch manager, technical authentication, the sales manager."""

App = Annotated[OrdersApplication, Depends(application_of(OrdersApplication))]
ROLES = (Role.SALESPERSON, Role.SALES_CLERK, Role.WAREHOUSE_KEEPER)
"""Who takes the steps that are not decisions; each step's own rule says which of them."""
DECIDERS = (Role.BRANCH_MANAGER, Role.TECHNICAL_DEPARTMENT, Role.SALES_MANAGER)
Actor = Annotated[CommandContext, Depends(acting_as(*ROLES))]
Reader = Annotated[Principal, Depends(requires(*ROLES, *DECIDERS, Role.FINANCE))]


class Line(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    product_code: Code
    description: ShortText = ""
    quantity: Quantity


class PricedLine(Line):
    unit_price: Price


class RequestReturn(BaseModel):
    order_id: UUID
    reason_code: Code = Field(description="OR-29: one of the configured return reasons")


class Verify(BaseModel):
    lines: list[Line] = Field(min_length=1, max_length=200)


class Count(BaseModel):
    counted: dict[Code, int] = Field(max_length=200, description="Product code -> units counted")


class ReturnView(ReturnSummary):
    currency: str
    delivered: list[PricedLine] = Field(description="OR-25: the original order's lines")
    lines: list[PricedLine] = Field(description="OR-25: what the salesperson checked")


def _view(app: OrdersApplication, return_id: UUID) -> ReturnView:
    return ReturnView.model_validate(app.product_return(return_id))


@router.post("/returns", status_code=201)
async def request_return(context: Actor, body: RequestReturn, app: App) -> ReturnView:
    """The customer's application, reported by the salesperson with a reason (OR-24, OR-29)."""
    ret = await app.perform(app.request_return, context, body.order_id, body.reason_code)
    return ReturnView.model_validate(ret)


@router.post("/returns/{return_id}/verification")
async def verify_return(context: Actor, return_id: UUID, body: Verify, app: App) -> ReturnView:
    """The salesperson checks name, specification and quantity against the order (OR-25)."""
    lines = tuple((line.product_code, line.description, line.quantity) for line in body.lines)
    ret = await app.perform(app.verify_return, context, return_id, lines)
    return ReturnView.model_validate(ret)


@router.post("/returns/{return_id}/detail")
async def submit_return_detail(context: Actor, return_id: UUID, app: App) -> ReturnView:
    """The return detail, a red-letter goods request, goes to the sales manager (OR-27)."""
    ret = await app.perform(app.submit_return_detail, context, return_id)
    return ReturnView.model_validate(ret)


@router.post("/returns/{return_id}/red-outbound")
async def issue_red_outbound(context: Actor, return_id: UUID, app: App) -> ReturnView:
    """The sales clerk issues the red outbound order, copy 2 to the warehouse (OR-28)."""
    ret = await app.perform(app.issue_red_outbound, context, return_id)
    return ReturnView.model_validate(ret)


@router.post("/returns/{return_id}/receipt")
async def receive_return(context: Actor, return_id: UUID, body: Count, app: App) -> ReturnView:
    """The warehouse keeper receives and counts the goods, with any discrepancy (OR-28, OR-29)."""
    ret = await app.perform(app.receive_return, context, return_id, body.counted)
    return ReturnView.model_validate(ret)


@router.get("/returns")
def list_returns(
    _: Reader, query: Annotated[PageRequest, Depends(RETURNS.query)], app: App
) -> Page[ReturnSummary]:
    """Returns; ``status=...``: by state; ``order_id=...``, ``customer_id=...``."""
    return app.read_models.page(RETURNS, query)


@router.get("/returns/{return_id}")
def get_return(_: Reader, return_id: UUID, app: App) -> ReturnView:
    return _view(app, return_id)
