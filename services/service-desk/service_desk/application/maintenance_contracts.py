"""Commands of the maintenance contract (RULES §4.2's maintenance part): registered with its content
(OR-10), approved through the matrix's contract chain and signed by the customer through their
own link; its expiry notice due one month before the end on the working calendar, sent, and a
renewal visit assigned (SD-29); renewed by a new contract through the same path, or lapsed; the
periodic visits with the customer's evaluation (SD-48). Timers mark the notices due, flag the
overdue visits and lapse the contracts that ended unrenewed. The service department's list of
overdue items (SD-47) reads the read tables."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import UUID

from kernel.signing import CustomerSigning
from kernel.timers import deadline_timer
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.application import Feature, command
from runtime.figures import Figure
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest
from service_desk.domain.known_customer import KnownCustomer
from service_desk.domain.maintenance_contract import (
    MAINTENANCE_CONTRACT,
    ContractVisit,
    CoveredProduct,
    MaintenanceContract,
)
from service_desk.domain.voucher import ServiceVoucher
from service_desk.maintenance_projections import (
    contracts_past_end,
    maintenance_contracts,
    notices_due,
    visits_overdue,
)
from service_desk.overdue_items import OverdueItem, OverdueKind, overdue_by_kind, overdue_items


def _mark_notice_due(app: MaintenanceContractCommands, context: CommandContext, id: UUID) -> bool:
    return app.mark_expiry_notice_due(context, id)


def _flag_visit(app: MaintenanceContractCommands, context: CommandContext, id: UUID) -> bool:
    return app.flag_contract_visit_overdue(context, id)


def _lapse(app: MaintenanceContractCommands, context: CommandContext, id: UUID) -> bool:
    return app.lapse_maintenance_contract(context, id)


EXPIRY_NOTICES = deadline_timer("maintenance-expiry-notices", notices_due, _mark_notice_due)
"""SD-29: ``MaintenanceContractExpiryNoticeDue`` once, when the notice falls due."""
CONTRACT_VISITS = deadline_timer("maintenance-visits-overdue", visits_overdue, _flag_visit)
"""SD-48: a planned periodic visit whose day passed is flagged once."""
CONTRACT_ENDS = deadline_timer("maintenance-contract-ends", contracts_past_end, _lapse)
"""SD-29: a contract past its end without a renewal lapses."""

OVERDUE_ITEMS = Figure(
    "countersign_service_desk_overdue_items",
    "Items past their time the service department chases, by kind: calls undispatched past "
    "their SLA, complaints past a time limit, expiry notices not sent, contract visits overdue "
    "(SD-47).",
    overdue_by_kind,
    labels=("kind",),
    known=tuple((kind.value,) for kind in OverdueKind),
    rule="SD-47",
)


class MaintenanceContractCommands(CustomerSigning):
    feature = Feature(
        "maintenance-contracts",
        projections=(maintenance_contracts,),
        timers=(EXPIRY_NOTICES, CONTRACT_VISITS, CONTRACT_ENDS),
        value_objects=(CoveredProduct, ContractVisit),
        figures=(OVERDUE_ITEMS,),
    )

    def maintenance_contract(self, contract_id: UUID) -> MaintenanceContract:
        return self.get(MaintenanceContract, contract_id, "maintenance contract")

    def _today(self) -> date:
        return clock.now().astimezone(self.calendar.zone).date()

    @command
    def register_maintenance_contract(
        self,
        context: CommandContext,
        customer_id: UUID,
        voucher_ids: tuple[UUID, ...],
        services: tuple[str, ...],
        starts_on: date,
        ends_on: date,
        visit_interval_days: int,
        price: Decimal,
        payment_terms: str,
        breach_liability: str,
        renews_id: UUID | None = None,
    ) -> MaintenanceContract:
        """OR-10: a draft for a customer on file, covering that customer's own products, with
        its expiry notice's due time on the calendar and lead time in force (SD-29)."""
        if self.find(KnownCustomer, customer_id) is None:
            raise RuleViolation(
                "OR-10", "the contract's customer has no file", customer_id=str(customer_id)
            )
        covered = []
        for voucher_id in dict.fromkeys(voucher_ids):
            voucher = self.get(ServiceVoucher, voucher_id, "service voucher")
            if voucher.customer_id != customer_id:
                raise RuleViolation(
                    "SD-48",
                    "a maintenance contract covers the customer's own products",
                    voucher_id=str(voucher_id),
                )
            covered.append(CoveredProduct(voucher.id, voucher.product_code, voucher.serial_number))
        renewed = None if renews_id is None else self.maintenance_contract(renews_id)
        parameters = self.rule_parameters()
        return MaintenanceContract.register(
            customer_id,
            tuple(covered),
            services,
            starts_on,
            ends_on,
            visit_interval_days,
            price,
            payment_terms,
            breach_liability,
            context.actor,
            renewed,
            parameters.maintenance_contracts.expiry_notice_lead_months,
            self.calendar,
            parameters.version,
        )

    @command
    def submit_maintenance_contract(
        self, context: CommandContext, contract_id: UUID
    ) -> MaintenanceContract:
        """OR-10: review and approval through the contract chain, by the contract's value."""
        contract = self.maintenance_contract(contract_id)
        contract.submit(context.actor)
        self.request_approval(contract, MAINTENANCE_CONTRACT, context.actor, contract.price)
        return contract

    @command
    def mark_expiry_notice_due(self, context: CommandContext, contract_id: UUID) -> bool:
        return self.maintenance_contract(contract_id).mark_notice_due(clock.now())

    @command
    def send_expiry_notice(
        self, context: CommandContext, contract_id: UUID, notice_ref: str
    ) -> MaintenanceContract:
        contract = self.maintenance_contract(contract_id)
        contract.send_notice(notice_ref, context.actor, clock.now())
        return contract

    @command
    def assign_renewal_visit(
        self, context: CommandContext, contract_id: UUID, assignee: str, visit_on: date
    ) -> MaintenanceContract:
        contract = self.maintenance_contract(contract_id)
        contract.assign_renewal_visit(assignee, visit_on, context.actor)
        return contract

    @command
    def record_renewal(
        self, context: CommandContext, contract_id: UUID, renewal_id: UUID
    ) -> MaintenanceContract:
        """SD-29: the renewal contract, approved and signed, renews this one."""
        contract = self.maintenance_contract(contract_id)
        contract.renew(self.maintenance_contract(renewal_id), context.actor)
        return contract

    @command
    def lapse_maintenance_contract(self, context: CommandContext, contract_id: UUID) -> bool:
        return self.maintenance_contract(contract_id).lapse(self._today())

    @command
    def flag_contract_visit_overdue(self, context: CommandContext, contract_id: UUID) -> bool:
        return self.maintenance_contract(contract_id).flag_visit_overdue(self._today())

    @command
    def record_contract_visit(
        self,
        context: CommandContext,
        contract_id: UUID,
        visited_on: date,
        rating: int,
        comment: str,
    ) -> MaintenanceContract:
        """SD-48: a periodic follow-up visit with the customer's evaluation."""
        contract = self.maintenance_contract(contract_id)
        visit = ContractVisit(visited_on, context.actor, rating, comment)
        contract.record_visit(visit, self._today())
        return contract

    def overdue_items(self, request: PageRequest, owner_id: str | None) -> Page[OverdueItem]:
        with self.read_models.read() as db:
            return overdue_items(db, clock.now(), request, owner_id)
