"""Bad debt (RULES §3.5 BI-10, BI-12; §4.7): a receivable reported overdue beyond the threshold is
proposed as doubtful and classified by the sales manager and finance; its write-off is requested
with the collection history and reviewed by the sales manager, the finance manager and leadership
(the matrix's chains); finance then writes it off, which closes the receivable and takes it out of
the customer's exposure and aging; money recovered later is recorded against it. The register's
figures are on the dashboard."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select, type_coerce

from billing.application.invoicing import InvoicingCommands
from billing.bad_debt_projections import BAD_DEBTS, BadDebtView, bad_debts
from billing.domain.bad_debt import CLASSIFICATION_KIND, WRITE_OFF_KIND, BadDebt, BadDebtStatus
from runtime.aggregate import RuleViolation
from runtime.application import Feature, command
from runtime.figures import Figure
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest

_debts = BAD_DEBTS.table.c


def _by_status(app: Any, now: datetime) -> Select[Any]:
    return select(_debts.status, func.count()).group_by(_debts.status)


def _amount_by_status(app: Any, now: datetime) -> Select[Any]:
    amount = type_coerce(func.sum(_debts.amount), _debts.amount.type)
    return select(_debts.status, amount).group_by(_debts.status)


def _written_off(app: Any, now: datetime) -> Select[Any]:
    return select(type_coerce(func.sum(_debts.written_off), _debts.written_off.type))


def _recovered(app: Any, now: datetime) -> Select[Any]:
    return select(type_coerce(func.sum(_debts.recovered), _debts.recovered.type))


_STATUSES = tuple((str(status),) for status in BadDebtStatus)
FIGURES = (
    Figure(
        "countersign_billing_bad_debts",
        "Bad-debt files by status: proposed, doubtful, not doubtful, write-off requested or "
        "approved, written off (BI-12).",
        _by_status,
        labels=("status",),
        known=_STATUSES,
        rule="BI-12",
    ),
    Figure(
        "countersign_billing_bad_debt_amount",
        "What the bad-debt files were proposed for, by status: the doubtful balance, the "
        "write-offs (BI-12).",
        _amount_by_status,
        labels=("status",),
        known=_STATUSES,
        rule="BI-12",
    ),
    Figure(
        "countersign_billing_bad_debts_written_off_amount",
        "Written off receivables after the review (BI-10, BI-12).",
        _written_off,
        rule="BI-12",
    ),
    Figure(
        "countersign_billing_bad_debt_recovered_amount",
        "Money recovered on written-off bad debts (BI-12).",
        _recovered,
        rule="BI-12",
    ),
)


class BadDebtCommands(InvoicingCommands):
    feature = Feature("bad-debts", projections=(bad_debts,), figures=FIGURES)

    def bad_debt(self, bad_debt_id: UUID) -> BadDebt:
        return self.get(BadDebt, bad_debt_id, "bad debt")

    def bad_debts(self, request: PageRequest) -> Page[BadDebtView]:
        return self.read_models.page(BAD_DEBTS, request)

    @command
    def propose_bad_debt(self, context: CommandContext, invoice_id: UUID, basis: str) -> BadDebt:
        """BI-12: the salesperson or the finance handler proposes an escalated receivable as
        doubtful, for the sales manager and finance to classify."""
        invoice = self.invoice(invoice_id)
        if self.find(BadDebt, BadDebt.id_for(invoice_id)) is not None:
            raise RuleViolation("BI-12", "this receivable already has a bad-debt file")
        debt = BadDebt.propose(
            invoice.id,
            invoice.customer_id,
            invoice.outstanding,
            invoice.currency,
            invoice.overdue_reported,
            basis,
            context.actor,
            context.roles,
        )
        self.request_approval(debt, CLASSIFICATION_KIND, context.actor, debt.amount)
        return debt

    @command
    def request_bad_debt_write_off(
        self, context: CommandContext, bad_debt_id: UUID, collection_history: str
    ) -> BadDebt:
        """BI-10, BI-12: the write-off goes to the sales manager, the finance manager and
        leadership with the collection history."""
        debt = self.bad_debt(bad_debt_id)
        debt.request_write_off(context.actor, context.roles, collection_history)
        self.request_approval(debt, WRITE_OFF_KIND, context.actor, debt.amount)
        return debt

    @command
    def write_off_bad_debt(self, context: CommandContext, bad_debt_id: UUID) -> BadDebt:
        """BI-10, BI-12: finance writes off the reviewed debt: the receivable closes and leaves
        the customer's exposure."""
        debt = self.bad_debt(bad_debt_id)
        invoice = self.invoice(debt.invoice_id)
        amount = debt.write_off(context.actor, context.roles, invoice.outstanding)
        invoice.write_off(debt.id, amount)
        self.receivable_reduced(invoice, amount)
        return debt

    @command
    def recover_bad_debt(
        self, context: CommandContext, bad_debt_id: UUID, amount: Decimal, reference: str
    ) -> BadDebt:
        """BI-12: finance records money recovered on the written-off debt."""
        debt = self.bad_debt(bad_debt_id)
        debt.recover(context.actor, context.roles, amount, reference)
        return debt
