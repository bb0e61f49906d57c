"""Commands of the spare-parts store (RULES §4.11): parts booked in per ledger (SD-28), issued
against a requisition the leader approved (SD-24) and returned unused, the old parts brought back
and dealt with monthly under a timer (SD-22), fitted warranty parts written off (SD-25), the
freight of mailed parts signed off (SD-26) and the secondary claims on suppliers (SD-27)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import Select, case, func, literal, select, union_all

from kernel.calendar import Deadline
from kernel.signing import CustomerSigning
from kernel.timers import deadline_timer
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.application import Feature, command
from runtime.figures import Figure
from runtime.ids import new_id
from runtime.unit_of_work import CommandContext
from service_desk.domain.freight import FREIGHT, FreightCost
from service_desk.domain.service_call import ServiceCall
from service_desk.domain.spare_parts import (
    SPARE_PART_REQUISITION,
    WARRANTY_PART_WRITE_OFF,
    Disposition,
    Ledger,
    RequisitionStatus,
    SparePartRequisition,
    SparePartStock,
    disposal_due,
)
from service_desk.domain.supplier_claim import ClaimedPart, SupplierClaim
from service_desk.parts_projections import (
    OLD_PART_NOT_DISPOSED,
    OLD_PART_NOT_RETURNED,
    SPARE_PART_REQUISITIONS,
    SUPPLIER_CLAIMS,
    old_parts_past_due,
    requisitions,
    spare_part_stock,
    supplier_claims,
)


def _flag_old_part(app: SparePartCommands, context: CommandContext, requisition_id: UUID) -> bool:
    return app.flag_old_part(context, requisition_id)


OLD_PARTS = deadline_timer("old-parts", old_parts_past_due, _flag_old_part)
"""SD-22: an old part not back in time, or not dealt with in its month, is flagged, once each."""

_requisitions = SPARE_PART_REQUISITIONS.table.c


def _old_parts_outstanding(app: Any, now: datetime) -> Select[Any]:
    overdue = case(
        (_requisitions.return_overdue | _requisitions.disposal_overdue, "yes"), else_="no"
    )
    by_state = [
        select(literal(state).label("state"), overdue.label("overdue")).where(where)
        for state, where in (
            ("not_returned", OLD_PART_NOT_RETURNED),
            ("not_disposed", OLD_PART_NOT_DISPOSED),
        )
    ]
    rows = union_all(*by_state).subquery()
    return select(rows.c.state, rows.c.overdue, func.count()).group_by(rows.c.state, rows.c.overdue)


def _written_off(app: Any, now: datetime) -> Select[Any]:
    written_off = _requisitions.status == RequisitionStatus.WRITTEN_OFF.value
    return select(
        func.coalesce(func.sum(_requisitions.qty - _requisitions.restocked_qty), 0)
    ).where(written_off)


def _supplier_claims(app: Any, now: datetime) -> Select[Any]:
    status = SUPPLIER_CLAIMS.table.c.status
    return select(status, func.count()).group_by(status)


FIGURES = (
    Figure(
        "countersign_service_desk_old_parts_outstanding",
        "Old parts not back yet, or back and not dealt with, by whether the timer flagged them "
        "late (SD-22).",
        _old_parts_outstanding,
        labels=("state", "overdue"),
        known=tuple(
            (state, overdue)
            for state in ("not_returned", "not_disposed")
            for overdue in ("yes", "no")
        ),
        rule="SD-22",
    ),
    Figure(
        "countersign_service_desk_warranty_parts_written_off",
        "Fitted warranty parts written off with the signed report, the leader's consent and the "
        "old part (SD-25); per month: increase(...[30d]).",
        _written_off,
        counter=True,
        rule="SD-25",
    ),
    Figure(
        "countersign_service_desk_supplier_claims",
        "Secondary claims on suppliers, filed and not settled yet, or settled (SD-27).",
        _supplier_claims,
        labels=("status",),
        known=(("filed",), ("settled",)),
        rule="SD-27",
    ),
)


class SparePartCommands(CustomerSigning):
    feature = Feature(
        "spare-parts",
        projections=(spare_part_stock, requisitions, supplier_claims),
        timers=(OLD_PARTS,),
        value_objects=(ClaimedPart,),
        figures=FIGURES,
    )

    def stock(self, ledger: Ledger, station: str | None, part_no: str) -> SparePartStock | None:
        return self.find(SparePartStock, SparePartStock.id_for(ledger, station, part_no))

    def requisition(self, requisition_id: UUID) -> SparePartRequisition:
        return self.get(SparePartRequisition, requisition_id, "spare-part requisition")

    def freight(self, shipment_ref: UUID) -> FreightCost:
        return self.get(FreightCost, shipment_ref, "freight")

    def supplier_claim(self, claim_id: UUID) -> SupplierClaim:
        return self.get(SupplierClaim, claim_id, "supplier claim")

    # -- the store (SD-28)

    @command
    def receive_parts(
        self,
        context: CommandContext,
        ledger: Ledger,
        station: str | None,
        part_no: str,
        receipt_form_no: str,
        qty: int,
    ) -> SparePartStock:
        """SD-28: booked in on the receipt form, into the central or the station's ledger."""
        stock = self.stock(ledger, station, part_no) or SparePartStock.open(
            ledger, station, part_no
        )
        stock.receive(receipt_form_no, qty, context.actor)
        return stock

    # -- the requisition (SD-24)

    @command
    def requisition_part(
        self,
        context: CommandContext,
        call_id: UUID,
        part_no: str,
        qty: int,
        ledger: Ledger,
        station: str | None,
        reason: str,
    ) -> SparePartRequisition:
        """SD-24: the technician's requisition goes to the leader for approval."""
        call = self.get(ServiceCall, call_id, "service call")
        requisition = SparePartRequisition.requisition(
            call.id,
            call.customer_id,
            None if call.service_type is None else call.service_type.value,
            call.technician_ids,
            part_no,
            qty,
            ledger,
            station,
            reason,
            context.actor,
        )
        self.request_approval(requisition, SPARE_PART_REQUISITION, context.actor)
        return requisition

    @command
    def issue_part(self, context: CommandContext, requisition_id: UUID) -> SparePartRequisition:
        """SD-24, SD-28: against the approved requisition, from stock that is there; the old
        part is due back within the working days the rule parameters say (SD-22)."""
        requisition = self.requisition(requisition_id)
        parameters = self.rule_parameters().spare_parts
        calendar = self.calendar
        due = calendar.add_working_days(clock.now(), parameters.old_part_return_within_working_days)
        requisition.issue(context.actor, Deadline(due, calendar.version))
        stock = self.stock(requisition.ledger, requisition.station, requisition.part_no)
        if stock is None:
            raise RuleViolation(
                "SD-28",
                "this part has never been booked into that ledger",
                part_no=requisition.part_no,
            )
        stock.issue(requisition.id, requisition.qty)
        return requisition

    @command
    def return_to_stock(
        self, context: CommandContext, requisition_id: UUID, qty: int
    ) -> SparePartRequisition:
        """SD-28: parts issued and not used go back on the shelf and into the book."""
        requisition = self.requisition(requisition_id)
        requisition.return_to_stock(qty, context.actor)
        stock = self.stock(requisition.ledger, requisition.station, requisition.part_no)
        assert stock is not None, "a requisition was issued from this stock"
        stock.restock(requisition.id, qty)
        return requisition

    # -- the old parts (SD-22)

    @command
    def return_old_part(
        self, context: CommandContext, requisition_id: UUID
    ) -> SparePartRequisition:
        """SD-22: the old part is back; it is dealt with in its month's handling."""
        requisition = self.requisition(requisition_id)
        by_day = self.rule_parameters().spare_parts.old_parts_disposed_by_working_day
        due = disposal_due(clock.now(), by_day, self.calendar)
        requisition.return_old_part(new_id(), context.actor, due)
        return requisition

    @command
    def dispose_old_part(
        self, context: CommandContext, requisition_id: UUID, disposition: Disposition
    ) -> SparePartRequisition:
        requisition = self.requisition(requisition_id)
        requisition.dispose_old_part(disposition, context.actor)
        return requisition

    @command
    def flag_old_part(self, context: CommandContext, requisition_id: UUID) -> bool:
        return self.requisition(requisition_id).flag_old_part(clock.now())

    # -- the write-off (SD-25)

    def _report_signature(self, requisition: SparePartRequisition) -> UUID | None:
        """The customer's signature on the call's service report, once signed (SD-11)."""
        return self.get(ServiceCall, requisition.call_id, "service call").signature_id

    @command
    def ask_write_off_consent(
        self, context: CommandContext, requisition_id: UUID
    ) -> SparePartRequisition:
        """SD-25: after the customer signed the report, the leader is asked to consent."""
        requisition = self.requisition(requisition_id)
        requisition.ask_write_off_consent(self._report_signature(requisition))
        self.request_approval(requisition, WARRANTY_PART_WRITE_OFF, context.actor)
        return requisition

    @command
    def write_off_part(
        self, context: CommandContext, requisition_id: UUID, amount: Decimal | None = None
    ) -> SparePartRequisition:
        """SD-25; ``amount`` the part's cost, for billing's warranty cost (BI-26)."""
        requisition = self.requisition(requisition_id)
        requisition.write_off(self._report_signature(requisition), context.actor, amount)
        return requisition

    # -- freight (SD-26)

    @command
    def record_freight(
        self,
        context: CommandContext,
        call_id: UUID,
        requisition_id: UUID | None,
        waybill_no: str,
        amount: Decimal,
    ) -> FreightCost:
        """SD-26: the handler records what mailing the part cost; he and the leader sign it."""
        call = self.get(ServiceCall, call_id, "service call")
        if requisition_id is not None and self.requisition(requisition_id).call_id != call.id:
            raise RuleViolation("SD-26", "the mailed part was requisitioned for another call")
        freight = FreightCost.record(
            new_id(), call.id, requisition_id, waybill_no, amount, context.actor
        )
        self.request_approval(freight, FREIGHT, context.actor, amount)
        return freight

    # -- claims on suppliers (SD-27)

    @command
    def file_supplier_claim(
        self,
        context: CommandContext,
        supplier: str,
        requisition_ids: tuple[UUID, ...],
        evidence_refs: tuple[str, ...],
        amount: Decimal,
    ) -> SupplierClaim:
        """SD-27: the old parts that came back go to the supplier as the claim's evidence."""
        claim_id = new_id()
        parts = []
        for requisition_id in dict.fromkeys(requisition_ids):
            requisition = self.requisition(requisition_id)
            if requisition.old_part_ref is None or requisition.disposition is not None:
                raise RuleViolation(
                    "SD-27",
                    "a claim's evidence is an old part that came back and was not dealt with",
                    requisition_id=str(requisition_id),
                )
            requisition.dispose_old_part(Disposition.SUPPLIER_CLAIM, context.actor, claim_id)
            parts.append(
                ClaimedPart(
                    requisition.id,
                    requisition.part_no,
                    requisition.fitted_qty,
                    requisition.call_id,
                    requisition.old_part_ref,
                )
            )
        return SupplierClaim.file(
            claim_id, supplier, tuple(parts), evidence_refs, amount, context.actor
        )

    @command
    def settle_supplier_claim(
        self, context: CommandContext, claim_id: UUID, amount: Decimal
    ) -> SupplierClaim:
        claim = self.supplier_claim(claim_id)
        claim.settle(amount, context.actor)
        return claim
