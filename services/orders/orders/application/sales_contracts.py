"""Commands of the sales contract (RULES §4.2): drafted from the won quote, negotiated (OR-06),
its deviations and non-standard terms confirmed (OR-07, OR-08), reviewed and approved through the
matrix's ``contract`` chain (OR-10, OR-06) with every review issue confirmed (OR-09), signed by
both parties (OR-10; the signatures are the kernel's signing commands), filed the same day and
archived by the 5th of the next month by the sales clerk (OR-11, OR-12, OR-13)."""

from __future__ import annotations

from datetime import date, datetime, time
from uuid import UUID

from kernel.calendar import Calendar
from kernel.settings import KernelSettings
from kernel.signing import CustomerSigning
from orders.contract_projections import (
    awaiting_custody,
    contract_volumes,
    sales_contracts,
    signed_between,
)
from orders.domain.customer_grade import CustomerGrade
from orders.domain.known_customer import KnownCustomer
from orders.domain.quote import Quote
from orders.domain.sales_contract import (
    CONTRACT,
    IMPORTANT_OR_COMPLEX,
    NON_STANDARD_TERMS,
    ContractLine,
    ContractVolume,
    Deviation,
    SalesContract,
)
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.application import Feature, Timer, command
from runtime.ids import new_id
from runtime.settings import Settings
from runtime.unit_of_work import CommandContext

A_GRADE = "a_grade"
"""The authority matrix's flag for a grade-A customer (``major_if``)."""


def _close_of(calendar: Calendar, day: date) -> datetime:
    return datetime.combine(day, calendar.config.working_hours[-1].end, calendar.zone)


def filing_due(calendar: Calendar, within_working_days: int, signed_at: datetime) -> datetime:
    """OR-11: the close of business of the day the contract was signed (of the next working day
    when it was signed on a day off or after hours), or ``within_working_days`` later."""
    day = signed_at.astimezone(calendar.zone).date()
    if within_working_days == 0 and calendar.is_working_day(day):
        close = _close_of(calendar, day)
        if signed_at <= close:
            return close
    return calendar.add_working_days(signed_at, max(within_working_days, 1))


def month_of(calendar: Calendar, at: datetime) -> str:
    return at.astimezone(calendar.zone).strftime("%Y-%m")


def _next_month(first: date) -> date:
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def month_bounds(calendar: Calendar, month: str) -> tuple[datetime, datetime]:
    """The month ``YYYY-MM`` as instants [start, end) in the calendar's zone."""
    first = date.fromisoformat(f"{month}-01")
    start = datetime.combine(first, time(), calendar.zone)
    return start, datetime.combine(_next_month(first), time(), calendar.zone)


def archive_due(calendar: Calendar, by_day: int, signed_at: datetime) -> datetime:
    """OR-12: the close of business on the ``by_day``-th of the month after the signing."""
    first = date.fromisoformat(f"{month_of(calendar, signed_at)}-01")
    return _close_of(calendar, _next_month(first).replace(day=by_day))


def _timer_seconds(settings: Settings) -> float:
    return KernelSettings.of(settings).timer_seconds


def _check_custody(app: SalesContractCommands) -> None:
    """OR-11, OR-12: flag the contracts not filed or not archived in time."""
    with app.read_models.read() as db:
        waiting = awaiting_custody(db)
    now = clock.now()
    timer = CommandContext(actor=f"{app.service_name}:timer")
    for contract_id, signed_at, filing_settled, archive_missed in waiting:
        filing, archive = app.custody_deadlines(signed_at)
        if (not filing_settled and now > filing) or (not archive_missed and now > archive):
            app.flag_late_contract(timer, contract_id)


CONTRACT_CUSTODY = Timer("contract-custody", _timer_seconds, _check_custody)
"""OR-11, OR-12: signed contracts not filed the same day, or not archived by the 5th."""


