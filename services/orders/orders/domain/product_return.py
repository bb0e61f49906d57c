"""The return of goods from a delivered order (RULES §4.4; OR-24 … OR-29).

The customer applies through the salesperson with a reason code from the configured list (OR-29),
within the return window after delivery. The decisions are the steps of the authority matrix's
``return`` chain, each signed over the version its approver saw: the branch manager confirms the
request before anything else happens (OR-24); the salesperson then checks name, specification and
quantity against the original order's lines, never more than was delivered net of earlier returns
(OR-25, a recorded event: the salesperson raised the request and approves no step of it, XC-05);
the technical department authenticates the goods, and goods not genuine (its step rejected) end
the return (OR-26). The return detail, a red-letter goods request referencing the original one, is
approved by the sales manager, the chain's last step (OR-27); only then does the sales clerk issue
the red outbound order, copy 2 to the warehouse, and the warehouse keeper receives and counts the
goods, recording any discrepancy (OR-28, OR-29)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol, Self
from uuid import UUID, uuid5

from kernel.approvals.domain import Approvable, ApprovalState, Approver, StepStatus
from kernel.calendar import Deadline
from kernel.roles import Role
from orders.domain.lines import signed_line
from orders.domain.order import WITH_THE_CUSTOMER, OrderLine, OrderStatus
from orders.domain.staff import acting_as
from runtime.aggregate import Aggregate, RuleViolation


class DeliveredOrder(Protocol):
    """What a return needs of the original order (``orders.domain.order.Order`` is one)."""

    @property
    def id(self) -> UUID: ...
    @property
    def customer_id(self) -> UUID: ...
    @property
    def currency(self) -> str: ...
    @property
    def status(self) -> OrderStatus: ...
    @property
    def received_at(self) -> datetime | None: ...
    @property
    def lines(self) -> tuple[OrderLine, ...]: ...


@dataclass(frozen=True)
class ReturnLine:
    product_code: str
    description: str
    quantity: int
    unit_price: Decimal


class ReturnStatus(StrEnum):
    REQUESTED = "requested"
    VERIFYING = "verifying"
    AUTHENTICATING = "authenticating"
    DETAIL_PENDING = "detail_pending"
    PENDING_SALES_MANAGER_APPROVAL = "pending_sales_manager_approval"
    APPROVED = "approved"
    AWAITING_WAREHOUSE = "awaiting_warehouse"
    RECEIVED = "received"
    REJECTED = "rejected"


RETURN = "return"
"""The authority matrix's chain: the branch manager, technical authentication, the sales manager."""
CONFIRMATION_STEP = "branch_manager"
"""OR-24: the branch manager confirms the request."""
AUTHENTICATION_STEP = "technical_authentication"
"""OR-26: the technical department says whether the goods are genuine."""
DETAIL_STEP = "sales_manager"
"""OR-27: the sales manager approves the return detail."""

EXCHANGE_REASON = "defective"
"""C10: a unit the technician judged must be replaced comes back as defective (OR-29's list)."""


def _delivered_lines(order: DeliveredOrder) -> tuple[ReturnLine, ...]:
    return tuple(
        ReturnLine(line.product_code, line.description, line.quantity, line.unit_price)
        for line in order.lines
    )


def _in(status: ReturnStatus, expected: ReturnStatus, rule: str) -> None:
    if status is not expected:
        raise RuleViolation(rule, f"the return is {status}, not {expected}", status=str(status))


