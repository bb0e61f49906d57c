"""HTTP commands and queries for the customer-information policy (CU-19); its approval routes
come from the kernel's ``document_routes``."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from contracts.values import Name, ShortText, UserId
from customers.adapters.http.customers import App
from customers.domain.information_policy import DRAFTERS, MAX_COLLECTED_ITEMS, PolicyStatus
from kernel.approvals.http import document_routes
from kernel.roles import EMPLOYEES, SALES, Role
from runtime.auth import Principal, acting_as, requires
from runtime.unit_of_work import CommandContext
from runtime.views import View, identity

router = APIRouter(prefix="/information-policies", tags=["information policies"])
approvals = document_routes("/information-policies", "information policies")

Drafter = Annotated[
    CommandContext, Depends(acting_as(*DRAFTERS, *SALES, Role.SALES_MANAGER, Role.CS_DIRECTOR))
]
"""Sales and the director too, so that the rule, not the route, says who drafts (CU-19)."""
Employee = Annotated[Principal, Depends(requires(*EMPLOYEES))]


class PolicyContent(BaseModel):
    title: Name
    collected_items: list[ShortText] = Field(
        max_length=MAX_COLLECTED_ITEMS, description="What the information survey collects"
    )


class InformationPolicyView(View):
    policy_id: UUID = identity("policy_id")
    title: str
    collected_items: list[str]
    drafted_by: UserId
    status: PolicyStatus
    approved_by: str | None = Field(description="The GM who approved it (CU-19)", max_length=64)
    rejection_reason: str | None = Field(description="Why it was last sent back", max_length=2000)
    version: int


@router.post("", status_code=201)
async def draft_policy(context: Drafter, body: PolicyContent, app: App) -> InformationPolicyView:
    """Customer service drafts the policy and what is collected (CU-19)."""
    policy = await app.perform(
        app.draft_information_policy, context, body.title, body.collected_items
    )
    return InformationPolicyView.model_validate(policy)


@router.post("/{policy_id}/revision")
async def revise_policy(
    context: Drafter, policy_id: UUID, body: PolicyContent, app: App
) -> InformationPolicyView:
    policy = await app.perform(
        app.revise_information_policy, context, policy_id, body.title, body.collected_items
    )
    return InformationPolicyView.model_validate(policy)


@router.post("/{policy_id}/submit")
async def submit_policy(context: Drafter, policy_id: UUID, app: App) -> InformationPolicyView:
    """To the director's review and the GM's approval (CU-19)."""
    policy = await app.perform(app.submit_information_policy, context, policy_id)
    return InformationPolicyView.model_validate(policy)


@router.get("/{policy_id}")
def get_policy(_: Employee, policy_id: UUID, app: App) -> InformationPolicyView:
    return InformationPolicyView.model_validate(app.information_policy(policy_id))
