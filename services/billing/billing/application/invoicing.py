"""Invoicing and receivables (RULES §3.5 BI-01…BI-03, BI-09, BI-11, BI-13, BI-19; §4.5, §4.7):
the invoice request opened from the customer-confirmed delivery, reviewed and issued; the invoice
dispatched, registered and signed for by the customer; the receivable due by the contract's
payment terms; payments recorded by finance and applied; aging and DSO; overdue receivables
reported once by a timer on working days."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from billing.application.credit import CreditPolicies
from billing.application.invoicing_metrics import FIGURES
from billing.application.ledger import ServiceLedger
from billing.domain.credit_note import CREDIT_NOTE_KIND, CreditNote
from billing.domain.invoice import Invoice
from billing.domain.invoice_request import (
    REQUEST_KIND,
    InvoiceLine,
    InvoiceRequest,
    RequestSource,
)
from billing.domain.known_customer import KnownCustomer
from billing.domain.ledger import EntryKind
from billing.domain.payment import Payment
from billing.domain.sales import KnownOrder, PaymentTerms
from billing.invoicing_projections import (
    INVOICE_REQUESTS,
    RECEIVABLES,
    Aging,
    InvoiceRequestView,
    ReceivableView,
    aging,
    invoice_requests,
    overdue_of,
    overdue_to_report,
    receivables,
)
from contracts.customers import CreditReviewDue
from contracts.orders import (
    ContractSigned,
    DeliveryConfirmedByCustomer,
    OrderLine,
    OrderPlaced,
    RedOutboundOrderIssued,
)
from kernel.application import PolicyNotInForce
from kernel.audit import AuditTrail
from kernel.company import COMPANY_CURRENCY
from kernel.governance import Governance
from kernel.settings import KernelSettings
from kernel.signing import CustomerSigning
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.application import Feature, Timer, command, policy
from runtime.ids import new_id
from runtime.unit_of_work import CommandContext
from runtime.views import Page, PageRequest


def _report_overdue_receivables(app: InvoicingCommands) -> None:
    """BI-11: the timer's tick, on working days: ``ReceivableOverdue`` for each receivable
    overdue beyond the threshold, once."""
    try:
        threshold = app.rule_parameters().receivables.overdue_alert_days
        calendar = app.calendar
    except PolicyNotInForce:
        return  # XC-07: nothing is judged before the general manager signed the parameters
    today = clock.now().astimezone(calendar.zone).date()
    if not calendar.is_working_day(today):
        return
    with app.read_models.read() as db:
        overdue = overdue_to_report(db, today, threshold)
    timer = CommandContext(actor=f"{app.service_name}:timer")
    for invoice_id in overdue:
        app.report_overdue_receivable(timer, invoice_id)


def _invoice_lines(lines: Sequence[OrderLine]) -> tuple[InvoiceLine, ...]:
    """What orders delivered or took back, as billing invoices or reverses it."""
    return tuple(InvoiceLine(line.product_code, line.quantity, line.unit_price) for line in lines)


OVERDUE_RECEIVABLES = Timer(
    "overdue-receivables",
    lambda settings: KernelSettings.of(settings).timer_seconds,
    _report_overdue_receivables,
)


class InvoicingCommands(CreditPolicies, CustomerSigning, Governance, AuditTrail, ServiceLedger):
    feature = Feature(
        "invoicing",
        projections=(invoice_requests, receivables),
        timers=(OVERDUE_RECEIVABLES,),
        figures=FIGURES,
        value_objects=(InvoiceLine,),
    )

    # -- what billing learns from orders (RULES §7 rows 3, 4)

    @policy(OrderPlaced)
    def on_order_placed(self, event: OrderPlaced) -> None:
        """The order's currency, which its invoice is issued in."""
        if self.find(KnownOrder, event.order_id) is None:
            KnownOrder.learn(event.order_id, event.customer_id, event.currency)

    @policy(ContractSigned)
    def on_contract_signed(self, event: ContractSigned) -> None:
        """BI-19: the signed contract's payment terms, for the customer's future receivables."""
        if event.payment_terms_days is None:
            return
        terms = self.find(PaymentTerms, PaymentTerms.id_for(event.customer_id))
        if terms is None:
            PaymentTerms.agree(event.customer_id, event.payment_terms_days, event.contract_id)
        else:
            terms.change(event.payment_terms_days, event.contract_id)

    @policy(DeliveryConfirmedByCustomer)
    def on_delivery_confirmed(self, event: DeliveryConfirmedByCustomer) -> None:
        """BI-01: a draft invoice request for the order's salesperson (the account owner)."""
        if self.find(InvoiceRequest, InvoiceRequest.id_for(event.order_id)) is not None:
            return
        order = self.find(KnownOrder, event.order_id)
        customer = self.find(KnownCustomer, event.customer_id)
        InvoiceRequest.open(
            RequestSource.DELIVERY,
            event.order_id,
            event.customer_id,
            # OrderPlaced comes first on the order's partition; an order placed before billing
            # listened is in the company's currency.
            COMPANY_CURRENCY if order is None else order.currency,
            None if customer is None else customer.owner_id,
            _invoice_lines(event.lines),
            event.received_at,
        )

    # -- BI-01, BI-03: the request

    def invoice_request(self, request_id: UUID) -> InvoiceRequest:
        return self.get(InvoiceRequest, request_id, "invoice request")

    def invoice_requests(self, request: PageRequest) -> Page[InvoiceRequestView]:
        return self.read_models.page(INVOICE_REQUESTS, request)

    @command
    def submit_invoice_request(
        self, context: CommandContext, request_id: UUID, lines: tuple[InvoiceLine, ...]
    ) -> InvoiceRequest:
        """BI-01, BI-03: the salesperson submits what to invoice, for the sales department to
        review and finance to agree."""
        request = self.invoice_request(request_id)
        request.submit(context.actor, lines)
        self.request_approval(request, REQUEST_KIND, context.actor, request.amount)
        return request

    @command
    def issue_invoice(self, context: CommandContext, request_id: UUID, number: str) -> Invoice:
        """BI-01, BI-19: finance issues the invoice of a reviewed request; the receivable falls
        due by the contract's payment terms, else by the rule parameters' default."""
        request = self.invoice_request(request_id)
        invoice_id = Invoice.id_for(request.order_id)
        if self.find(Invoice, invoice_id) is not None:
            raise RuleViolation(
                "BI-01", "this order is already invoiced", invoice_id=str(invoice_id)
            )
        request.mark_invoiced(invoice_id, context.actor, context.roles)
        terms = self.find(PaymentTerms, PaymentTerms.id_for(request.customer_id))
        days = (
            self.rule_parameters().receivables.default_payment_terms_days
            if terms is None
            else terms.days
        )
        customer = self.find(KnownCustomer, request.customer_id)
        invoice = Invoice.issue_requested(
            request.id,
            request.order_id,
            request.customer_id,
            request.amount,
            request.currency,
            None if customer is None else customer.owner_id,
            number,
            context.actor,
            clock.now().astimezone(self.calendar.zone).date(),
            days,
            request.call_id,
        )
        self.order_invoiced(invoice)
        if request.call_id is not None:
            # SD-46: a service job's invoice is service income, booked from its request.
            self.book_once(
                EntryKind.SERVICE_INVOICE,
                invoice.amount,
                "ServiceInvoiceRequested",
                request.call_id,
                call_id=request.call_id,
                customer_id=request.customer_id,
                booked_by=context.actor,
            )
        return invoice

    # -- BI-02: dispatched and registered; the customer's signature comes through the channel

    def invoice(self, invoice_id: UUID) -> Invoice:
        return self.get(Invoice, invoice_id, "invoice")

    @command
    def dispatch_invoice(
        self, context: CommandContext, invoice_id: UUID, register_number: str
    ) -> Invoice:
        invoice = self.invoice(invoice_id)
        invoice.dispatch(register_number, context.actor)
        return invoice

    # -- BI-05, BI-09: payments

    def payment(self, payment_id: UUID) -> Payment:
        return self.get(Payment, payment_id, "payment")

    @command
    def record_payment(
        self,
        context: CommandContext,
        customer_id: UUID,
        amount: Decimal,
        currency: str,
        method: str,
        bank_ref: str,
        received_at: datetime,
        applications: dict[UUID, Decimal],
    ) -> Payment:
        """BI-09: a payment into the company's account, recorded by finance (BI-05), never by
        who chases the invoices (BI-15), and applied in full to the customer's invoices; an
        invoice is settled once fully paid."""
        payment_id = new_id()
        invoices = {invoice_id: self.invoice(invoice_id) for invoice_id in applications}
        collectors = {i.account_owner_id for i in invoices.values() if i.account_owner_id}
        payment = Payment.record(
            payment_id,
            context.actor,
            context.roles,
            customer_id,
            currency,
            method,
            bank_ref,
            received_at,
            applications,
            collectors,
        )
        if payment.amount != amount:
            raise RuleViolation(
                "BI-09",
                "a payment is applied in full: its parts must add up to the amount received",
                amount=str(amount),
                applied=str(payment.amount),
            )
        paid_on = received_at.astimezone(self.calendar.zone).date()
        for invoice_id, part in applications.items():
            invoice = invoices[invoice_id]
            if invoice.customer_id != customer_id or invoice.currency != currency:
                raise RuleViolation(
                    "BI-09",
                    "a payment applies only to its own customer's invoices, in their currency",
                    invoice_id=str(invoice_id),
                )
            invoice.apply_payment(payment_id, part, paid_on)
            self.receivable_reduced(invoice, part)
        return payment

    # -- BI-18: red-letter invoices

    @policy(RedOutboundOrderIssued)
    def on_red_outbound_order(self, event: RedOutboundOrderIssued) -> None:
        """BI-18: a return's red outbound order asks for a credit note against the order's
        invoice, for the sales manager and finance to approve (a return of goods not invoiced
        yet reverses nothing here)."""
        invoice = self.find(Invoice, Invoice.id_for(event.order_id))
        known = self.find(CreditNote, CreditNote.id_for(event.return_id)) is not None
        if invoice is None or known:
            return
        note = CreditNote.request(
            event.return_id,
            event.order_id,
            event.customer_id,
            invoice.id,
            event.currency,
            _invoice_lines(event.lines),
        )
        self.request_approval(note, CREDIT_NOTE_KIND, f"{self.service_name}:policy", note.amount)

    def credit_note(self, credit_note_id: UUID) -> CreditNote:
        return self.get(CreditNote, credit_note_id, "credit note")

    @command
    def issue_credit_note(
        self, context: CommandContext, credit_note_id: UUID, number: str
    ) -> CreditNote:
        """BI-18: finance issues the approved credit note; the original invoice's receivable
        falls by its amount."""
        note = self.credit_note(credit_note_id)
        note.issue(number, context.actor, context.roles, clock.now())
        invoice = self.invoice(note.original_invoice_id)
        invoice.credit(note.id, note.amount)
        self.receivable_reduced(invoice, note.amount)
        return note

    # -- the credit exposure's hooks (BI-11), in the same unit of work as the change

    def order_invoiced(self, invoice: Invoice) -> None:
        """An order was invoiced: its amount moves from unbilled shipments to open receivables
        in the customer's exposure."""
        exposure = self.exposure_of(invoice.customer_id)
        exposure.invoiced(invoice.order_id, invoice.id, invoice.amount)

    def receivable_reduced(self, invoice: Invoice, amount: Decimal) -> None:
        """A payment (BI-09) or a red-letter invoice (BI-18) took ``amount`` off ``invoice``'s
        receivable, and so off the customer's exposure."""
        self.exposure_of(invoice.customer_id).paid(invoice.id, amount)

    # -- CU-11, RULES §7 row 21: the customer's credit review

    @policy(CreditReviewDue)
    def on_credit_review_due(self, event: CreditReviewDue) -> None:
        """The customer's exposure and what of it is overdue, as input to the review."""
        today = event.due_since.astimezone(self.calendar.zone).date()
        # The overdue amount comes from the receivables table: bring it up to date first.
        self.catch_up_projections()
        with self.read_models.read() as db:
            overdue = overdue_of(db, event.customer_id, today)
        self.exposure_of(event.customer_id).supply_review_figures(overdue, event.due_since)

    # -- BI-11, BI-13: overdue, aging, DSO

    @command
    def report_overdue_receivable(self, context: CommandContext, invoice_id: UUID) -> bool:
        threshold = self.rule_parameters().receivables.overdue_alert_days
        today = clock.now().astimezone(self.calendar.zone).date()
        return self.invoice(invoice_id).report_overdue(today, threshold)

    def receivables(self, request: PageRequest) -> Page[ReceivableView]:
        return self.read_models.page(RECEIVABLES, request)

    def aging(
        self, as_of: date, customer_id: UUID | None = None, salesperson_id: str | None = None
    ) -> Aging:
        period = self.rule_parameters().receivables.dso_period_days
        with self.read_models.read() as db:
            return aging(db, as_of, period, customer_id, salesperson_id)