class ProductReturn(Approvable):
    document_type = "product_return"

    def __init__(self) -> None:
        self.order_id: UUID
        self.customer_id: UUID
        self.currency: str
        self.reason_code: str
        self.delivered: tuple[ReturnLine, ...]
        self.requested_by: str
        self.exchange: bool
        self.service_call_id: UUID | None
        self.status = ReturnStatus.REQUESTED
        self.lines: tuple[ReturnLine, ...] = ()
        self.red_outbound_id: UUID | None = None
        self.discrepancy: str | None = None
        self.credit_note_id: UUID | None = None

    class Requested(Approvable.Created):
        order_id: UUID
        customer_id: UUID
        currency: str
        reason_code: str
        delivered: tuple[ReturnLine, ...]
        requested_by: str
        exchange: bool = False
        """C10: the unit is replaced rather than refunded."""
        service_call_id: UUID | None = None
        """C10 (RULES §7 row 16): the service call whose diagnosis originated it."""

        def apply(self, ret: ProductReturn) -> None:
            super().apply(ret)
            ret.delivered = tuple(self.delivered)  # a list once stored as JSON

    class ConfirmedByBranchManager(Approvable.Event):
        confirmed_by: str

        def apply(self, ret: ProductReturn) -> None:
            ret.status = ReturnStatus.VERIFYING

    class GoodsVerified(Approvable.Event):
        lines: tuple[ReturnLine, ...]
        verified_by: str

        def apply(self, ret: ProductReturn) -> None:
            ret.status, ret.lines = ReturnStatus.AUTHENTICATING, tuple(self.lines)

    class GoodsAuthenticated(Approvable.Event):
        genuine: bool
        note: str
        authenticated_by: str

        def apply(self, ret: ProductReturn) -> None:
            ret.status = ReturnStatus.DETAIL_PENDING if self.genuine else ReturnStatus.REJECTED

    class DetailSubmitted(Approvable.Event):
        """OR-27: the return detail, a red-letter goods request referencing the original one."""

        original_order_id: UUID
        submitted_by: str

        def apply(self, ret: ProductReturn) -> None:
            ret.status = ReturnStatus.PENDING_SALES_MANAGER_APPROVAL

    class Approved(Approvable.Event):
        approved_by: str

        def apply(self, ret: ProductReturn) -> None:
            ret.status = ReturnStatus.APPROVED

    class Rejected(Approvable.Event):
        rejected_by: str
        reason: str

        def apply(self, ret: ProductReturn) -> None:
            ret.status = ReturnStatus.REJECTED

    class RedOutboundOrderIssued(Approvable.Event):
        """OR-28 (``RedOutboundOrderIssued``): reverses the original outbound; copy 2 to the
        warehouse keeper."""

        red_outbound_id: UUID
        order_id: UUID
        customer_id: UUID
        lines: tuple[ReturnLine, ...]
        currency: str
        issued_by: str

        def apply(self, ret: ProductReturn) -> None:
            ret.status, ret.red_outbound_id = ReturnStatus.AWAITING_WAREHOUSE, self.red_outbound_id

    class ReceivedIntoWarehouse(Approvable.Event):
        """OR-28, OR-29 (``ReturnCounted``): received and counted, with any discrepancy."""

        order_id: UUID
        customer_id: UUID
        red_outbound_id: UUID
        received_at: datetime
        counted: Mapping[str, int]
        discrepancy: str
        received_by: str

        def apply(self, ret: ProductReturn) -> None:
            ret.status, ret.discrepancy = ReturnStatus.RECEIVED, self.discrepancy

    class Credited(Approvable.Event):
        """BI-18 (RULES §8): billing issued the red-letter invoice for the goods returned; the
        return's cycle, from its request to the credit note, ends here."""

        credit_note_id: UUID
        amount: Decimal
        credited_at: datetime

        def apply(self, ret: ProductReturn) -> None:
            ret.credit_note_id = self.credit_note_id

    @classmethod
    def request(
        cls,
        order: DeliveredOrder,
        reason_code: str,
        requested_by: str,
        roles: frozenset[str],
        now: datetime,
        reasons: Collection[str],
        window: timedelta,
    ) -> Self:
        """OR-24, OR-29: ``reasons`` and ``window`` are the rule parameters in force (XC-07)."""
        # OR-24: the customer's application comes in through the salesperson.
        acting_as((Role.SALESPERSON,), roles, "OR-24", "reporting a return")
        # OR-24: only goods that were delivered can come back.
        if order.status not in WITH_THE_CUSTOMER or order.received_at is None:
            raise RuleViolation(
                "OR-24", "only a delivered order's goods are returned", status=str(order.status)
            )
        # OR-29: a reason from the configured list, within the window after delivery.
        if reason_code not in reasons:
            raise RuleViolation(
                "OR-29", "the reason is not a configured return reason", reasons=sorted(reasons)
            )
        if now > order.received_at + window:
            raise RuleViolation(
                "OR-29",
                "the return window after delivery has passed",
                delivered_at=order.received_at.isoformat(),
                window_days=window.days,
            )
        return cls._create(
            cls.Requested,
            order_id=order.id,
            customer_id=order.customer_id,
            currency=order.currency,
            reason_code=reason_code,
            delivered=_delivered_lines(order),
            requested_by=requested_by,
        )

    @staticmethod
    def id_for_call(call_id: UUID) -> UUID:
        # C10: one exchange per diagnosed service call; a redelivered diagnosis finds it.
        return uuid5(call_id, "service-exchange")

    @classmethod
    def exchange_for(cls, order: DeliveredOrder, call_id: UUID, diagnosed_by: str) -> Self | None:
        """C10 (RULES §7 row 16): service-desk's technician judged the unit must be replaced, so
        the service channel originates an exchange, which then follows OR-24…28 from the branch
        manager's confirmation. The diagnosis happened already: for an order whose goods were
        never delivered there is nothing to exchange, and None is returned. OR-29's window after
        delivery is a return's, not a defect found in service."""
        if order.status not in WITH_THE_CUSTOMER or order.received_at is None:
            return None
        return cls._create(
            cls.Requested,
            id=cls.id_for_call(call_id),
            order_id=order.id,
            customer_id=order.customer_id,
            currency=order.currency,
            reason_code=EXCHANGE_REASON,
            delivered=_delivered_lines(order),
            requested_by=diagnosed_by,
            exchange=True,
            service_call_id=call_id,
        )

    def verify(
        self,
        lines: tuple[tuple[str, str, int], ...],
        salesperson: str,
        roles: frozenset[str],
        already_returned: Mapping[str, int] | None = None,
    ) -> None:
        """OR-25: ``lines`` are (product code, description/spec, quantity) as counted."""
        acting_as((Role.SALESPERSON,), roles, "OR-25", "checking the goods returned")
        _in(self.status, ReturnStatus.VERIFYING, "OR-25")
        if not lines:
            raise RuleViolation("OR-25", "at least one line of goods is returned")
        earlier = already_returned or {}
        shipped = {line.product_code: line for line in self.delivered}
        checked: list[ReturnLine] = []
        for code, description, quantity in lines:
            original = shipped.get(code)
            if original is None or original.description != description:
                raise RuleViolation(
                    "OR-25",
                    "the goods do not match the original order's name and specification",
                    product_code=code,
                )
            left = original.quantity - earlier.get(code, 0)
            if quantity <= 0 or quantity > left:
                raise RuleViolation(
                    "OR-25",
                    "more than was delivered, net of earlier returns",
                    product_code=code,
                    quantity=quantity,
                    returnable=left,
                )
            checked.append(ReturnLine(code, description, quantity, original.unit_price))
        self.trigger_event(self.GoodsVerified, lines=tuple(checked), verified_by=salesperson)

    def submit_detail(self, by: str, roles: frozenset[str]) -> None:
        # OR-27: the branch submits the verified, authenticated return detail.
        acting_as((Role.SALESPERSON,), roles, "OR-27", "submitting the return detail")
        _in(self.status, ReturnStatus.DETAIL_PENDING, "OR-27")
        self.trigger_event(self.DetailSubmitted, original_order_id=self.order_id, submitted_by=by)

    def issue_red_outbound(self, red_outbound_id: UUID, clerk: str, roles: frozenset[str]) -> None:
        # OR-28: the sales clerk issues the red outbound order from the approved detail.
        acting_as((Role.SALES_CLERK,), roles, "OR-28", "issuing the red outbound order")
        _in(self.status, ReturnStatus.APPROVED, "OR-28")
        self.trigger_event(
            self.RedOutboundOrderIssued,
            red_outbound_id=red_outbound_id,
            order_id=self.order_id,
            customer_id=self.customer_id,
            lines=self.lines,
            currency=self.currency,
            issued_by=clerk,
        )

    def credited(self, credit_note_id: UUID, amount: Decimal, at: datetime) -> None:
        """Billing's credit note for this return (once: a redelivered message finds it)."""
        if self.credit_note_id is None:
            self.trigger_event(
                self.Credited, credit_note_id=credit_note_id, amount=amount, credited_at=at
            )

    def receive(
        self, counted: Mapping[str, int], keeper: str, roles: frozenset[str], now: datetime
    ) -> str:
        """OR-28, OR-29: the warehouse keeper receives and counts the goods; returns the
        discrepancy found (empty when the count matches)."""
        acting_as((Role.WAREHOUSE_KEEPER,), roles, "OR-28", "receiving returned goods")
        _in(self.status, ReturnStatus.AWAITING_WAREHOUSE, "OR-28")
        assert self.red_outbound_id is not None
        expected = {line.product_code: line.quantity for line in self.lines}
        if set(counted) - set(expected) or any(q < 0 for q in counted.values()):
            raise RuleViolation("OR-29", "the count covers only the returned lines, none negative")
        discrepancy = "; ".join(
            f"{code}: expected {qty}, counted {counted.get(code, 0)}"
            for code, qty in sorted(expected.items())
            if counted.get(code, 0) != qty
        )
        self.trigger_event(
            self.ReceivedIntoWarehouse,
            order_id=self.order_id,
            customer_id=self.customer_id,
            red_outbound_id=self.red_outbound_id,
            received_at=now,
            counted=dict(counted),
            discrepancy=discrepancy,
            received_by=keeper,
        )
        return discrepancy

    # -- the decisions: the authority matrix's ``return`` chain (OR-24, OR-26, OR-27)

    def approval_content(self) -> Mapping[str, Any]:
        # The technical department and the sales manager sign over the goods as checked.
        return {
            "order_id": str(self.order_id),
            "customer_id": str(self.customer_id),
            "reason_code": self.reason_code,
            "exchange": self.exchange,
            "lines": [signed_line(line) for line in self.lines],
        }

    def interested_parties(self) -> set[str]:
        return {self.requested_by}

    def _ready_for_next_step(self) -> None:
        """Each step decides on what the steps before it prepared; the chain's own order and
        roles are the kernel's (XC-01, XC-07)."""
        approval = self.approval
        pending = approval.next_step() if approval is not None else None
        if pending is None:
            return  # no step to decide: the kernel refuses it (XC-01)
        # OR-25: the goods are authenticated once the salesperson checked them.
        if pending.step.name == AUTHENTICATION_STEP:
            _in(self.status, ReturnStatus.AUTHENTICATING, "OR-25")
        # OR-27: the sales manager decides on the submitted return detail.
        if pending.step.name == DETAIL_STEP:
            _in(self.status, ReturnStatus.PENDING_SALES_MANAGER_APPROVAL, "OR-27")

    def grant(
        self, step: str, approver: Approver, comment: str = "", next_due: Deadline | None = None
    ) -> None:
        self._ready_for_next_step()
        super().grant(step, approver, comment, next_due)
        if step == CONFIRMATION_STEP:
            self.trigger_event(self.ConfirmedByBranchManager, confirmed_by=approver.user_id)
        elif step == AUTHENTICATION_STEP:
            self.trigger_event(
                self.GoodsAuthenticated,
                genuine=True,
                note=comment,
                authenticated_by=approver.user_id,
            )

    def reject(self, step: str, approver: Approver, reason: str) -> None:
        self._ready_for_next_step()
        super().reject(step, approver, reason)

    def on_approved(self, approval: ApprovalState) -> None:
        self.trigger_event(self.Approved, approved_by=_decided_by(approval, DETAIL_STEP))

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        rejected = next(s for s in approval.steps if s.status is StepStatus.REJECTED)
        by = rejected.decided_by or ""
        # OR-26: goods not genuine end the return.
        if rejected.step.name == AUTHENTICATION_STEP:
            self.trigger_event(
                self.GoodsAuthenticated, genuine=False, note=reason, authenticated_by=by
            )
        else:
            self.trigger_event(self.Rejected, rejected_by=by, reason=reason)