class SalesContractCommands(CustomerSigning):
    feature = Feature(
        "sales-contracts",
        projections=(sales_contracts, contract_volumes),
        timers=(CONTRACT_CUSTODY,),
        value_objects=(ContractLine, Deviation),
    )

    def _grade_flags(self, customer_id: UUID) -> tuple[str, ...]:
        # RULES §7 row 2: grade A may raise the approval to leadership.
        grade = self.find(CustomerGrade, CustomerGrade.id_for(customer_id))
        return (A_GRADE,) if grade is not None and grade.grade == "A" else ()

    def _standard_payment_terms_days(self) -> int:
        return self.rule_parameters().contracts.standard_payment_terms_days

    def custody_deadlines(self, signed_at: datetime) -> tuple[datetime, datetime]:
        """OR-11, OR-12: by when a contract signed then is filed, and archived."""
        parameters = self.rule_parameters().contracts
        calendar = self.calendar
        return (
            filing_due(calendar, parameters.filed_within_working_days, signed_at),
            archive_due(calendar, parameters.archive_by_day_of_next_month, signed_at),
        )

    # -- drafting and negotiation (OR-10, OR-06)

    @command
    def draft_sales_contract(
        self,
        context: CommandContext,
        quote_id: UUID | None,
        customer_id: UUID | None,
        currency: str,
        lines: tuple[ContractLine, ...] | None,
        payment_terms_days: int,
        term_months: int,
        liability_clause: str,
        special_clauses: tuple[str, ...],
        important_or_complex: bool,
    ) -> SalesContract:
        quote = None if quote_id is None else self.get(Quote, quote_id, "quote")
        customer = quote.customer_id if quote is not None else customer_id
        return SalesContract.draft(
            quote,
            customer_id,
            None if customer is None else self.find(KnownCustomer, customer),
            currency,
            lines,
            payment_terms_days,
            term_months,
            liability_clause,
            special_clauses,
            important_or_complex,
            context.actor,
        )

    @command
    def log_negotiation_note(
        self, context: CommandContext, contract_id: UUID, note: str
    ) -> SalesContract:
        contract = self.sales_contract(contract_id)
        contract.log_negotiation_note(note, context.actor)
        return contract

    @command
    def revise_sales_contract(
        self,
        context: CommandContext,
        contract_id: UUID,
        lines: tuple[ContractLine, ...],
        payment_terms_days: int,
        term_months: int,
        liability_clause: str,
        special_clauses: tuple[str, ...],
        important_or_complex: bool,
    ) -> SalesContract:
        contract = self.sales_contract(contract_id)
        contract.revise(
            lines,
            payment_terms_days,
            term_months,
            liability_clause,
            special_clauses,
            important_or_complex,
            context.actor,
        )
        return contract

    # -- OR-07, OR-08: deviations and non-standard terms

    @command
    def propose_contract_deviations(
        self, context: CommandContext, contract_id: UUID
    ) -> SalesContract:
        """OR-08: what differs from the quote goes to the ``deviation`` chain (the sales manager,
        leadership too when major); OR-07: terms outside the norm alone, to the sales manager's
        ``non_standard_terms`` consent."""
        contract = self.sales_contract(contract_id)
        standard = self._standard_payment_terms_days()
        kind = contract.propose_deviations(standard, context.actor)
        flags = self._grade_flags(contract.customer_id)
        if contract.non_standard_terms(standard):
            flags = (*flags, NON_STANDARD_TERMS)
        self.request_approval(contract, kind, context.actor, contract.total, flags)
        return contract

    # -- OR-10, OR-06, OR-09: review and approval

    @command
    def submit_sales_contract(self, context: CommandContext, contract_id: UUID) -> SalesContract:
        """OR-10: the departments review, the legal expert when it is important or complex (or
        major), the sales manager approves; OR-06: leadership as well when it is major."""
        contract = self.sales_contract(contract_id)
        standard = self._standard_payment_terms_days()
        flags = self._grade_flags(contract.customer_id)
        if contract.non_standard_terms(standard):
            flags = (*flags, NON_STANDARD_TERMS)
        why_major = self.matrix_in_force().rule(CONTRACT).why_major(contract.total, flags)
        if contract.important_or_complex or why_major:
            flags = (*flags, IMPORTANT_OR_COMPLEX)
        contract.submit(
            self.find(KnownCustomer, contract.customer_id), standard, why_major, context.actor
        )
        self.request_approval(contract, CONTRACT, context.actor, contract.total, flags)
        return contract

    @command
    def raise_contract_issue(
        self, context: CommandContext, contract_id: UUID, issue: str
    ) -> SalesContract:
        contract = self.sales_contract(contract_id)
        contract.raise_issue(new_id(), issue, context.actor, context.roles)
        return contract

    @command
    def confirm_contract_issue(
        self, context: CommandContext, contract_id: UUID, issue_id: UUID, resolution: str
    ) -> SalesContract:
        contract = self.sales_contract(contract_id)
        contract.confirm_issue(issue_id, resolution, context.actor, context.roles)
        return contract

    # -- OR-11, OR-12, OR-13: custody

    @command
    def file_sales_contract(self, context: CommandContext, contract_id: UUID) -> SalesContract:
        contract = self.sales_contract(contract_id)
        signed_at = contract.signed_at or clock.now()
        filing, _ = self.custody_deadlines(signed_at)
        contract.file(context.actor, context.roles, clock.now(), filing)
        return contract

    @command
    def flag_late_contract(self, context: CommandContext, contract_id: UUID) -> bool:
        """OR-11, OR-12: the timer's command: flag a filing or an archiving past its time."""
        contract = self.sales_contract(contract_id)
        if contract.signed_at is None:
            return False
        filing, archive = self.custody_deadlines(contract.signed_at)
        return contract.flag_late(clock.now(), filing, archive)

    @command
    def archive_contracts(
        self, context: CommandContext, month: str, volume_no: str
    ) -> ContractVolume:
        """OR-12: the month's signed contracts, numbered in the order they were signed and bound
        into one volume; a missing original blocks it."""
        if self.find(ContractVolume, ContractVolume.id_for(month)) is not None:
            raise RuleViolation("OR-12", "the month's volume is already bound", month=month)
        calendar = self.calendar
        start, end = month_bounds(calendar, month)
        now = clock.now()
        self.catch_up_projections()
        with self.read_models.read() as db:
            contract_ids = signed_between(db, start, end)
        contracts = tuple(self.sales_contract(i) for i in contract_ids)
        volume = ContractVolume.bind(
            month, now >= end, volume_no, contracts, context.actor, context.roles
        )
        by_day = self.rule_parameters().contracts.archive_by_day_of_next_month
        for number, contract in enumerate(contracts, start=1):
            assert contract.signed_at is not None
            due = archive_due(calendar, by_day, contract.signed_at)
            contract.archive(month, volume_no, number, context.actor, now, due)
        return volume

    def sales_contract(self, contract_id: UUID) -> SalesContract:
        return self.get(SalesContract, contract_id, "sales contract")

    def contract_volume(self, month: str) -> ContractVolume:
        return self.get(ContractVolume, ContractVolume.id_for(month), "contract volume")
