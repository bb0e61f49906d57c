"""The invoice request (开票申请单, BI-01, BI-03): opened as a draft for the salesperson when the
customer confirms a delivery, submitted with the lines to invoice, reviewed by the sales department
and agreed by finance (the matrix's ``invoice_request`` chain); finance then issues the invoice.

A type-A service job is the other source the rules name (RULES §4.5, §7 row 12, BI-16): service-
desk's ``ServiceInvoiceRequested`` opens a request the same way (``RequestSource.SERVICE_REPORT``),
one per call: the call's id keys it where an order's would (``order_id``), and ``call_id`` states
it. It is submitted, reviewed, issued, dispatched and paid like any other."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from uuid import NAMESPACE_OID, UUID, uuid5

from billing.domain.duties import handles_money
from kernel.approvals.domain import Approvable, ApprovalState, StepStatus
from runtime.aggregate import RuleViolation

REQUEST_KIND = "invoice_request"


@dataclass(frozen=True)
class InvoiceLine:
    """One line to invoice: what the customer confirmed receiving, at the contract's price."""

    product_code: str
    quantity: int
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return self.unit_price * self.quantity


def lines_total(lines: Iterable[InvoiceLine]) -> Decimal:
    return sum((line.amount for line in lines), Decimal(0))


def _key(lines: Iterable[InvoiceLine]) -> list[tuple[str, int, Decimal]]:
    return sorted((line.product_code, line.quantity, line.unit_price) for line in lines)


class RequestSource(StrEnum):
    DELIVERY = "delivery"
    """orders' DeliveryConfirmedByCustomer (OR-22)."""
    SERVICE_REPORT = "service_report"
    """service-desk's ``ServiceInvoiceRequested`` for a type-A job (SD-18, BI-16)."""


class RequestStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    REJECTED = "rejected"
    INVOICED = "invoiced"