def _decided_by(approval: ApprovalState, step: str) -> str:
    return next(s.decided_by or "" for s in approval.steps if s.step.name == step)


class ReturnedGoods(Aggregate):
    """OR-25: what has been returned from one order, net of returns that ended rejected; one per
    order, so two returns of the same goods cannot both pass the check."""

    def __init__(self) -> None:
        self.order_id: UUID
        self.by_return: dict[UUID, dict[str, int]] = {}

    class Opened(Aggregate.Created):
        order_id: UUID

    class Recorded(Aggregate.Event):
        return_id: UUID
        quantities: Mapping[str, int]

        def apply(self, goods: ReturnedGoods) -> None:
            goods.by_return[self.return_id] = dict(self.quantities)

    class Released(Aggregate.Event):
        """The return ended rejected: its goods count as not returned."""

        return_id: UUID

        def apply(self, goods: ReturnedGoods) -> None:
            goods.by_return.pop(self.return_id, None)

    @staticmethod
    def id_for(order_id: UUID) -> UUID:
        return uuid5(order_id, "returned-goods")

    @classmethod
    def open(cls, order_id: UUID) -> Self:
        return cls._create(cls.Opened, id=cls.id_for(order_id), order_id=order_id)

    @property
    def returned(self) -> dict[str, int]:
        net: dict[str, int] = {}
        for quantities in self.by_return.values():
            for code, quantity in quantities.items():
                net[code] = net.get(code, 0) + quantity
        return net

    def record(self, product_return: ProductReturn) -> None:
        quantities = {line.product_code: line.quantity for line in product_return.lines}
        self.trigger_event(self.Recorded, return_id=product_return.id, quantities=quantities)

    def release(self, return_id: UUID) -> None:
        if return_id in self.by_return:
            self.trigger_event(self.Released, return_id=return_id)
