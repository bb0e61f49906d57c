"""Commands of the service call (RULES §4.9): registration in the one call-in register with its
SLA clock, dispatch, the SLA outcome, diagnosis, the service report, the customer's signature
through their own channel, closing and the leader's approval. Two timers watch the register: SLA
breaches (once per call) and SD-07's next-day priority for calls left undispatched."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from uuid import UUID

from kernel.application import PolicyNotInForce
from kernel.roles import Role
from kernel.settings import KernelSettings
from kernel.signing import CustomerSigning
from kernel.timers import deadline_timer
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.application import Feature, Timer, command
from runtime.unit_of_work import CommandContext
from service_desk.call_projections import calls_past_sla, calls_undispatched_before, service_calls
from service_desk.domain.known_customer import KnownCustomer
from service_desk.domain.maintenance_contract import MaintenanceContract, covering_contract
from service_desk.domain.repair import Repair, RepairStatus
from service_desk.domain.service_call import (
    PAID_SERVICE,
    SERVICE_CALL_CONFIRMATION,
    SERVICE_REPORT,
    Caller,
    Channel,
    ReplacedPart,
    ServiceCall,
    ServiceType,
    TripAdvance,
    Zone,
    sla_for,
)
from service_desk.domain.voucher import ServiceVoucher
from service_desk.maintenance_projections import contracts_in_force_of


def _flag_breach(app: ServiceCallCommands, context: CommandContext, call_id: UUID) -> bool:
    return app.flag_sla_breach(context, call_id)


SLA_BREACHES = deadline_timer("service-sla-breaches", calls_past_sla, _flag_breach)
"""SD-04, SD-05, SD-06: a call past its SLA deadline with no arrival or reply is flagged, once."""


def _prioritise_carried_over(app: ServiceCallCommands) -> None:
    """SD-07: the daily reconciliation: what was not dispatched on its day gets priority."""
    try:
        calendar = app.calendar
    except PolicyNotInForce:
        return  # XC-07: no working day is known before the GM signed the calendar
    now = clock.now()
    today = datetime.combine(now.astimezone(calendar.zone).date(), time(), calendar.zone)
    with app.read_models.read() as db:
        waiting = calls_undispatched_before(db, today)
    timer = CommandContext(actor=f"{app.service_name}:timer")
    for call_id in waiting:
        app.prioritise_call(timer, call_id)


CARRY_OVER = Timer(
    "service-call-carry-over",
    lambda settings: KernelSettings.of(settings).timer_seconds,
    _prioritise_carried_over,
)


class ServiceCallCommands(CustomerSigning):
    feature = Feature(
        "service-calls",
        projections=(service_calls,),
        timers=(SLA_BREACHES, CARRY_OVER),
        value_objects=(Caller, ReplacedPart, TripAdvance),
    )

    def service_call(self, call_id: UUID) -> ServiceCall:
        return self.get(ServiceCall, call_id, "service call")

    @command
    def register_call(
        self,
        context: CommandContext,
        customer_id: UUID,
        caller: Caller,
        voucher_id: UUID | None,
        channel: Channel,
        zone: Zone,
        supplier_dependent: bool,
        emergency: bool,
        fault: str,
        received_at: datetime | None,
        coverage_unclear: bool = False,
        chargeable: bool = False,
    ) -> ServiceCall:
        """SD-03, SD-42, SD-43: the call goes into the register at once; its SLA clock starts at
        registration whatever the channel (C5), under the rule parameters and calendar in force."""
        customer = self.find(KnownCustomer, customer_id)
        if customer is None:
            raise RuleViolation(
                "SD-03",
                "the customer has no file to pull the voucher from",
                customer_id=str(customer_id),
            )
        voucher = None
        if voucher_id is not None:
            found = self.get(ServiceVoucher, voucher_id, "service voucher")
            voucher = (found.id, found.customer_id, found.warranty_until)
        parameters = self.rule_parameters()
        now = clock.now()
        sla = sla_for(
            zone, supplier_dependent, emergency, now, parameters.service_sla, self.calendar
        )
        call = ServiceCall.register(
            customer.id,
            caller,
            voucher,
            channel,
            zone,
            supplier_dependent,
            emergency,
            fault,
            received_at or now,
            context.actor,
            Role.SALES_CLERK in context.roles,
            coverage_unclear,
            chargeable,
            customer.grade == "A",
            sla,
            parameters.version,
            now,
        )
        if call.awaiting_confirmation:
            self.request_approval(call, SERVICE_CALL_CONFIRMATION, context.actor)
        return call

    @command
    def dispatch_call(
        self,
        context: CommandContext,
        call_id: UUID,
        technician_ids: tuple[str, ...],
        lead_technician_id: str | None,
    ) -> ServiceCall:
        call = self.service_call(call_id)
        call.dispatch(technician_ids, lead_technician_id, context.actor)
        return call

    @command
    def reply_to_customer(
        self, context: CommandContext, call_id: UUID, reply: str, agreed_visit_date: date
    ) -> ServiceCall:
        call = self.service_call(call_id)
        now = clock.now()
        today = now.astimezone(self.calendar.zone).date()
        call.reply(reply, agreed_visit_date, context.actor, now, today)
        return call

    @command
    def record_arrival(self, context: CommandContext, call_id: UUID) -> ServiceCall:
        call = self.service_call(call_id)
        call.arrive(context.actor, clock.now(), self.calendar)
        return call

    @command
    def record_diagnosis(
        self,
        context: CommandContext,
        call_id: UUID,
        in_warranty: bool,
        tampered: bool,
        running_hours: int | None,
        mileage_km: int | None,
        findings: str,
        cause: str,
        service_type: ServiceType,
        unit_to_be_replaced: bool,
    ) -> ServiceCall:
        call = self.service_call(call_id)
        today = clock.now().astimezone(self.calendar.zone).date()
        contract = None
        if service_type is ServiceType.CONTRACT:
            # SD-01, SD-48: the customer's contracts in force, from the read table; the aggregate
            # decides which covers the product today.
            with self.read_models.read() as db:
                candidates = contracts_in_force_of(db, call.customer_id)
            contract = covering_contract(
                (self.get(MaintenanceContract, c, "maintenance contract") for c in candidates),
                call.voucher_id,
                today,
            )
        call.diagnose(
            context.actor,
            in_warranty,
            tampered,
            running_hours,
            mileage_km,
            findings,
            cause,
            service_type,
            unit_to_be_replaced,
            today,
            None if contract is None else contract.id,
            self._sold(call.voucher_id),
        )
        if contract is not None:
            contract.serve_call(call.id, call.voucher_id, today)
        return call

    def _sold(self, voucher_id: UUID | None) -> tuple[UUID, str, str] | None:
        """C10: the unit's order, product and serial number, from its voucher."""
        found = None if voucher_id is None else self.find(ServiceVoucher, voucher_id)
        return None if found is None else (found.order_id, found.product_code, found.serial_number)

    @command
    def complete_work(
        self,
        context: CommandContext,
        call_id: UUID,
        work_done: str,
        parts: tuple[ReplacedPart, ...],
        guidance_given: str,
    ) -> ServiceCall:
        call = self.service_call(call_id)
        call.complete(context.actor, work_done, parts, guidance_given)
        return call

    @command
    def quote_fee(self, context: CommandContext, call_id: UUID, amount: Decimal) -> ServiceCall:
        """SD-13, C4: a paid job's fee goes to the unit leader for approval beforehand."""
        call = self.service_call(call_id)
        call.quote_fee(context.actor, amount, self.calendar.zone.key)
        self.request_approval(call, PAID_SERVICE, context.actor, amount)
        return call

    @command
    def collect_fee_on_site(
        self, context: CommandContext, call_id: UUID, amount: Decimal, receipt_no: str
    ) -> ServiceCall:
        """SD-13, C4: under the cash limit in force, against a receipt."""
        call = self.service_call(call_id)
        limit = self.rule_parameters().cash.service_fee_cash_limit
        call.collect_fee(context.actor, amount, receipt_no, limit, clock.now())
        return call

    @command
    def report_major_issue(
        self, context: CommandContext, call_id: UUID, proposal: str, customer_demand: str
    ) -> ServiceCall:
        """SD-20: at once, to the unit leader or (from sales) the sales manager, who take it to
        leadership through the call's major matters (XC-06)."""
        call = self.service_call(call_id)
        salesperson = Role.SALESPERSON in context.roles
        call.report_major_issue(context.actor, salesperson, proposal, customer_demand)
        return call

    @command
    def close_call(self, context: CommandContext, call_id: UUID) -> ServiceCall:
        """SD-12, SD-21, C11: the clerk cancels the register entry (after the customer signed
        the report, or got the taken-back product back: SD-17); the report goes to the leader,
        whose approval closes the call."""
        call = self.service_call(call_id)
        repair = self.find(Repair, Repair.id_for(call_id))
        call.close(context.actor, repair is not None and repair.status is RepairStatus.RETURNED)
        self.request_approval(call, SERVICE_REPORT, context.actor)
        return call

    @command
    def flag_sla_breach(self, context: CommandContext, call_id: UUID) -> bool:
        return self.service_call(call_id).flag_breach(clock.now())

    @command
    def prioritise_call(self, context: CommandContext, call_id: UUID) -> bool:
        return self.service_call(call_id).prioritise(clock.now(), self.calendar)
