"""Service billing (RULES §3.5 BI-16, BI-17; §7 rows 12, 13; C4; SD-46): what service-desk reports
of its paid work. A type-A job to invoice opens an invoice request, which goes the way of every
invoice (review, issue by finance, dispatch, the customer's receipt, the receivable, payment). A
fee a technician collected on site is service income booked in the ledger and expected with the
accountant the same day: the accountant books it against the cash handover both signed, and a
timer flags, once, each fee not handed in by the close of its day."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select

from billing.application.collections import CollectionCommands, handover_due
from billing.application.ledger import ServiceLedger
from billing.collections_projections import handovers_to_flag
from billing.domain.invoice_request import InvoiceLine, InvoiceRequest, RequestSource
from billing.domain.known_customer import KnownCustomer
from billing.domain.ledger import EntryKind
from billing.domain.service_fee import ServiceFee, ServiceFeeStatus
from billing.service_billing_projections import SERVICE_FEES, ServiceFeeView, service_fees
from contracts.service_desk import ServiceFeeCollectedOnSite, ServiceInvoiceRequested
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


class ServiceBillingCommands(CollectionCommands, ServiceLedger):
    feature = Feature(
        "service-billing",
        projections=(service_fees,),
        timers=(FEE_HANDOVERS,),
        figures=FIGURES,
    )

    @policy(ServiceInvoiceRequested)
    def on_service_invoice_requested(self, event: ServiceInvoiceRequested) -> None:
        """RULES §7 row 12, BI-16: a type-A job (per job) or a type-B one (on its maintenance
        contract's basis) opens the call's one invoice request for the account owner; type C
        is warranty cost and D internal, neither is invoiced to the customer."""
        if event.service_type not in ("A", "B"):
            return
        if self.find(InvoiceRequest, InvoiceRequest.id_for(event.call_id)) is not None:
            return
        customer = self.find(KnownCustomer, event.customer_id)
        InvoiceRequest.open(
            RequestSource.SERVICE_REPORT,
            event.call_id,
            event.customer_id,
            COMPANY_CURRENCY,
            None if customer is None else customer.owner_id,
            (InvoiceLine(f"SERVICE-{event.service_type}-{event.basis.upper()}", 1, event.amount),),
            clock.now(),
            call_id=event.call_id,
        )

    @policy(ServiceFeeCollectedOnSite)
    def on_service_fee_collected(self, event: ServiceFeeCollectedOnSite) -> None:
        """RULES §7 row 13: the fee is expected with the accountant by the close of today;
        SD-46: it is service income, booked in the ledger."""
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
        self.book_once(
            EntryKind.SERVICE_FEE,
            event.amount,
            "ServiceFeeCollectedOnSite",
            event.call_id,
            reference=event.receipt_no,
            call_id=event.call_id,
            customer_id=event.customer_id,
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
