"""A sales order (RULES §4.3): the goods request raised from the signed contract (or an
uncontracted order the sales manager confirmed), approved by the branch manager then the sales
manager, through the credit gate, issued to the warehouse and shipped, then confirmed by the
customer's signature on delivery."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import UUID

from kernel.approvals.domain import ApprovalState, Capacity
from kernel.roles import Role
from kernel.signing.domain import Signable, SigningSheet
from orders.domain.known_customer import KnownCustomer, trading_customer
from orders.domain.lines import signed_line
from orders.domain.staff import acting_as
from runtime.aggregate import Aggregate, RuleViolation
from runtime.clock import SKEW


@dataclass(frozen=True)
class OrderLine:
    product_code: str
    description: str
    quantity: int
    unit_price: Decimal
    serial_numbers: tuple[str, ...]

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


def total(lines: Iterable[OrderLine]) -> Decimal:
    return sum((line.amount for line in lines), Decimal(0))


@dataclass(frozen=True)
class DeliveryTerms:
    """OR-30: what an order's confirmation states beyond its lines."""

    delivery_date: date | None = None
    delivery_place: str | None = None
    payment_terms_days: int | None = None

    def over(self, earlier: DeliveryTerms) -> DeliveryTerms:
        """These terms, completed by ``earlier`` where they state nothing."""
        return DeliveryTerms(
            self.delivery_date or earlier.delivery_date,
            self.delivery_place or earlier.delivery_place,
            earlier.payment_terms_days
            if self.payment_terms_days is None
            else self.payment_terms_days,
        )


@dataclass(frozen=True)
class IssuedQuantity:
    """OR-30: what the warehouse issued of one line of the outbound order, by its position;
    ``serial_numbers`` names the units that left (by default the line's first ones)."""

    line: int
    quantity: int
    serial_numbers: tuple[str, ...] = ()


def _issued_serials(line: OrderLine, index: int, issued: IssuedQuantity | None) -> tuple[str, ...]:
    quantity = 0 if issued is None else issued.quantity
    named = () if issued is None else issued.serial_numbers
    if not named:
        return line.serial_numbers[:quantity]
    if len(named) != quantity or not set(named) <= set(line.serial_numbers):
        raise RuleViolation(
            "OR-30",
            "the serial numbers issued are units of the line, one per unit issued",
            line=index,
        )
    return named


def split_issue(
    outgoing: tuple[OrderLine, ...], issued: tuple[IssuedQuantity, ...]
) -> tuple[tuple[OrderLine, ...], tuple[OrderLine, ...]]:
    """OR-30: what the warehouse issued of the outbound order's lines, and what remains owed (the
    back order). Lines it does not mention are not issued."""
    by_line: dict[int, IssuedQuantity] = {}
    for item in issued:
        if item.line in by_line or not 0 <= item.line < len(outgoing):
            raise RuleViolation(
                "OR-30",
                "each line of the outbound order is issued once, named by its position",
                line=item.line,
                lines=len(outgoing),
            )
        by_line[item.line] = item
    shipped: list[OrderLine] = []
    remainder: list[OrderLine] = []
    for index, line in enumerate(outgoing):
        given = by_line.get(index)
        quantity = 0 if given is None else given.quantity
        if quantity > line.quantity:
            raise RuleViolation(
                "OR-30",
                "more is issued than the line still owes",
                line=index,
                owed=line.quantity,
                issued=quantity,
            )
        serials = _issued_serials(line, index, given)
        if quantity:
            shipped.append(replace(line, quantity=quantity, serial_numbers=serials))
        if quantity < line.quantity:
            rest = tuple(serial for serial in line.serial_numbers if serial not in serials)
            remainder.append(replace(line, quantity=line.quantity - quantity, serial_numbers=rest))
    if not shipped:
        raise RuleViolation("OR-30", "a shipment issues at least one unit")
    return tuple(shipped), tuple(remainder)


class OrderStatus(StrEnum):
    """RULES §4.3, from the goods request to the customer's confirmation."""

    AWAITING_CONFIRMATION = "awaiting_confirmation"
    """OR-14: without a contract, the sales manager confirms the order in writing first."""
    DRAFT = "draft"
    """The goods request, raised from the contract (or the confirmation), not submitted yet."""
    PENDING_APPROVAL = "pending_approval"
    """OR-17: with the branch manager, then the sales manager."""
    CREDIT_CHECK = "credit_check"
    """OR-18: billing is asked to reserve the order's amount against the credit limit."""
    AWAITING_OVER_CREDIT_APPROVAL = "awaiting_over_credit_approval"
    BLOCKED = "blocked"
    """OR-18: a credit hold or the blacklist; no override, until it is lifted."""
    READY_TO_ISSUE = "ready_to_issue"
    AWAITING_WAREHOUSE = "awaiting_warehouse"
    """OR-19: the outbound order's copy 2 is with the warehouse keeper."""
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    INVOICED = "invoiced"
    """§7 row 7: the customer signed for the invoice of the delivery."""
    PAID = "paid"
    """BI-09: the invoice is paid in full: the sale is complete."""
    CANCELLED = "cancelled"


