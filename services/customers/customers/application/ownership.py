"""Commands and queries on account ownership: the balanced allocation (CU-15) and the handover
of the accounts when an owner leaves or changes job (CU-22)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from customers.domain.customer import Customer
from customers.domain.handover import (
    ESCALATE_TO,
    Handover,
    HandoverReason,
    HandoverStatus,
    OpenMatter,
)
from customers.projections import (
    HANDOVERS,
    FinalPayClearance,
    HandoverView,
    OwnerAccounts,
    accounts_per_owner,
    handovers,
    handovers_awaiting_data,
    handovers_past_due,
)
from kernel.approvals import Approvals
from kernel.approvals.domain import SignatureCapture
from kernel.timers import deadline_timer
from runtime import clock
from runtime.application import Feature, command
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest


def _flag_overdue(app: OwnershipCommands, context: CommandContext, handover_id: UUID) -> bool:
    return app.flag_overdue_handover(context, handover_id)


HANDOVER_DEADLINES = deadline_timer("handover-deadlines", handovers_past_due, _flag_overdue)


class OwnershipCommands(Approvals):
    feature = Feature(
        "ownership",
        projections=(handovers,),
        timers=(HANDOVER_DEADLINES,),
        value_objects=(OpenMatter,),
    )
    """CU-22: the handover lists and the timer that flags the ones not signed in time."""

    # -- CU-15: balanced allocation

    def accounts_per_owner(self) -> list[OwnerAccounts]:
        with self.read_models.read() as db:
            counted = accounts_per_owner(db)
        return [OwnerAccounts(owner_id=o, accounts=n) for o, n in sorted(counted.items())]

    # -- CU-22: handovers

    def handover(self, handover_id: UUID) -> Handover:
        return self.get(Handover, handover_id, "handover")

    def handover_list(self, request: PageRequest) -> Page[HandoverView]:
        return self.read_models.page(HANDOVERS, request)

    def escalated_handovers(self, request: PageRequest) -> Page[HandoverView]:
        """CU-22, §4.13: the overdue handovers escalated to the unit head, still unsigned."""
        columns = HANDOVERS.table.c
        return self.read_models.page(
            HANDOVERS,
            request,
            columns.escalated_to == ESCALATE_TO.value,
            columns.status == HandoverStatus.OPEN,
        )

    def final_pay_clearance(self, employee_id: str) -> FinalPayClearance:
        """CU-22: final pay is settled only once the employee holds no account and every one of
        their handovers got its customer data back."""
        with self.read_models.read() as db:
            awaiting = handovers_awaiting_data(db, employee_id)
            owned = accounts_per_owner(db).get(employee_id, 0)
        return FinalPayClearance(
            employee_id=employee_id,
            settleable=not awaiting and not owned,
            handovers_awaiting_data=awaiting,
            accounts_still_owned=owned,
        )

    @command
    def initiate_handover(
        self,
        context: CommandContext,
        transferor_id: str,
        receiver_id: str,
        witness_id: str,
        reason: HandoverReason,
        customer_ids: Sequence[UUID],
        open_matters: Sequence[OpenMatter],
    ) -> Handover:
        """CU-22: the list of the accounts the transferor hands over, due within the working
        days of the rule parameters in force (XC-07, XC-10)."""
        for customer_id in customer_ids:
            self._held_by(customer_id, transferor_id)
        calendar = self.calendar
        days = self.rule_parameters().customers.handover_within_working_days
        return Handover.initiate(
            transferor_id,
            receiver_id,
            witness_id,
            reason,
            customer_ids,
            open_matters,
            context.actor,
            calendar.add_working_days(clock.now(), days),
            calendar.version,
        )

    @command
    def revise_handover(
        self,
        context: CommandContext,
        handover_id: UUID,
        customer_ids: Sequence[UUID],
        open_matters: Sequence[OpenMatter],
    ) -> Handover:
        handover = self.handover(handover_id)
        for customer_id in customer_ids:
            self._held_by(customer_id, handover.transferor_id)
        handover.revise(customer_ids, open_matters, context.actor)
        return handover

    @command
    def sign_handover(
        self,
        context: CommandContext,
        handover_id: UUID,
        seen_hash: str,
        capture: SignatureCapture,
        seal: str,
    ) -> Handover:
        """CU-22: a party signs the version of the list they reviewed."""
        handover = self.handover(handover_id)
        handover.check_seen(seen_hash)
        self.capture_signature(context, handover_id, capture, seal)
        return handover

    @command
    def capture_signature(
        self, context: CommandContext, document_id: UUID, capture: SignatureCapture, seal: str
    ) -> UUID:
        """CU-22: whichever route records it, the third signature on a handover list hands its
        accounts over in the same unit of work."""
        signature_id = super().capture_signature(context, document_id, capture, seal)
        handover = self.find(Handover, document_id)
        if handover is not None and handover.fully_signed:
            handover.complete()
            for customer_id in handover.customer_ids:
                customer = self.get(Customer, customer_id, "customer")
                customer.hand_over(handover.id, handover.transferor_id, handover.receiver_id)
        return signature_id

    @command
    def flag_overdue_handover(self, context: CommandContext, handover_id: UUID) -> bool:
        return self.handover(handover_id).flag_overdue(clock.now())

    @command
    def record_customer_data_returned(self, context: CommandContext, handover_id: UUID) -> Handover:
        """CU-22: the receiver or the witness records that the transferor handed the customer
        data back."""
        handover = self.handover(handover_id)
        handover.record_data_returned(context.actor)
        return handover

    def _held_by(self, customer_id: UUID, transferor_id: str) -> None:
        # CU-22: a handover lists only accounts the transferor holds.
        self.get(Customer, customer_id, "customer").check_held_by(transferor_id)
