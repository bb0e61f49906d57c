"""Service billing (RULES §3.5 BI-16, BI-17; §7 rows 12, 13; C4): what service-desk reports of its
paid work. A fee a technician collected on site is expected with the accountant the same day:
the accountant books it against the cash handover both signed, and a timer flags, once, each fee
not handed in by the close of its day."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select

from billing.application.collections import CollectionCommands, handover_due
from billing.collections_projections import handovers_to_flag
from billing.domain.service_fee import ServiceFee, ServiceFeeStatus
from billing.service_billing_projections import SERVICE_FEES, ServiceFeeView, service_fees
from contracts.service_desk import ServiceFeeCollectedOnSite
from kernel.company import COMPANY_CURRENCY
from kernel.timers import deadline_timer
from runtime import clock
from runtime.application import Feature, command, policy
from runtime.figures import Figure
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest

FEE_HANDOVERS = deadline_timer(
    "service-fee-handovers",
    lambda db, now: handovers_to_flag(db, SERVICE_FEES, ServiceFeeStatus.COLLECTED, now),
    lambda app, context, fee_id: app.flag_service_fee_handover_missed(context, fee_id),
)
"""BI-16: fees collected on site not with the accountant by the close of their day."""

_fees = SERVICE_FEES.table.c


def _not_handed_in(app: Any, now: datetime) -> Select[Any]:
    waiting = _fees.status == ServiceFeeStatus.COLLECTED
    return select(func.count()).select_from(SERVICE_FEES.table).where(waiting)


def _handover_missed(app: Any, now: datetime) -> Select[Any]:
    missed = _fees.handover_missed.is_(True)
    return select(func.count()).select_from(SERVICE_FEES.table).where(missed)


FIGURES = (
    Figure(
        "countersign_billing_service_fees_not_handed_in",
        "Service fees collected on site not yet booked by the accountant (BI-16).",
        _not_handed_in,
        rule="BI-16",
    ),
    Figure(
        "countersign_billing_service_fees_handover_missed",
        "Service fees not with the accountant by the close of the day they were collected (BI-16).",
        _handover_missed,
        rule="BI-16",
    ),
)


class ServiceBillingCommands(CollectionCommands):
    feature = Feature(
        "service-billing",
        projections=(service_fees,),
        timers=(FEE_HANDOVERS,),
        figures=FIGURES,
    )

    @policy(ServiceFeeCollectedOnSite)
    def on_service_fee_collected(self, event: ServiceFeeCollectedOnSite) -> None:
        """RULES §7 row 13: the fee is expected with the accountant by the close of today."""
        if self.find(ServiceFee, ServiceFee.id_for(event.call_id, event.receipt_no)) is None:
            ServiceFee.collect(
                event.call_id,
                event.customer_id,
                event.amount,
                COMPANY_CURRENCY,
                event.receipt_no,
                event.prior_approval_id,
                handover_due(self.calendar, clock.now()),
            )

    def service_fee(self, fee_id: UUID) -> ServiceFee:
        return self.get(ServiceFee, fee_id, "service fee")

    def service_fees(self, request: PageRequest) -> Page[ServiceFeeView]:
        return self.read_models.page(SERVICE_FEES, request)

    @command
    def hand_in_service_fee(
        self, context: CommandContext, fee_id: UUID, handover_id: UUID
    ) -> ServiceFee:
        """BI-16, BI-17: the accountant books the fee against the signed cash handover."""
        fee = self.service_fee(fee_id)
        fee.hand_in(context.actor, context.roles, self.cash_handover(handover_id), clock.now())
        return fee

    @command
    def flag_service_fee_handover_missed(self, context: CommandContext, fee_id: UUID) -> bool:
        """BI-16: the timer's command: the miss is flagged on the fee, once."""
        return self.service_fee(fee_id).flag_handover_missed(clock.now())
