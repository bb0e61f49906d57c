"""The service ledger (SD-46, BI-26; RULES §7 rows 12, 13, 15): service-desk never books money.
Billing books what it reports as accounting entries, each tracing its source event: service
income (fees collected on site, service invoices issued), warranty cost (warranty parts written
off at their cost, the freight of mailed ones) and the secondary claims on suppliers, which are
receivables from the supplier until it settles. Service-desk publishes no parts purchase request
yet, so none is booked.

A redelivered or republished event finds its entry (or receivable) and books nothing twice; an
event without an amount to book (a part written off with no cost entered) books nothing."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select, type_coerce

from billing.domain.ledger import EntryKind, LedgerEntry
from billing.domain.supplier_receivable import SupplierReceivable
from billing.invoicing_projections import Aging
from billing.ledger_projections import (
    LEDGER,
    SUPPLIER_RECEIVABLES,
    LedgerEntryView,
    SupplierReceivableView,
    ledger,
    supplier_aging,
)
from contracts.service_desk import (
    FreightWrittenOff,
    SparePartWrittenOff,
    SupplierClaimFiled,
    SupplierClaimSettled,
)
from kernel.application import KernelApplication, PolicyNotInForce
from kernel.company import COMPANY_CURRENCY
from runtime import clock
from runtime.application import Feature, command, policy
from runtime.figures import Figure
from runtime.ids import new_id
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest

_entries = LEDGER.table.c
_claims = SUPPLIER_RECEIVABLES.table.c


def _this_month(app: Any, now: datetime) -> Select[Any]:
    month = now.astimezone(app.calendar.zone).strftime("%Y-%m")
    booked = type_coerce(func.sum(_entries.amount), _entries.amount.type)
    return select(_entries.kind, booked).where(_entries.month == month).group_by(_entries.kind)


def _suppliers_owe(app: Any, now: datetime) -> Select[Any]:
    return select(type_coerce(func.sum(_claims.outstanding), _claims.outstanding.type))


def _over_settled(app: Any, now: datetime) -> Select[Any]:
    flagged = _claims.over_settlement.is_not(None)
    return select(func.count()).select_from(SUPPLIER_RECEIVABLES.table).where(flagged)


FIGURES = (
    Figure(
        "countersign_billing_ledger_booked_this_month",
        "What the ledger booked this month by kind: service income, warranty cost (parts and "
        "freight), supplier claims filed and collected, adjustments (SD-46, BI-26).",
        _this_month,
        labels=("kind",),
        known=tuple((str(kind),) for kind in EntryKind),
        rule="BI-26",
    ),
    Figure(
        "countersign_billing_supplier_receivables_outstanding",
        "What suppliers still owe on their secondary claims, apart from customers (BI-26).",
        _suppliers_owe,
        rule="BI-26",
    ),
    Figure(
        "countersign_billing_supplier_over_settlements",
        "Supplier settlements beyond what the claim owed, flagged and not collected (BI-26).",
        _over_settled,
        rule="BI-26",
    ),
)


class ServiceLedger(KernelApplication):
    """The ledger itself: booking an entry once from its source, finance's adjustments, and the
    ledger's list. Service billing and invoicing book their service income through it."""

    feature = Feature("ledger", projections=(ledger,), figures=FIGURES)

    def today(self) -> date:
        return clock.now().astimezone(self.calendar.zone).date()

    def book_once(
        self,
        kind: EntryKind,
        amount: Decimal,
        source_event: str,
        source_id: UUID,
        *,
        reference: str | None = None,
        call_id: UUID | None = None,
        customer_id: UUID | None = None,
        supplier: str | None = None,
        booked_by: str = "billing:policy",
    ) -> LedgerEntry:
        """SD-46, BI-26: the entry of ``source_event`` about ``source_id``, booked today unless
        it was already (by a policy, unless a command's ``booked_by`` says who)."""
        found = self.find(LedgerEntry, LedgerEntry.id_for(kind, source_id, reference))
        if found is not None:
            return found
        return LedgerEntry.book(
            kind,
            amount,
            COMPANY_CURRENCY,
            source_event,
            source_id,
            self.today(),
            booked_by,
            reference=reference,
            call_id=call_id,
            customer_id=customer_id,
            supplier=supplier,
        )

    def ledger_entry(self, entry_id: UUID) -> LedgerEntry:
        return self.get(LedgerEntry, entry_id, "ledger entry")

    def ledger_entries(self, request: PageRequest) -> Page[LedgerEntryView]:
        return self.read_models.page(LEDGER, request)

    @command
    def adjust_ledger(
        self, context: CommandContext, kind: EntryKind, amount: Decimal, reason: str
    ) -> LedgerEntry:
        """SD-46: finance's adjustment by hand; service income, warranty cost and supplier
        claims are refused, only their source events book them."""
        return LedgerEntry.adjust(
            new_id(),
            kind,
            amount,
            COMPANY_CURRENCY,
            reason,
            context.actor,
            context.roles,
            self.today(),
        )


