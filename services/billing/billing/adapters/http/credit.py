"""HTTP queries over the customers' credit exposure (BI-11)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends

from billing.application import BillingApplication
from billing.credit_projections import EXPOSURES, ExposureView
from kernel.roles import Role
from runtime.auth import Principal, requires
from runtime.http import application_of
from runtime.views import Page, PageRequest

router = APIRouter(tags=["credit"])
App = Annotated[BillingApplication, Depends(application_of(BillingApplication))]
Reader = Annotated[
    Principal, Depends(requires(Role.FINANCE, Role.SALES_MANAGER, Role.LEADERSHIP_GM))
]


@router.get("/customers/{customer_id}/exposure")
def get_exposure(_: Reader, customer_id: UUID, app: App) -> ExposureView:
    """BI-11: open receivables + unbilled shipments + credit reserved, against the limit; read
    from the customer's exposure itself, never stale."""
    exposure = app.credit_exposure(customer_id)
    return ExposureView(
        customer_id=customer_id,
        exposure_id=exposure.id,
        currency=exposure.currency,
        credit_limit=exposure.credit_limit,
        open_receivables=exposure.open_receivables,
        unbilled_shipments=exposure.unbilled_shipments,
        reserved=exposure.reserved,
        exposure=exposure.exposure,
        available=exposure.available,
        credit_hold=exposure.credit_hold,
        blacklisted=exposure.blacklisted,
        updated_at=exposure.modified_on,
    )


@router.get("/exposures")
def list_exposures(
    _: Reader, query: Annotated[PageRequest, Depends(EXPOSURES.query)], app: App
) -> Page[ExposureView]:
    """Customers' exposures, smallest first (``sort=-exposure`` for the largest)."""
    return app.read_models.page(EXPOSURES, query)
