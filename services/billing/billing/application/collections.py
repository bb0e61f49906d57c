"""Collections (RULES §3.5 BI-04, BI-06, BI-07, BI-14, BI-17; §4.6, C9): the collection request
the salesperson raises and sales and finance confirm (BI-04); the instrument register, an
instrument handed to finance the day it was received, finance signing for it, a timer flagging
once each those not handed over by the close of their day, finance recording a dishonoured one,
which customers answer (BI-06, BI-14, RULES §7 row 8); the daily collections check and its
exceptions, open until resolved (BI-07); cash handovers signed by giver and receiver (BI-17)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select

from billing.collections_projections import (
    CASH_HANDOVERS,
    COLLECTION_EXCEPTIONS,
    COLLECTION_REQUESTS,
    COLLECTIONS_CHECKS,
    INSTRUMENTS,
    CashHandoverView,
    CollectionExceptionView,
    CollectionRequestView,
    CollectionsCheckView,
    InstrumentView,
    cash_handovers,
    collection_requests,
    collections_checks,
    handovers_to_flag,
    instruments,
    open_exceptions,
)
from billing.domain.cash_handover import CashHandover
from billing.domain.collection_request import COLLECTION_KIND, CollectionRequest
from billing.domain.collections_check import (
    CollectionException,
    CollectionsCheck,
    ExceptionFound,
    ExceptionStatus,
)
from billing.domain.instrument import Instrument, InstrumentStatus
from billing.domain.invoice import Invoice
from kernel.approvals import Approvals
from kernel.calendar import Calendar
from kernel.governance import Governance
from kernel.governance.domain import Finding, ViolationRecord
from kernel.settings import KernelSettings
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.application import Feature, Timer, command
from runtime.figures import Figure
from runtime.ids import new_id
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest


def handover_due(calendar: Calendar, received_at: datetime) -> datetime:
    """BI-06: the close of business of the day it was received (of the next working day when it
    was received on a day off or after hours)."""
    day = received_at.astimezone(calendar.zone).date()
    if calendar.is_working_day(day):
        close = datetime.combine(day, calendar.config.working_hours[-1].end, calendar.zone)
        if received_at <= close:
            return close
    return calendar.add_working_days(received_at, 1)


def _flag_missed_handovers(app: CollectionCommands) -> None:
    """BI-06: the timer's tick: ``HandoverMissed`` for each instrument not with finance by the
    close of its day, once."""
    now = clock.now()
    with app.read_models.read() as db:
        late = handovers_to_flag(db, INSTRUMENTS, InstrumentStatus.RECEIVED, now)
    timer = CommandContext(actor=f"{app.service_name}:timer")
    for instrument_id in late:
        app.flag_instrument_handover_missed(timer, instrument_id)


INSTRUMENT_HANDOVERS = Timer(
    "instrument-handovers",
    lambda settings: KernelSettings.of(settings).timer_seconds,
    _flag_missed_handovers,
)
"""BI-06: instruments not handed to finance by the close of the day they were received."""


def _not_handed_over(app: Any, now: datetime) -> Select[Any]:
    received = INSTRUMENTS.table.c.status == InstrumentStatus.RECEIVED
    return select(func.count()).select_from(INSTRUMENTS.table).where(received)


def _handover_missed(app: Any, now: datetime) -> Select[Any]:
    missed = INSTRUMENTS.table.c.handover_missed.is_(True)
    return select(func.count()).select_from(INSTRUMENTS.table).where(missed)


def _open_exceptions(app: Any, now: datetime) -> Select[Any]:
    still_open = COLLECTION_EXCEPTIONS.table.c.status == ExceptionStatus.OPEN
    return select(func.count()).select_from(COLLECTION_EXCEPTIONS.table).where(still_open)


def _checked_today(app: Any, now: datetime) -> Select[Any]:
    today = now.astimezone(app.calendar.zone).date()
    done = COLLECTIONS_CHECKS.table.c.day == today
    return select(func.count()).select_from(COLLECTIONS_CHECKS.table).where(done)


FIGURES = (
    Figure(
        "countersign_billing_instruments_not_handed_over",
        "Cheques, acceptance bills and bank drafts received and not yet signed for by finance "
        "(BI-06).",
        _not_handed_over,
        rule="BI-06",
    ),
    Figure(
        "countersign_billing_instruments_handover_missed",
        "Instruments not with finance by the close of the day they were received (BI-06).",
        _handover_missed,
        rule="BI-06",
    ),
    Figure(
        "countersign_billing_collection_exceptions_open",
        "Exceptions of the daily collections checks not resolved yet (BI-07).",
        _open_exceptions,
        rule="BI-07",
    ),
    Figure(
        "countersign_billing_collections_checked_today",
        "1 once today's collections check is done, else 0 (BI-07).",
        _checked_today,
        rule="BI-07",
    ),
)


class CollectionCommands(Approvals, Governance):
    feature = Feature(
        "collections",
        projections=(collection_requests, instruments, cash_handovers, collections_checks),
        timers=(INSTRUMENT_HANDOVERS,),
        figures=FIGURES,
    )

    # -- BI-04: the collection request

    def collection_request(self, request_id: UUID) -> CollectionRequest:
        return self.get(CollectionRequest, request_id, "collection request")

    def collection_requests(self, request: PageRequest) -> Page[CollectionRequestView]:
        return self.read_models.page(COLLECTION_REQUESTS, request)

    @command
    def raise_collection_request(
        self,
        context: CommandContext,
        customer_id: UUID,
        currency: str,
        bank_account: str,
        amount: Decimal,
        invoice_ids: tuple[UUID, ...],
    ) -> CollectionRequest:
        """BI-04: the salesperson raises the request for the customer's open receivables, for
        the sales department and finance to confirm (the matrix's ``collection`` chain)."""
        owed: dict[UUID, Decimal] = {}
        for invoice_id in invoice_ids:
            invoice = self.find(Invoice, invoice_id)
            if invoice is None or invoice.customer_id != customer_id:
                raise RuleViolation(
                    "BI-04",
                    "a collection request covers the customer's own invoices",
                    invoice_id=str(invoice_id),
                )
            if invoice.currency != currency:
                raise RuleViolation(
                    "BI-04",
                    "the invoices covered are in the request's currency",
                    invoice_id=str(invoice_id),
                )
            owed[invoice_id] = invoice.outstanding
        request = CollectionRequest.raise_for(
            new_id(),
            context.actor,
            context.roles,
            customer_id,
            currency,
            bank_account,
            amount,
            owed,
        )
        self.request_approval(request, COLLECTION_KIND, context.actor, amount)
        return request

    @command
    def notify_customer_of_collection(
        self, context: CommandContext, request_id: UUID, channel: str
    ) -> CollectionRequest:
        """BI-04: the customer is told the confirmed amount and the company's bank details."""
        request = self.collection_request(request_id)
        request.notify_customer(context.actor, context.roles, channel)
        return request

    @command
    def chase_collection(
        self, context: CommandContext, request_id: UUID, note: str
    ) -> CollectionRequest:
        """BI-04 (``CollectionChased``): the salesperson chased the customer."""
        request = self.collection_request(request_id)
        request.chase(context.actor, context.roles, note)
        return request

    # -- BI-07: the daily collections check

    def collections_checks(self, request: PageRequest) -> Page[CollectionsCheckView]:
        return self.read_models.page(COLLECTIONS_CHECKS, request)

    def collection_exceptions(self, request: PageRequest) -> Page[CollectionExceptionView]:
        return self.read_models.page(COLLECTION_EXCEPTIONS, request)

    def collection_exception(self, exception_id: UUID) -> CollectionException:
        return self.get(CollectionException, exception_id, "collection exception")

    @command
    def complete_collections_check(
        self, context: CommandContext, day: date, found: tuple[ExceptionFound, ...]
    ) -> CollectionsCheck:
        """BI-07: the day's check, once a day, listing the new exceptions, each with an owner,
        and those of earlier days still open."""
        check_id = CollectionsCheck.id_for(day)
        if self.find(CollectionsCheck, check_id) is not None:
            raise RuleViolation(
                "BI-07", "the day's collections were already checked", day=day.isoformat()
            )
        with self.read_models.read() as db:
            carried = tuple(open_exceptions(db))
        today = clock.now().astimezone(self.calendar.zone).date()
        exceptions = [
            CollectionException.raise_in(
                new_id(), check_id, day, e.kind, e.description, e.owner_id, e.customer_id
            )
            for e in found
        ]
        return CollectionsCheck.complete(
            day,
            today,
            context.actor,
            context.roles,
            tuple(e.id for e in exceptions),
            carried,
        )

    @command
    def resolve_collection_exception(
        self, context: CommandContext, exception_id: UUID, resolution: str
    ) -> CollectionException:
        """BI-07: the owner, or finance, resolves an exception of a daily check."""
        exception = self.collection_exception(exception_id)
        exception.resolve(context.actor, context.roles, resolution)
        return exception

    # -- BI-17: cash handovers, signed by both

    def cash_handover(self, handover_id: UUID) -> CashHandover:
        return self.get(CashHandover, handover_id, "cash handover")

    def cash_handovers(self, request: PageRequest) -> Page[CashHandoverView]:
        return self.read_models.page(CASH_HANDOVERS, request)

    @command
    def record_cash_handover(
        self,
        context: CommandContext,
        giver_id: str,
        receiver_id: str,
        amount: Decimal,
        currency: str,
        customer_id: UUID | None,
        purpose: str,
    ) -> CashHandover:
        """BI-17: the giver or the receiver records the handover, for both to sign (the
        kernel's signature capture, ``/cash-handovers/{id}/signatures``)."""
        return CashHandover.record(
            new_id(), context.actor, giver_id, receiver_id, amount, currency, customer_id, purpose
        )

    # -- BI-06, BI-14: the instrument register

    def instrument(self, instrument_id: UUID) -> Instrument:
        return self.get(Instrument, instrument_id, "instrument")

    def instruments(self, request: PageRequest) -> Page[InstrumentView]:
        return self.read_models.page(INSTRUMENTS, request)

    @command
    def receive_instrument(
        self,
        context: CommandContext,
        customer_id: UUID,
        instrument_type: str,
        number: str,
        amount: Decimal,
        currency: str,
        maturity: date,
    ) -> Instrument:
        """BI-06: the employee who received it registers it, to hand it to finance today."""
        received_at = clock.now()
        due = handover_due(self.calendar, received_at)
        return Instrument.receive(
            new_id(),
            context.actor,
            customer_id,
            instrument_type,
            number,
            amount,
            currency,
            maturity,
            received_at,
            due,
        )

    @command
    def hand_instrument_to_finance(
        self, context: CommandContext, instrument_id: UUID
    ) -> Instrument:
        """BI-06: finance signs for the instrument handed over."""
        instrument = self.instrument(instrument_id)
        instrument.hand_to_finance(context.actor, context.roles, clock.now())
        return instrument

    @command
    def flag_instrument_handover_missed(self, context: CommandContext, instrument_id: UUID) -> bool:
        """BI-06, XC-08: the timer's command: the miss is flagged on the instrument and recorded
        as a violation against the employee who received it, once."""
        instrument = self.instrument(instrument_id)
        if not instrument.flag_handover_missed(clock.now()):
            return False
        evidence = (
            f"{instrument.instrument_type} {instrument.number} received "
            f"{instrument.received_at.isoformat()}, not with finance by "
            f"{instrument.handover_due_at.isoformat()} (instrument {instrument.id})"
        )
        ViolationRecord.record(
            Finding("BI-06", instrument.received_by, evidence, Decimal(0), instrument.currency),
            context.actor,
        )
        return True

    @command
    def dishonour_instrument(
        self, context: CommandContext, instrument_id: UUID, reason: str
    ) -> Instrument:
        """BI-14: finance records that the instrument bounced (``InstrumentDishonoured``)."""
        instrument = self.instrument(instrument_id)
        instrument.dishonour(context.actor, context.roles, reason)
        return instrument