class WarrantyLedgerCommands(ServiceLedger):
    """BI-26, RULES §7 row 15: warranty cost and the receivables from suppliers."""

    feature = Feature("warranty-ledger")

    @policy(SparePartWrittenOff)
    def on_spare_part_written_off(self, event: SparePartWrittenOff) -> None:
        """BI-26: a warranty (C) part written off is warranty cost, at the cost entered; one
        written off without a cost has nothing to book."""
        if event.amount is None:
            return
        self.book_once(
            EntryKind.WARRANTY_PART,
            event.amount,
            "SparePartWrittenOff",
            event.requisition_id,
            reference=event.part_no,
            call_id=event.call_id,
        )

    @policy(FreightWrittenOff)
    def on_freight_written_off(self, event: FreightWrittenOff) -> None:
        """BI-26, SD-26: the freight of a mailed warranty part is warranty cost."""
        if event.amount <= 0:
            return  # nothing to book: LedgerEntry.book refuses it (BI-26)
        self.book_once(
            EntryKind.WARRANTY_FREIGHT, event.amount, "FreightWrittenOff", event.shipment_ref
        )

    @policy(SupplierClaimFiled)
    def on_supplier_claim_filed(self, event: SupplierClaimFiled) -> None:
        """BI-26, SD-27: the claim is a receivable from the supplier, booked in the ledger."""
        receivable_id = SupplierReceivable.id_for(event.claim_id)
        known = self.find(SupplierReceivable, receivable_id) is not None
        if known or event.amount <= 0 or not event.supplier.strip():
            return  # filed already, or nothing to receive (SupplierReceivable.file refuses it)
        SupplierReceivable.file(
            event.claim_id,
            event.supplier,
            event.amount,
            COMPANY_CURRENCY,
            self.today(),
            self._payment_terms_days(),
        )
        self.book_once(
            EntryKind.SUPPLIER_CLAIM,
            event.amount,
            "SupplierClaimFiled",
            event.claim_id,
            supplier=event.supplier,
        )

    @policy(SupplierClaimSettled)
    def on_supplier_claim_settled(self, event: SupplierClaimSettled) -> None:
        """BI-26: what the supplier paid is collected (the rest stays open); a settlement of a
        claim billing never learned of, or beyond what is owed, books nothing."""
        receivable = self.find(SupplierReceivable, SupplierReceivable.id_for(event.claim_id))
        if receivable is None:
            return
        if receivable.settle(event.amount, self.today()) and event.amount > 0:
            self.book_once(
                EntryKind.SUPPLIER_CLAIM_COLLECTED,
                event.amount,
                "SupplierClaimSettled",
                event.claim_id,
                supplier=event.supplier,
            )

    def _payment_terms_days(self) -> int | None:
        try:
            return self.rule_parameters().receivables.default_payment_terms_days
        except PolicyNotInForce:
            return None  # XC-07: no due date is set before the parameters are signed

    def supplier_receivable(self, receivable_id: UUID) -> SupplierReceivable:
        return self.get(SupplierReceivable, receivable_id, "supplier receivable")

    def supplier_receivables(self, request: PageRequest) -> Page[SupplierReceivableView]:
        return self.read_models.page(SUPPLIER_RECEIVABLES, request)

    def supplier_aging(self, as_of: date) -> Aging:
        period = self.rule_parameters().receivables.dso_period_days
        with self.read_models.read() as db:
            return supplier_aging(db, as_of, period)