class InvoiceRequest(Approvable):
    document_type = "invoice_request"

    def __init__(self) -> None:
        self.source: RequestSource
        self.order_id: UUID
        self.customer_id: UUID
        self.currency: str
        self.salesperson_id: str | None
        self.delivered: tuple[InvoiceLine, ...]
        self.delivered_at: datetime
        self.call_id: UUID | None = None
        self.lines: tuple[InvoiceLine, ...] = ()
        self.status = RequestStatus.DRAFT
        self.submitted_by: str | None = None
        self.reviewed_by: str | None = None
        self.rejection: str | None = None
        self.invoice_id: UUID | None = None

    class Opened(Approvable.Created):
        """BI-01: a draft for the salesperson, from the customer-confirmed delivery."""

        source: RequestSource
        order_id: UUID
        customer_id: UUID
        currency: str
        salesperson_id: str | None
        delivered: tuple[InvoiceLine, ...]
        delivered_at: datetime
        call_id: UUID | None = None
        """BI-16: the service call a type-A job's request bills (``order_id`` is its id too)."""

    class Submitted(Approvable.Event):
        submitted_by: str
        lines: tuple[InvoiceLine, ...]

        def apply(self, request: InvoiceRequest) -> None:
            request.status, request.lines = RequestStatus.SUBMITTED, self.lines
            request.submitted_by, request.rejection = self.submitted_by, None

    class Reviewed(Approvable.Event):
        """BI-01: the sales department reviewed it and finance agreed to issue it."""

        reviewed_by: str

        def apply(self, request: InvoiceRequest) -> None:
            request.status, request.reviewed_by = RequestStatus.APPROVED, self.reviewed_by

    class Rejected(Approvable.Event):
        rejected_by: str
        reason: str

        def apply(self, request: InvoiceRequest) -> None:
            request.status, request.rejection = RequestStatus.REJECTED, self.reason

    class Invoiced(Approvable.Event):
        invoice_id: UUID

        def apply(self, request: InvoiceRequest) -> None:
            request.status, request.invoice_id = RequestStatus.INVOICED, self.invoice_id

    class Reassigned(Approvable.Event):
        """CU-15, CU-22: a request not yet submitted passes to the account's new owner."""

        salesperson_id: str
        handover_id: UUID | None

        def apply(self, request: InvoiceRequest) -> None:
            request.salesperson_id = self.salesperson_id

    @staticmethod
    def id_for(order_id: UUID) -> UUID:
        # One request per confirmed delivery: a redelivered confirmation finds it.
        return uuid5(NAMESPACE_OID, f"invoice-request:{order_id}")

    @classmethod
    def open(
        cls,
        source: RequestSource,
        order_id: UUID,
        customer_id: UUID,
        currency: str,
        salesperson_id: str | None,
        delivered: tuple[InvoiceLine, ...],
        delivered_at: datetime,
        call_id: UUID | None = None,
    ) -> Self:
        return cls._create(
            cls.Opened,
            id=cls.id_for(order_id),
            source=source,
            order_id=order_id,
            customer_id=customer_id,
            currency=currency,
            salesperson_id=salesperson_id,
            delivered=delivered,
            delivered_at=delivered_at,
            call_id=call_id,
        )

    @property
    def amount(self) -> Decimal:
        return lines_total(self.lines or self.delivered)

    def submit(self, salesperson: str, lines: tuple[InvoiceLine, ...]) -> None:
        # BI-01: the salesperson of the order raises the request, once, or again once rejected.
        if self.salesperson_id is not None and salesperson != self.salesperson_id:
            raise RuleViolation(
                "BI-01",
                "the order's salesperson raises its invoice request",
                salesperson_id=self.salesperson_id,
            )
        if self.status not in (RequestStatus.DRAFT, RequestStatus.REJECTED):
            raise RuleViolation(
                "BI-01", "this invoice request was already submitted", status=self.status.value
            )
        # BI-03: the invoice says exactly what the customer confirmed, at the contract's prices.
        if _key(lines) != _key(self.delivered):
            raise RuleViolation(
                "BI-03",
                "the invoice lines do not match the customer-confirmed delivery",
                delivered=[
                    {"product_code": c, "quantity": q, "unit_price": str(p)}
                    for c, q, p in _key(self.delivered)
                ],
            )
        self.trigger_event(self.Submitted, submitted_by=salesperson, lines=lines)

    def reassign(self, owner_id: str, handover_id: UUID | None) -> None:
        """CU-15, CU-22: the new owner raises what the former one had not submitted; a request
        under review stays with who submitted it."""
        open_ = self.status in (RequestStatus.DRAFT, RequestStatus.REJECTED)
        if open_ and owner_id != self.salesperson_id:
            self.trigger_event(self.Reassigned, salesperson_id=owner_id, handover_id=handover_id)

    def mark_invoiced(self, invoice_id: UUID, issued_by: str, roles: Iterable[str]) -> None:
        # BI-15: finance issues the invoice, never a salesperson nor who submitted the request.
        handles_money(issued_by, roles, "an invoice", {self.submitted_by or ""})
        # BI-01: no invoice without a request the sales department reviewed and finance agreed.
        if self.status is not RequestStatus.APPROVED:
            raise RuleViolation(
                "BI-01",
                "finance issues an invoice only on a request the sales department reviewed",
                status=self.status.value,
            )
        self.trigger_event(self.Invoiced, invoice_id=invoice_id)

    # -- the approval chain (sales department, then finance)

    def approval_content(self) -> Mapping[str, Any]:
        return {
            "order_id": str(self.order_id),
            "customer_id": str(self.customer_id),
            "currency": self.currency,
            "lines": [
                [line.product_code, line.quantity, str(line.unit_price)] for line in self.lines
            ],
        }

    def interested_parties(self) -> set[str]:
        return {self.submitted_by} if self.submitted_by else set()

    def on_approved(self, approval: ApprovalState) -> None:
        if self.status is RequestStatus.SUBMITTED:
            self.trigger_event(self.Reviewed, reviewed_by=approval.steps[0].decided_by or "")

    def on_rejected(self, approval: ApprovalState, reason: str) -> None:
        if self.status is RequestStatus.SUBMITTED:
            step = next(s for s in approval.steps if s.status is StepStatus.REJECTED)
            self.trigger_event(self.Rejected, rejected_by=step.decided_by or "", reason=reason)
