"""Commands of the take-back repair (RULES §4.9, the workshop path): the pickup receipt and the
customer's signature on the voucher (SD-14), check-in and the repair card (SD-14, SD-15), the
supervisor's inspection (SD-16) and the return against the customer's signature with the receipt
retrieved or its loss approved (SD-17). A timer escalates repairs past their promised time
(SD-19)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Select, func, select

from kernel.signing import CustomerSigning
from kernel.timers import deadline_timer
from runtime import clock
from runtime.application import Feature, command
from runtime.figures import Figure
from runtime.unit_of_work import CommandContext
from service_desk.domain.repair import (
    LOST_PICKUP_RECEIPT,
    REPAIR_INSPECTION,
    Repair,
    RepairStatus,
)
from service_desk.domain.service_call import ReplacedPart, ServiceCall
from service_desk.repair_projections import REPAIRS, repairs, repairs_past_promise


def _escalate(app: RepairCommands, context: CommandContext, repair_id: UUID) -> bool:
    return app.escalate_repair_delay(context, repair_id)


REPAIR_DELAYS = deadline_timer("repair-delays", repairs_past_promise, _escalate)
"""SD-19: a repair past its promised time with no RepairCompleted goes to the supervisor, once."""


_repairs = REPAIRS.table.c


def _at_workshop(app: Any, now: datetime) -> Select[Any]:
    away = _repairs.status.not_in(
        (RepairStatus.AWAITING_TAKE_BACK_SIGNATURE.value, RepairStatus.RETURNED.value)
    )
    return select(func.count()).select_from(REPAIRS.table).where(away)


def _escalated(app: Any, now: datetime) -> Select[Any]:
    return select(func.count()).select_from(REPAIRS.table).where(_repairs.escalated)


def _inspection_failures(app: Any, now: datetime) -> Select[Any]:
    return select(func.coalesce(func.sum(_repairs.inspection_failures), 0))


FIGURES = (
    Figure(
        "countersign_service_desk_repairs_at_workshop",
        "Products taken back for repair and not yet returned to the customer; their pickup "
        "receipts are still out (SD-14, SD-17).",
        _at_workshop,
        rule="SD-14",
    ),
    Figure(
        "countersign_service_desk_repair_delays_escalated",
        "Repairs escalated to the supervisor when their promised time passed unfinished (SD-19).",
        _escalated,
        counter=True,
        rule="SD-19",
    ),
    Figure(
        "countersign_service_desk_repair_inspection_failures",
        "Repaired products the supervisor's inspection sent back to repair (SD-16).",
        _inspection_failures,
        counter=True,
        rule="SD-16",
    ),
)


class RepairCommands(CustomerSigning):
    feature = Feature("repairs", projections=(repairs,), timers=(REPAIR_DELAYS,), figures=FIGURES)

    def repair(self, repair_id: UUID) -> Repair:
        return self.get(Repair, repair_id, "repair")

    @command
    def take_back(
        self,
        context: CommandContext,
        call_id: UUID,
        pickup_receipt_no: str,
        promised_working_days: int,
    ) -> Repair:
        """SD-14, SD-19: the pickup receipt is issued with the completion time promised on the
        working calendar; the customer then signs the voucher through their own link."""
        call = self.get(ServiceCall, call_id, "service call")
        call.take_back(context.actor, Repair.id_for(call.id), pickup_receipt_no)
        assert call.service_type is not None, "a diagnosed call has its service type"
        now, calendar = clock.now(), self.calendar
        repair = Repair.take_back(
            call.id,
            call.customer_id,
            call.voucher_id,
            call.service_type,
            call.caller.model,
            call.fault,
            call.technician_ids,
            pickup_receipt_no,
            context.actor,
            calendar.add_working_days(now, promised_working_days),
            calendar.version,
            calendar.zone.key,
            now,
        )
        return repair

    @command
    def check_in_product(
        self, context: CommandContext, repair_id: UUID, in_out_register_no: str, card_no: str
    ) -> Repair:
        repair = self.repair(repair_id)
        repair.check_in(in_out_register_no, card_no, context.actor)
        return repair

    @command
    def log_repair_work(
        self, context: CommandContext, repair_id: UUID, hours: Decimal, work: str
    ) -> Repair:
        repair = self.repair(repair_id)
        repair.log_work(context.actor, hours, work)
        return repair

    @command
    def fit_repair_part(
        self, context: CommandContext, repair_id: UUID, part: ReplacedPart
    ) -> Repair:
        repair = self.repair(repair_id)
        repair.fit_part(context.actor, part)
        return repair

    @command
    def complete_repair(
        self, context: CommandContext, repair_id: UUID, charge: Decimal | None
    ) -> Repair:
        """SD-15, SD-16: the card is complete; the supervisor inspects before it goes back.
        SD-13: a paid repair is charged its call's fee, quoted and approved beforehand."""
        repair = self.repair(repair_id)
        call = self.get(ServiceCall, repair.call_id, "service call")
        approved_fee = call.fee if call.fee_approval_id is not None else None
        repair.complete(context.actor, charge, approved_fee)
        self.request_approval(repair, REPAIR_INSPECTION, context.actor)
        return repair

    @command
    def retrieve_pickup_receipt(
        self,
        context: CommandContext,
        repair_id: UUID,
        pickup_receipt_no: str | None,
        explanation: str,
    ) -> Repair:
        """SD-17: the receipt is taken back from the customer; a lost one goes to the supervisor
        as a recorded exception."""
        repair = self.repair(repair_id)
        if repair.retrieve_receipt(pickup_receipt_no, explanation, context.actor):
            self.request_approval(repair, LOST_PICKUP_RECEIPT, context.actor)
        return repair

    @command
    def escalate_repair_delay(self, context: CommandContext, repair_id: UUID) -> bool:
        return self.repair(repair_id).escalate_delay(clock.now())