WITH_THE_CUSTOMER = (OrderStatus.DELIVERED, OrderStatus.INVOICED, OrderStatus.PAID)
"""The goods were delivered, whatever became of the invoice since."""


class UncontractedChannel(StrEnum):
    """OR-14: how an order without a formal contract came. XC-03: a verbal, phone or fax
    instruction is only a trigger; the order binds once the sales manager confirmed it in writing
    (the signed decision of the ``uncontracted_order`` chain)."""

    VERBAL = "verbal"
    PHONE = "phone"
    FAX = "fax"
    CUSTOMER_SIDE = "customer_side"
    """A formal contract cannot be signed for reasons on the customer's side."""


class ShipmentDelay(StrEnum):
    """OR-20: why the goods left more than the allowed working days after the contract."""

    CUSTOMER_REQUESTED_DATE = "customer_requested_date"
    STOCK_SHORTAGE = "stock_shortage"
    CREDIT_HOLD = "credit_hold"
    TRANSPORT = "transport"


UNCONTRACTED_ORDER = "uncontracted_order"
"""The authority matrix's chain confirming an order without a contract (OR-14)."""
GOODS_REQUEST = "goods_request"
"""The matrix's chain for the goods request (OR-17)."""
OVER_CREDIT_SALE = "over_credit_sale"
"""The matrix's chain for an over-credit sales request (OR-18)."""

_CREDIT_ANSWERED = (
    OrderStatus.CREDIT_CHECK,
    OrderStatus.AWAITING_OVER_CREDIT_APPROVAL,
    OrderStatus.BLOCKED,
    OrderStatus.READY_TO_ISSUE,
    OrderStatus.AWAITING_WAREHOUSE,
)
"""Where billing's answer on the order's credit still counts: after the goods request was
approved and before the goods left (a hold placed meanwhile withdraws the reservation)."""


def _within_back_order(lines: tuple[OrderLine, ...], owed: tuple[OrderLine, ...]) -> None:
    # OR-30: a back order's outbound order issues no more of a product than is still owed.
    for code in {line.product_code for line in lines}:
        asked = sum(line.quantity for line in lines if line.product_code == code)
        remaining = sum(line.quantity for line in owed if line.product_code == code)
        if asked > remaining:
            raise RuleViolation(
                "OR-30",
                "the outbound order issues more than the back order still owes",
                product_code=code,
                owed=remaining,
                asked=asked,
            )


def _in_good_standing(customer: KnownCustomer | None) -> None:
    # OR-18, CU-06, CU-13: nothing is issued or shipped to a customer on hold or blacklisted.
    if customer is not None and (customer.credit_hold or customer.blacklisted):
        raise RuleViolation(
            "OR-18",
            "the customer is on credit hold or blacklisted: the order is blocked",
            credit_hold=customer.credit_hold,
            blacklisted=customer.blacklisted,
        )


class Order(Signable):
    """The goods request (OR-16), approved (OR-17), through the credit gate (OR-18), issued to
    the warehouse (OR-19) and shipped (OR-20); the customer signs the delivery confirmation of a
    shipped order (OR-22)."""

    document_type = "order"

    def __init__(self) -> None:
        self.customer_id: UUID
        self.lines: tuple[OrderLine, ...]
        self.currency: str
        self.placed_by: str
        self.customer_name: str
        self.account_owner_id: str | None
        self.contract_id: UUID | None
        self.contract_signed_at: datetime | None
        self.uncontracted_channel: UncontractedChannel | None
        self.uncontracted_reason: str | None
        self.status = OrderStatus.DRAFT
        self.confirmed_at: datetime | None = None
        self.approved_hash: str | None = None
        self.over_credit_approved = False
        self.credit_limit: Decimal | None = None
        self.exposure: Decimal | None = None
        self.declined_reason: str | None = None
        self.outbound_id: UUID | None = None
        self.outbound_issued_at: datetime | None = None
        self.outbound_archived_at: datetime | None = None
        self.outbound_archive_missed = False
        self.issued_by: str | None = None
        self.shipped_at: datetime | None = None
        self.sla_met: bool | None = None
        self.delay_reason: ShipmentDelay | None = None
        self.received_at: datetime | None = None
        self.invoice_id: UUID | None = None
        self.delivery_date: date | None
        self.delivery_place: str | None
        self.payment_terms_days: int | None
        self.shipped_lines: tuple[OrderLine, ...] = ()
        self.back_order_id: UUID | None = None
        self.back_ordered: tuple[OrderLine, ...] = ()
        self.back_order_expected_date: date | None = None
        self.back_order_cancelled = False

    class Placed(Signable.Created):
        customer_id: UUID
        lines: tuple[OrderLine, ...]
        currency: str
        placed_by: str
        customer_name: str = ""
        """The customer's legal name when the order was placed (older orders lack it)."""
        account_owner_id: str | None = None
        """CU-15: the customer's account owner when the order was placed."""
        contract_id: UUID | None = None
        """OR-16: the signed sales contract the goods request is raised from."""
        contract_signed_at: datetime | None = None
        """OR-20: when the contract was signed (the shipping clock starts then)."""
        uncontracted_channel: UncontractedChannel | None = None
        uncontracted_reason: str | None = None
        delivery_date: date | None = None
        """OR-30: the delivery date promised to the customer."""
        delivery_place: str | None = None
        payment_terms_days: int | None = None

        def apply(self, order: Order) -> None:
            super().apply(order)
            if self.uncontracted_channel is not None:
                order.status = OrderStatus.AWAITING_CONFIRMATION

    class UncontractedOrderConfirmed(Aggregate.Event):
        """OR-14: the sales manager (and leadership where needed) confirmed it in writing."""

        approval_ids: tuple[UUID, ...]

        def apply(self, order: Order) -> None:
            order.status, order.confirmed_at = OrderStatus.DRAFT, self.timestamp

    class ContentsConfirmed(Aggregate.Event):
        """OR-30: the key contents confirmed with the customer, the delivery terms stated."""

        delivery_date: date
        delivery_place: str
        payment_terms_days: int
        confirmed_by: str

        def apply(self, order: Order) -> None:
            order.delivery_date, order.delivery_place = self.delivery_date, self.delivery_place
            order.payment_terms_days = self.payment_terms_days

    class GoodsRequestSubmitted(Aggregate.Event):
        submitted_by: str
        total: Decimal

        def apply(self, order: Order) -> None:
            order.status = OrderStatus.PENDING_APPROVAL

    class GoodsRequestApprovedBySalesManager(Aggregate.Event):
        """OR-17: the branch manager, then the sales manager (against the contract)."""

        version_hash: str
        approval_ids: tuple[UUID, ...]

        def apply(self, order: Order) -> None:
            order.approved_hash = self.version_hash

    class GoodsRequestRejected(Aggregate.Event):
        """OR-14, OR-17: a step of its confirmation or approval was rejected."""

        reason: str
        approval_ids: tuple[UUID, ...]

        def apply(self, order: Order) -> None:
            order.status = OrderStatus.CANCELLED

    class CreditCheckRequested(Aggregate.Event):
        """OR-18: billing is asked to reserve the order's amount against the customer's
        credit (published as ``CreditReservationRequested``)."""

        customer_id: UUID
        amount: Decimal
        currency: str
        over_credit_approved: bool
        requested_by: str

        def apply(self, order: Order) -> None:
            order.status = OrderStatus.CREDIT_CHECK
            order.over_credit_approved = self.over_credit_approved

    class CreditCheckPassed(Aggregate.Event):
        credit_limit: Decimal
        exposure: Decimal
        order_amount: Decimal
        over_credit_approved: bool

        def apply(self, order: Order) -> None:
            order.status = OrderStatus.READY_TO_ISSUE
            order.credit_limit, order.exposure = self.credit_limit, self.exposure
            order.declined_reason = None

    class CreditCheckFailed(Aggregate.Event):
        credit_limit: Decimal
        exposure: Decimal
        order_amount: Decimal
        reason: str

        def apply(self, order: Order) -> None:
            order.status = (
                OrderStatus.AWAITING_OVER_CREDIT_APPROVAL
                if self.reason == "over_limit"
                else OrderStatus.BLOCKED
            )
            order.credit_limit, order.exposure = self.credit_limit, self.exposure
            order.declined_reason = self.reason

    class OverCreditSaleRequested(Aggregate.Event):
        excess_amount: Decimal
        reason: str
        requested_by: str

    class OverCreditSaleApproved(Aggregate.Event):
        approval_ids: tuple[UUID, ...]

    class OverCreditSaleRejected(Aggregate.Event):
        reason: str
        approval_ids: tuple[UUID, ...]

    class SalesOutboundOrderIssued(Aggregate.Event):
        """OR-19, OR-21: issued by the sales clerk from the approved goods request; copy 2 goes
        to the warehouse keeper."""

        outbound_id: UUID
        lines: tuple[OrderLine, ...]
        issued_by: str
        copy2_to_warehouse_at: datetime

        def apply(self, order: Order) -> None:
            order.status, order.outbound_id = OrderStatus.AWAITING_WAREHOUSE, self.outbound_id
            order.outbound_issued_at = self.copy2_to_warehouse_at
            # OR-30: a back order's outbound order is archived in its own right.
            order.outbound_archived_at, order.outbound_archive_missed = None, False

    class GoodsIssued(Aggregate.Event):
        """What left the warehouse, for whom (OR-19), and whether it left in time (OR-20)."""

        issued_by: str
        customer_id: UUID
        lines: tuple[OrderLine, ...]
        currency: str
        outbound_id: UUID | None = None
        sla_met: bool | None = None
        delay_reason: ShipmentDelay | None = None
        back_order_id: UUID | None = None
        """OR-30: the back order this shipment issues the rest of."""

        def apply(self, order: Order) -> None:
            order.status, order.issued_by = OrderStatus.SHIPPED, self.issued_by
            order.shipped_at = self.timestamp
            order.sla_met, order.delay_reason = self.sla_met, self.delay_reason
            order.shipped_lines = (*order.shipped_lines, *self.lines)
            order.back_order_id, order.back_ordered = None, ()

    class BackOrderCreated(Aggregate.Event):
        """OR-30, §4.3: the back-order slip: what the warehouse could not issue is still owed;
        those lines return to ReadyToIssue."""

        back_order_id: UUID
        customer_id: UUID
        lines: tuple[OrderLine, ...]
        currency: str
        expected_date: date | None

        def apply(self, order: Order) -> None:
            order.status, order.back_order_id = OrderStatus.READY_TO_ISSUE, self.back_order_id
            order.back_ordered, order.back_order_expected_date = self.lines, self.expected_date

    class BackOrderCancelled(Aggregate.Event):
        """OR-30: the rest will not be issued; the order is complete with what was shipped."""

        back_order_id: UUID
        lines: tuple[OrderLine, ...]
        reason: str
        cancelled_by: str
        customer_id: UUID
        currency: str

        def apply(self, order: Order) -> None:
            order.status, order.back_order_cancelled = OrderStatus.SHIPPED, True
            order.back_order_id, order.back_ordered = None, ()

    class DeliveryConfirmed(Aggregate.Event):
        received_at: datetime
        customer_id: UUID
        lines: tuple[OrderLine, ...]

        def apply(self, order: Order) -> None:
            order.status, order.received_at = OrderStatus.DELIVERED, self.received_at

    class Invoiced(Aggregate.Event):
        """§7 row 7: billing's invoice for the delivery was signed for by the customer."""

        invoice_id: UUID

        def apply(self, order: Order) -> None:
            order.status, order.invoice_id = OrderStatus.INVOICED, self.invoice_id

    class Paid(Aggregate.Event):
        """BI-09, §7 row 7: the invoice is paid in full: the sale is complete."""

        invoice_id: UUID

        def apply(self, order: Order) -> None:
            order.status, order.invoice_id = OrderStatus.PAID, self.invoice_id

    class OutboundArchived(Aggregate.Event):
        """OR-23, OR-13: the sales clerk archived the outbound order with its approvals."""

        outbound_id: UUID
        custodian: str
        due_at: datetime
        on_time: bool

        def apply(self, order: Order) -> None:
            order.outbound_archived_at = self.timestamp
            order.outbound_archive_missed = order.outbound_archive_missed or not self.on_time

    class OutboundArchiveMissed(Aggregate.Event):
        """OR-23: not archived by its due time."""

        due_at: datetime

        def apply(self, order: Order) -> None:
            order.outbound_archive_missed = True

    class Cancelled(Aggregate.Event):
        """§4.3 (OrderCancelled, A): cancelled before shipment once the sales manager approved
        it; billing releases the credit reserved for it."""

        customer_id: UUID
        reason: str
        cancelled_by: str
        approval_ids: tuple[UUID, ...] = ()
        """OR-17: the approved ``order_cancellation`` (none before cancellations were approved)."""

        def apply(self, order: Order) -> None:
            order.status = OrderStatus.CANCELLED

    class Reassigned(Aggregate.Event):
        """CU-15, CU-22: the open order passed to the account's new owner."""

        account_owner_id: str
        handover_id: UUID | None

        def apply(self, order: Order) -> None:
            order.account_owner_id = self.account_owner_id

    @property
    def total(self) -> Decimal:
        return total(self.lines)

    @property
    def uncontracted(self) -> bool:
        return self.contract_id is None

    @property
    def excess(self) -> Decimal:
        """OR-18: how far the order takes the exposure past the limit, as billing last said."""
        if self.credit_limit is None or self.exposure is None:
            return Decimal(0)
        return max(self.exposure + self.total - self.credit_limit, Decimal(0))

    @classmethod
    def place(
        cls,
        customer: KnownCustomer | None,
        lines: tuple[OrderLine, ...],
        placed_by: str,
        contract_id: UUID | None = None,
        contract_signed_at: datetime | None = None,
        uncontracted: tuple[UncontractedChannel, str] | None = None,
        terms: DeliveryTerms | None = None,
    ) -> Self:
        customer = trading_customer(customer)
        if not lines:
            raise RuleViolation("OR-16", "an order needs at least one line")
        # OR-16, OR-14: raised from the signed contract, or flagged uncontracted with how it
        # came and why, for the sales manager to confirm in writing (XC-03).
        if contract_id is None and (uncontracted is None or not uncontracted[1].strip()):
            raise RuleViolation(
                "OR-14",
                "an order without a signed contract states how it came and why there is no "
                "contract, for the sales manager to confirm in writing",
            )
        if contract_id is not None and uncontracted is not None:
            raise RuleViolation("OR-14", "an order with a contract is not uncontracted")
        return cls._create(
            cls.Placed,
            customer_id=customer.id,
            lines=lines,
            currency=customer.currency,
            placed_by=placed_by,
            customer_name=customer.legal_name,
            account_owner_id=customer.owner_id,
            contract_id=contract_id,
            contract_signed_at=contract_signed_at,
            uncontracted_channel=None if uncontracted is None else uncontracted[0],
            uncontracted_reason=None if uncontracted is None else uncontracted[1],
            delivery_date=None if terms is None else terms.delivery_date,
            delivery_place=None if terms is None else terms.delivery_place,
            payment_terms_days=None if terms is None else terms.payment_terms_days,
        )

    @property
    def is_open(self) -> bool:
        """Not yet completed: the customer has not confirmed the delivery, nor was it
        cancelled."""
        return self.status not in (*WITH_THE_CUSTOMER, OrderStatus.CANCELLED)

    def reassign(self, owner_id: str, handover_id: UUID | None) -> None:
        """CU-15, CU-22: an open order follows the account to its new owner; a completed one
        keeps the owner it was completed under."""
        if self.is_open and owner_id != self.account_owner_id:
            self.trigger_event(self.Reassigned, account_owner_id=owner_id, handover_id=handover_id)

    # -- OR-30: the order's key contents confirmed

    @property
    def terms(self) -> DeliveryTerms:
        return DeliveryTerms(self.delivery_date, self.delivery_place, self.payment_terms_days)

    @property
    def unconfirmed(self) -> list[str]:
        """OR-30: the key contents not stated yet."""
        return self.missing_contents(self.terms)

    def missing_contents(self, terms: DeliveryTerms) -> list[str]:
        """OR-30: the key contents ``terms`` leave unstated: each line's item and specification,
        its quantity and price, the delivery date and place, the payment terms (the customer is
        known from the order's placing)."""
        missing = []
        if any(not line.description.strip() for line in self.lines):
            missing.append("items and specifications")
        if any(line.quantity <= 0 for line in self.lines):
            missing.append("quantities")
        if any(line.unit_price <= 0 for line in self.lines):
            missing.append("prices")
        if terms.delivery_date is None:
            missing.append("delivery date")
        if not (terms.delivery_place or "").strip():
            missing.append("delivery place")
        if terms.payment_terms_days is None:
            missing.append("payment terms")
        return missing

    def confirm_contents(self, given: DeliveryTerms, confirmed_by: str) -> None:
        """OR-30: the salesperson confirms the key contents with the customer, stating (or
        correcting) the delivery date and place and the payment terms."""
        if self.status is not OrderStatus.DRAFT:
            raise RuleViolation(
                "OR-30",
                "the key contents are confirmed while the goods request is a draft",
                status=self.status,
            )
        terms = given.over(self.terms)
        missing = self.missing_contents(terms)
        if missing:
            raise RuleViolation(
                "OR-30", "the order's key contents are not all confirmed", missing=missing
            )
        assert terms.delivery_date is not None and terms.delivery_place is not None
        if terms.delivery_date < self.created_on.date():
            raise RuleViolation(
                "OR-30",
                "the delivery date promised is not before the order was placed",
                delivery_date=terms.delivery_date.isoformat(),
            )
        self.trigger_event(
            self.ContentsConfirmed,
            delivery_date=terms.delivery_date,
            delivery_place=terms.delivery_place,
            payment_terms_days=terms.payment_terms_days,
            confirmed_by=confirmed_by,
        )

    # -- OR-16, OR-17: the goods request and its approval

    def submit(self, submitted_by: str) -> None:
        # OR-14, XC-03: an uncontracted order is executed only once it is confirmed in writing.
        if self.status is OrderStatus.AWAITING_CONFIRMATION:
            raise RuleViolation(
                "OR-14",
                "an order without a contract is submitted once the sales manager confirmed it",
            )
        if self.status is not OrderStatus.DRAFT:
            raise RuleViolation(
                "OR-17", "only a goods request not yet submitted is submitted", status=self.status
            )
        # OR-30: nobody accepts an order whose key contents are not confirmed.
        missing = self.unconfirmed
        if missing:
            raise RuleViolation(
                "OR-30",
                "the order's key contents are confirmed before it goes for approval",
                missing=missing,
            )
        self.trigger_event(self.GoodsRequestSubmitted, submitted_by=submitted_by, total=self.total)

    def _request_credit(self, requested_by: str, over_credit_approved: bool) -> None:
        self.trigger_event(
            self.CreditCheckRequested,
            customer_id=self.customer_id,
            amount=self.total,
            currency=self.currency,
            over_credit_approved=over_credit_approved,
            requested_by=requested_by,
        )

    # -- OR-18: the credit gate

    def credit_reserved(
        self, credit_limit: Decimal, exposure: Decimal, over_credit_approved: bool
    ) -> None:
        """Billing reserved the order's amount: the outbound order may be issued."""
        if self.status in (OrderStatus.CREDIT_CHECK, OrderStatus.BLOCKED):
            self.trigger_event(
                self.CreditCheckPassed,
                credit_limit=credit_limit,
                exposure=exposure,
                order_amount=self.total,
                over_credit_approved=over_credit_approved,
            )

    def credit_declined(self, credit_limit: Decimal, exposure: Decimal, reason: str) -> None:
        """Billing declined (or withdrew) the reservation: over the limit, the order awaits an
        over-credit approval; on hold or blacklisted, it is blocked until that is lifted."""
        if self.status in _CREDIT_ANSWERED:
            self.trigger_event(
                self.CreditCheckFailed,
                credit_limit=credit_limit,
                exposure=exposure,
                order_amount=self.total,
                reason=reason,
            )

    def request_over_credit_sale(self, reason: str, requested_by: str) -> Decimal:
        """OR-18: the salesperson's over-credit sales request; returns the excess it asks
        for (the approval's amount)."""
        if self.status is not OrderStatus.AWAITING_OVER_CREDIT_APPROVAL:
            raise RuleViolation(
                "OR-18",
                "an over-credit sale is requested for an order declined over the credit limit "
                "(a credit hold or the blacklist has no override)",
                status=self.status,
            )
        if not reason.strip():
            raise RuleViolation("OR-18", "an over-credit sales request says why")
        excess = self.excess
        self.trigger_event(
            self.OverCreditSaleRequested,
            excess_amount=excess,
            reason=reason,
            requested_by=requested_by,
        )
        return excess

    # -- OR-19, OR-21: the outbound order; OR-20: the shipment

    @property
    def outgoing(self) -> tuple[OrderLine, ...]:
        """OR-19, OR-30: what the next outbound order issues: the back order's lines, else the
        approved goods request's."""
        return self.back_ordered if self.back_order_id is not None else self.lines

    def _back_order_not_cancelled(self) -> None:
        # OR-30: what a cancelled back order owed is not issued any more.
        if self.back_order_cancelled:
            raise RuleViolation("OR-30", "the order's back order was cancelled: nothing is issued")

    def issue_outbound(
        self,
        customer: KnownCustomer | None,
        outbound_id: UUID,
        lines: tuple[OrderLine, ...] | None,
        issued_by: str,
        now: datetime,
    ) -> None:
        self._back_order_not_cancelled()
        # OR-19: from the goods request as the sales manager approved it, past the credit gate.
        if self.status is not OrderStatus.READY_TO_ISSUE:
            raise RuleViolation(
                "OR-19",
                "the outbound order is issued from an approved goods request that passed the "
                "credit check",
                status=self.status,
            )
        if self.approved_hash != self.version_hash:
            raise RuleViolation(
                "OR-19", "the goods request changed since the sales manager approved it"
            )
        _in_good_standing(customer)
        outgoing = self.outgoing
        if lines is not None and self.back_order_id is not None:
            _within_back_order(lines, outgoing)
        # OR-21: the outbound order is exactly what was approved (and still owed, OR-30).
        if lines is not None and tuple(lines) != outgoing:
            raise RuleViolation(
                "OR-21",
                "the outbound order's lines differ from the approved goods request",
                approved=[line.product_code for line in outgoing],
            )
        self.trigger_event(
            self.SalesOutboundOrderIssued,
            outbound_id=outbound_id,
            lines=outgoing,
            issued_by=issued_by,
            copy2_to_warehouse_at=now,
        )

    @property
    def shipping_clock_starts(self) -> datetime:
        """OR-20: at the contract's signing, or at the confirmation of an uncontracted order
        (at the order's placing when orders was not told when the contract was signed)."""
        if self.uncontracted and self.confirmed_at is not None:
            return self.confirmed_at
        return self.contract_signed_at or self.created_on

    def ship(
        self,
        warehouse_keeper: str,
        customer: KnownCustomer | None = None,
        now: datetime | None = None,
        ship_by: datetime | None = None,
        delay_reason: ShipmentDelay | None = None,
        short: tuple[tuple[IssuedQuantity, ...], UUID, date | None] | None = None,
    ) -> None:
        """``short``: what the warehouse issued when it could not issue everything, the id of
        the back order for the rest and when the rest is expected (OR-30)."""
        self._back_order_not_cancelled()
        # OR-19: the warehouse ships against the outbound order's copy 2, once.
        if self.status is not OrderStatus.AWAITING_WAREHOUSE:
            raise RuleViolation(
                "OR-19",
                "the warehouse ships an order once its outbound order was issued",
                status=self.status,
            )
        _in_good_standing(customer)
        # OR-20: within the working days allowed, or with the reason for the delay.
        sla_met = None if now is None or ship_by is None else now <= ship_by
        if sla_met is False and delay_reason is None:
            raise RuleViolation(
                "OR-20",
                "the shipment is late: record the reason for the delay",
                ship_by=ship_by.isoformat() if ship_by else None,
            )
        shipped: tuple[OrderLine, ...] = self.outgoing
        remainder: tuple[OrderLine, ...] = ()
        if short is not None:
            shipped, remainder = split_issue(self.outgoing, short[0])
        self.trigger_event(
            self.GoodsIssued,
            issued_by=warehouse_keeper,
            customer_id=self.customer_id,
            lines=shipped,
            currency=self.currency,
            outbound_id=self.outbound_id,
            sla_met=sla_met,
            delay_reason=None if sla_met else delay_reason,
            back_order_id=self.back_order_id,
        )
        if short is not None and remainder:
            # OR-30, §4.3: the back-order slip; the rest returns to ReadyToIssue.
            self.trigger_event(
                self.BackOrderCreated,
                back_order_id=short[1],
                customer_id=self.customer_id,
                lines=remainder,
                currency=self.currency,
                expected_date=short[2],
            )

    def cancel_back_order(self, reason: str, cancelled_by: str) -> None:
        """OR-30: the rest is not issued; the customer confirms what was delivered."""
        if self.back_order_id is None or self.status is OrderStatus.CANCELLED:
            raise RuleViolation("OR-30", "the order has no open back order", status=self.status)
        if not reason.strip():
            raise RuleViolation("OR-30", "a back order's cancellation states its reason")
        self.trigger_event(
            self.BackOrderCancelled,
            back_order_id=self.back_order_id,
            lines=self.back_ordered,
            reason=reason,
            cancelled_by=cancelled_by,
            customer_id=self.customer_id,
            currency=self.currency,
        )

    # -- OR-23: the outbound order archived promptly

    def archive_outbound(
        self, custodian: str, roles: frozenset[str], now: datetime, due_at: datetime
    ) -> None:
        # OR-13, OR-23: the sales clerk keeps and archives the outbound orders.
        acting_as((Role.SALES_CLERK,), roles, "OR-23", "archiving an outbound order")
        if self.outbound_id is None:
            raise RuleViolation(
                "OR-23", "only an issued outbound order is archived", status=self.status
            )
        if self.outbound_archived_at is not None:
            raise RuleViolation("OR-23", "the outbound order is already archived")
        self.trigger_event(
            self.OutboundArchived,
            outbound_id=self.outbound_id,
            custodian=custodian,
            due_at=due_at,
            on_time=now <= due_at,
        )

    def flag_outbound_archive_late(self, now: datetime, due_at: datetime) -> bool:
        """OR-23: records, once, an outbound order not archived by its due time."""
        if (
            self.outbound_id is None
            or self.outbound_archived_at is not None
            or self.outbound_archive_missed
            or now <= due_at
        ):
            return False
        self.trigger_event(self.OutboundArchiveMissed, due_at=due_at)
        return True

    # -- §7 row 7: the invoice cycle, as billing reports it (BI-09)

    def invoice_signed_for(self, invoice_id: UUID) -> None:
        """The customer signed for the delivery's invoice; heard again, or after the payment
        came first, it changes nothing."""
        if self.status is OrderStatus.DELIVERED:
            self.trigger_event(self.Invoiced, invoice_id=invoice_id)

    def paid_in_full(self, invoice_id: UUID) -> None:
        """The sale is complete only once its invoice is paid in full (BI-09)."""
        if self.status in (OrderStatus.DELIVERED, OrderStatus.INVOICED):
            self.trigger_event(self.Paid, invoice_id=invoice_id)

    def check_cancellable(self, reason: str) -> None:
        # §4.3: any state before the shipment may be cancelled, with the reason.
        if self.status in (OrderStatus.SHIPPED, *WITH_THE_CUSTOMER, OrderStatus.CANCELLED):
            raise RuleViolation(
                "OR-17", "only an order not shipped yet is cancelled", status=self.status
            )
        if self.shipped_lines:
            raise RuleViolation(
                "OR-30", "part of the order was shipped: its back order is cancelled instead"
            )
        if not reason.strip():
            raise RuleViolation("OR-17", "a cancellation states its reason")

    def cancel(self, reason: str, cancelled_by: str, approval_ids: tuple[UUID, ...]) -> None:
        """OR-17: once the ``order_cancellation`` chain approved it (``approval_ids``)."""
        self.check_cancellable(reason)
        self.trigger_event(
            self.Cancelled,
            customer_id=self.customer_id,
            reason=reason,
            cancelled_by=cancelled_by,
            approval_ids=approval_ids,
        )

    # -- the approvals: OR-14 confirmation, OR-17 goods request, OR-18 over-credit sale

    def interested_parties(self) -> set[str]:
        return {self.placed_by}

    def on_approved(self, approval: ApprovalState) -> None:
        ids = (approval.approval_id,)
        if self.status is OrderStatus.CANCELLED:
            return  # cancelled meanwhile: the approval leads nowhere, billing is not asked
        if approval.kind == UNCONTRACTED_ORDER:
            self.trigger_event(self.UncontractedOrderConfirmed, approval_ids=ids)
        elif approval.kind == GOODS_REQUEST:
            self.trigger_event(
                self.GoodsRequestApprovedBySalesManager,
                version_hash=approval.subject_version_hash,
                approval_ids=ids,
            )
            self._request_credit(approval.requested_by, over_credit_approved=False)
        elif approval.kind == OVER_CREDIT_SALE:
            self.trigger_event(self.OverCreditSaleApproved, approval_ids=ids)
            self._request_credit(approval.requested_by, over_credit_approved=True)

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        ids = (approval.approval_id,)
        if self.status is OrderStatus.CANCELLED:
            return
        if approval.kind == OVER_CREDIT_SALE:
            # The order still waits: a new request, or its cancellation.
            self.trigger_event(self.OverCreditSaleRejected, reason=reason, approval_ids=ids)
        else:
            self.trigger_event(self.GoodsRequestRejected, reason=reason, approval_ids=ids)

    # -- the customer's signature on the delivery confirmation (OR-22)

    def approval_content(self) -> Mapping[str, Any]:
        # OR-30: the confirmed delivery terms, once stated (older orders' hashes stay theirs).
        terms = self.terms
        stated = (
            {}
            if terms == DeliveryTerms()
            else {
                "delivery_date": None if terms.delivery_date is None else str(terms.delivery_date),
                "delivery_place": terms.delivery_place,
                "payment_terms_days": terms.payment_terms_days,
            }
        )
        return stated | {
            "customer_id": str(self.customer_id),
            "contract_id": None if self.contract_id is None else str(self.contract_id),
            "currency": self.currency,
            "lines": [
                signed_line(line) | {"serial_numbers": list(line.serial_numbers)}
                for line in self.lines
            ],
        }

    def signature_allowed(self, capacity: Capacity) -> None:
        if capacity is not Capacity.CUSTOMER:
            return
        # OR-22: the customer confirms the receipt of goods that were shipped, once.
        if self.status in WITH_THE_CUSTOMER:
            raise RuleViolation("OR-22", "the customer has already confirmed this delivery")
        if self.back_order_id is not None:
            raise RuleViolation(
                "OR-30",
                "the customer accepts the delivery once the back order was issued or cancelled",
            )
        if self.status is not OrderStatus.SHIPPED:
            raise RuleViolation(
                "OR-22",
                "the customer confirms delivery only once the goods were shipped",
                status=self.status,
            )

    def on_customer_signed(self, signed_at: datetime) -> None:
        # OR-22: delivery is complete once the customer signed, after the goods left.
        assert self.shipped_at is not None
        if signed_at < self.shipped_at - SKEW:
            raise RuleViolation(
                "OR-22",
                "the customer confirms receipt after the goods were shipped",
                signed_at=signed_at.isoformat(),
                shipped_at=self.shipped_at.isoformat(),
            )
        self.trigger_event(
            self.DeliveryConfirmed,
            received_at=signed_at,
            customer_id=self.customer_id,
            lines=self.shipped_lines,
        )

    def signing_sheet(self) -> SigningSheet:
        shipped = "" if self.shipped_at is None else self.shipped_at.strftime("%Y-%m-%d %H:%M UTC")
        return SigningSheet(
            title="Delivery confirmation",
            facts=(
                ("Order", str(self.id)),
                ("Customer", self.customer_name or str(self.customer_id)),
                ("Shipped", shipped),
                (
                    "Delivery promised",
                    "" if self.delivery_date is None else str(self.delivery_date),
                ),
                ("Delivery place", self.delivery_place or ""),
                ("Total", f"{total(self.shipped_lines):,.2f} {self.currency}"),
            ),
            table_headers=("Product", "Description", "Quantity", "Unit price", "Serial numbers"),
            table_rows=tuple(
                (
                    line.product_code,
                    line.description,
                    str(line.quantity),
                    f"{line.unit_price:,.2f}",
                    ", ".join(line.serial_numbers),
                )
                # OR-22, OR-30: the delivery acceptance form lists what was delivered.
                for line in self.shipped_lines
            ),
        )
