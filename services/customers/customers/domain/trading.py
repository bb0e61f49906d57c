"""A customer's trading history (CU-26): what the orders, billing and service-desk services
reported of the customer, accumulated on the customer file as input to the credit evaluation
(CU-11), the grade (CU-05) and the dangerous-customer triggers (CU-06): shipments, deliveries,
contracts and returns; invoices, receipts, payments, overdue receivables, dishonoured
instruments and reconciliation discrepancies; surveys and complaints (the satisfaction
profile)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any, Self
from uuid import NAMESPACE_OID, UUID, uuid5

from runtime.aggregate import Aggregate

DISSATISFIED_AT_MOST = 2
"""SD-31: of the four satisfaction levels, 1 and 2 are dissatisfied."""


@dataclass(frozen=True)
class TradeRecord:
    """The contracts the customer signed and the goods it returned (an input to the claims and
    dangerous-customer triggers, CU-06)."""

    contracts: int = 0
    returns: int = 0
    returned: Mapping[str, Decimal] = field(default_factory=dict)
    """Value returned per currency."""


@dataclass(frozen=True)
class PaymentRecord:
    """CU-26: the payment record billing reports; with the overdue receivables, dishonoured
    instruments and unexplained discrepancies, the credit review's inputs (CU-11)."""

    receipts_signed: int = 0
    payments: int = 0
    paid: Mapping[str, Decimal] = field(default_factory=dict)
    """Paid per currency."""
    last_paid_at: datetime | None = None
    overdue: Mapping[str, int] = field(default_factory=dict)
    """Days overdue per receivable, as billing last reported them."""
    fell_overdue_at: tuple[datetime, ...] = ()
    """When each receivable was first reported overdue (CU-05: repeated overdue payments)."""
    dishonoured_instruments: int = 0
    unexplained_discrepancies: int = 0


@dataclass(frozen=True)
class SatisfactionProfile:
    """CU-05: the surveys and complaints service-desk reports."""

    surveys: int = 0
    dissatisfied_surveys: int = 0
    complaints: int = 0
    valid_complaints: int = 0
    dissatisfied_at: tuple[datetime, ...] = ()
    """When each dissatisfied survey or valid complaint was recorded."""


@dataclass(frozen=True)
class CreditReviewFigures:
    """CU-11, RULES §7 row 21: billing's payment position and exposure of the customer when its
    credit review fell due."""

    currency: str
    open_receivables: Decimal
    overdue_receivables: Decimal
    unbilled_shipments: Decimal
    reservations: Decimal
    as_of: datetime


@dataclass(frozen=True)
class OpenPipeline:
    """CU-11, RULES §7 row 21: orders' open pipeline of the customer when its credit review fell
    due."""

    currency: str
    open_orders: int
    open_orders_amount: Decimal
    open_quotes_amount: Decimal
    as_of: datetime


class TradingHistory(Aggregate):
    def __init__(self) -> None:
        self.customer_id: UUID
        self.shipments = 0
        self.deliveries = 0
        self.invoices = 0
        # Per currency: amounts in different currencies are never added up.
        self.shipped: dict[str, Decimal] = {}
        self.invoiced: dict[str, Decimal] = {}
        self.last_shipped_at: datetime | None = None
        self.last_delivered_at: datetime | None = None
        self._recorded: set[str] = set()

    class Opened(Aggregate.Created):
        customer_id: UUID

    class ShipmentRecorded(Aggregate.Event):
        """Orders' ``GoodsIssued``: the warehouse shipped the order."""

        customer_id: UUID
        order_id: UUID
        amount: Decimal
        currency: str
        back_order_id: UUID | None = None
        """OR-30: the back order a later shipment of the same order issued."""

        def apply(self, history: TradingHistory) -> None:
            history.shipments += 1
            _add(history.shipped, self.currency, self.amount)
            history.last_shipped_at = self.timestamp
            history._recorded.add(_shipment_key(self.order_id, self.back_order_id))

    class DeliveryRecorded(Aggregate.Event):
        """Orders' ``DeliveryConfirmedByCustomer``: the customer confirmed receipt."""

        customer_id: UUID
        order_id: UUID
        received_at: datetime

        def apply(self, history: TradingHistory) -> None:
            history.deliveries += 1
            history.last_delivered_at = self.received_at
            history._recorded.add(f"delivery:{self.order_id}")

    class InvoiceRecorded(Aggregate.Event):
        """Billing's ``InvoiceIssued``: finance invoiced a shipment."""

        customer_id: UUID
        invoice_id: UUID
        order_id: UUID
        amount: Decimal
        currency: str

        def apply(self, history: TradingHistory) -> None:
            history.invoices += 1
            _add(history.invoiced, self.currency, self.amount)
            history._recorded.add(f"invoice:{self.invoice_id}")

    class ContractRecorded(Aggregate.Event):
        """Orders' ``ContractSigned``."""

        customer_id: UUID
        contract_id: UUID
        amount: Decimal
        currency: str
        signed_at: datetime

        def apply(self, history: TradingHistory) -> None:
            history.trade = replace(history.trade, contracts=history.trade.contracts + 1)
            history._recorded.add(f"contract:{self.contract_id}")

    class ReturnRecorded(Aggregate.Event):
        """Orders' ``RedOutboundOrderIssued``: goods of an order came back (an input to the
        claims and dangerous-customer triggers, CU-06)."""

        customer_id: UUID
        return_id: UUID
        order_id: UUID
        amount: Decimal
        currency: str

        def apply(self, history: TradingHistory) -> None:
            trade = history.trade
            returned = _added(trade.returned, self.currency, self.amount)
            history.trade = replace(trade, returns=trade.returns + 1, returned=returned)
            history._recorded.add(f"return:{self.return_id}")

    class ReturnReceived(Aggregate.Event):
        """Orders' ``ReturnReceivedIntoWarehouse``: the returned goods are back in stock."""

        customer_id: UUID
        return_id: UUID
        order_id: UUID
        received_at: datetime
        discrepancy: str

        def apply(self, history: TradingHistory) -> None:
            history._recorded.add(f"return-received:{self.return_id}")

    class ReceiptSignedRecorded(Aggregate.Event):
        """Billing's ``InvoiceReceiptSignedByCustomer``."""

        customer_id: UUID
        invoice_id: UUID
        order_id: UUID
        signed_at: datetime

        def apply(self, history: TradingHistory) -> None:
            record = history.payment_record
            history.payment_record = replace(record, receipts_signed=record.receipts_signed + 1)
            history._recorded.add(f"receipt:{self.invoice_id}")

    class PaymentRecorded(Aggregate.Event):
        """Billing's ``PaymentApplied``: the payment record (CU-26)."""

        customer_id: UUID
        payment_id: UUID
        amount: Decimal
        currency: str
        method: str
        received_at: datetime

        def apply(self, history: TradingHistory) -> None:
            record = history.payment_record
            history.payment_record = replace(
                record,
                payments=record.payments + 1,
                paid=_added(record.paid, self.currency, self.amount),
                last_paid_at=self.received_at,
            )
            history._recorded.add(f"payment:{self.payment_id}")

    class OverdueRecorded(Aggregate.Event):
        """Billing's ``ReceivableOverdue``, each time it reports more days."""

        customer_id: UUID
        receivable_id: UUID
        invoice_id: UUID
        amount: Decimal
        currency: str
        days_overdue: int

        def apply(self, history: TradingHistory) -> None:
            record = history.payment_record
            first = str(self.receivable_id) not in record.overdue
            overdue = {**record.overdue, str(self.receivable_id): self.days_overdue}
            history.payment_record = replace(
                record,
                overdue=overdue,
                fell_overdue_at=_also(record.fell_overdue_at, self.timestamp, first),
            )

    class DishonourRecorded(Aggregate.Event):
        """Billing's ``InstrumentDishonoured``."""

        customer_id: UUID
        instrument_id: UUID
        instrument_type: str
        amount: Decimal
        currency: str

        def apply(self, history: TradingHistory) -> None:
            record = history.payment_record
            history.payment_record = replace(
                record, dishonoured_instruments=record.dishonoured_instruments + 1
            )
            history._recorded.add(f"dishonoured:{self.instrument_id}")

    class DiscrepancyRecorded(Aggregate.Event):
        """Billing's ``ReconciliationDiscrepancyFound`` (BI-08)."""

        customer_id: UUID
        statement_id: UUID
        balance: Decimal
        customer_balance: Decimal
        currency: str
        explained: bool

        def apply(self, history: TradingHistory) -> None:
            record = history.payment_record
            unexplained = record.unexplained_discrepancies + (0 if self.explained else 1)
            history.payment_record = replace(record, unexplained_discrepancies=unexplained)
            history._recorded.add(f"discrepancy:{self.statement_id}:{self.explained}")

    class SurveyRecorded(Aggregate.Event):
        """Service-desk's ``SurveyResponseRecorded`` (SD-31): four ratings of 1 to 4."""

        customer_id: UUID
        call_id: UUID
        ratings: tuple[int, ...]
        dissatisfied: bool

        def apply(self, history: TradingHistory) -> None:
            profile = history.satisfaction
            history.satisfaction = replace(
                profile,
                surveys=profile.surveys + 1,
                dissatisfied_surveys=profile.dissatisfied_surveys + int(self.dissatisfied),
                dissatisfied_at=_also(profile.dissatisfied_at, self.timestamp, self.dissatisfied),
            )
            history._recorded.add(f"survey:{self.call_id}")

    class ComplaintRecorded(Aggregate.Event):
        """Service-desk's ``ComplaintClosed``: a valid complaint was a dissatisfaction, however
        it ended (SD-35, SD-39)."""

        customer_id: UUID
        complaint_id: UUID
        subject: str
        valid: bool

        def apply(self, history: TradingHistory) -> None:
            profile = history.satisfaction
            history.satisfaction = replace(
                profile,
                complaints=profile.complaints + 1,
                valid_complaints=profile.valid_complaints + int(self.valid),
                dissatisfied_at=_also(profile.dissatisfied_at, self.timestamp, self.valid),
            )
            history._recorded.add(f"complaint:{self.complaint_id}")

    class CreditFiguresRecorded(Aggregate.Event):
        """Billing's ``CreditReviewFiguresSupplied``: the newest replaces the one before."""

        customer_id: UUID
        figures: CreditReviewFigures

        def apply(self, history: TradingHistory) -> None:
            history.__dict__["_credit_review_figures"] = self.figures
            history._recorded.add(f"credit-figures:{self.figures.as_of.isoformat()}")

    class OpenPipelineRecorded(Aggregate.Event):
        """Orders' ``OpenPipelineSupplied``: the newest replaces the one before."""

        customer_id: UUID
        pipeline: OpenPipeline

        def apply(self, history: TradingHistory) -> None:
            history.__dict__["_open_pipeline"] = self.pipeline
            history._recorded.add(f"open-pipeline:{self.pipeline.as_of.isoformat()}")

    # The state added after the first histories were snapshotted lives in the instance
    # dictionary with a default, as the customer's CU-17 state does.

    @property
    def trade(self) -> TradeRecord:
        found: TradeRecord = self.__dict__.get("_trade", TradeRecord())
        return found

    @trade.setter
    def trade(self, trade: TradeRecord) -> None:
        self.__dict__["_trade"] = trade

    @property
    def payment_record(self) -> PaymentRecord:
        found: PaymentRecord = self.__dict__.get("_payment_record", PaymentRecord())
        return found

    @payment_record.setter
    def payment_record(self, record: PaymentRecord) -> None:
        self.__dict__["_payment_record"] = record

    @property
    def satisfaction(self) -> SatisfactionProfile:
        found: SatisfactionProfile = self.__dict__.get("_satisfaction", SatisfactionProfile())
        return found

    @satisfaction.setter
    def satisfaction(self, profile: SatisfactionProfile) -> None:
        self.__dict__["_satisfaction"] = profile

    @property
    def credit_review_figures(self) -> CreditReviewFigures | None:
        found: CreditReviewFigures | None = self.__dict__.get("_credit_review_figures")
        return found

    @property
    def open_pipeline(self) -> OpenPipeline | None:
        found: OpenPipeline | None = self.__dict__.get("_open_pipeline")
        return found

    @staticmethod
    def id_for(customer_id: UUID) -> UUID:
        # One history per customer.
        return uuid5(NAMESPACE_OID, f"trading-history:{customer_id}")

    @classmethod
    def open(cls, customer_id: UUID) -> Self:
        return cls._create(cls.Opened, id=cls.id_for(customer_id), customer_id=customer_id)

    # CU-26: each document counts once, however often its event is reported again; each method
    # returns whether it recorded something new.

    def _record(self, key: str, event: type[Aggregate.Event], **fields: Any) -> bool:
        if key in self._recorded:
            return False
        self.trigger_event(event, customer_id=self.customer_id, **fields)
        return True

    def record_credit_figures(self, figures: CreditReviewFigures) -> bool:
        """CU-11: billing's answer to the credit review falling due; an older answer arriving
        late does not replace a newer one."""
        known = self.credit_review_figures
        if known is not None and known.as_of >= figures.as_of:
            return False
        key = f"credit-figures:{figures.as_of.isoformat()}"
        return self._record(key, self.CreditFiguresRecorded, figures=figures)

    def record_open_pipeline(self, pipeline: OpenPipeline) -> bool:
        """CU-11: orders' answer to the credit review falling due (newest wins, as above)."""
        known = self.open_pipeline
        if known is not None and known.as_of >= pipeline.as_of:
            return False
        key = f"open-pipeline:{pipeline.as_of.isoformat()}"
        return self._record(key, self.OpenPipelineRecorded, pipeline=pipeline)

    def record_shipment(
        self, order_id: UUID, amount: Decimal, currency: str, back_order_id: UUID | None = None
    ) -> bool:
        """An order's shipment, or (OR-30) the later shipment of its back order."""
        return self._record(
            _shipment_key(order_id, back_order_id),
            self.ShipmentRecorded,
            order_id=order_id,
            amount=amount,
            currency=currency,
            back_order_id=back_order_id,
        )

    def record_delivery(self, order_id: UUID, received_at: datetime) -> bool:
        return self._record(
            f"delivery:{order_id}",
            self.DeliveryRecorded,
            order_id=order_id,
            received_at=received_at,
        )

    def record_invoice(
        self, invoice_id: UUID, order_id: UUID, amount: Decimal, currency: str
    ) -> bool:
        return self._record(
            f"invoice:{invoice_id}",
            self.InvoiceRecorded,
            invoice_id=invoice_id,
            order_id=order_id,
            amount=amount,
            currency=currency,
        )

    def record_contract(
        self, contract_id: UUID, amount: Decimal, currency: str, signed_at: datetime
    ) -> bool:
        return self._record(
            f"contract:{contract_id}",
            self.ContractRecorded,
            contract_id=contract_id,
            amount=amount,
            currency=currency,
            signed_at=signed_at,
        )

    def record_return(
        self, return_id: UUID, order_id: UUID, amount: Decimal, currency: str
    ) -> bool:
        return self._record(
            f"return:{return_id}",
            self.ReturnRecorded,
            return_id=return_id,
            order_id=order_id,
            amount=amount,
            currency=currency,
        )

    def record_return_received(
        self, return_id: UUID, order_id: UUID, received_at: datetime, discrepancy: str
    ) -> bool:
        return self._record(
            f"return-received:{return_id}",
            self.ReturnReceived,
            return_id=return_id,
            order_id=order_id,
            received_at=received_at,
            discrepancy=discrepancy,
        )

    def record_receipt_signed(self, invoice_id: UUID, order_id: UUID, signed_at: datetime) -> bool:
        return self._record(
            f"receipt:{invoice_id}",
            self.ReceiptSignedRecorded,
            invoice_id=invoice_id,
            order_id=order_id,
            signed_at=signed_at,
        )

    def record_payment(
        self,
        payment_id: UUID,
        amount: Decimal,
        currency: str,
        method: str,
        received_at: datetime,
    ) -> bool:
        return self._record(
            f"payment:{payment_id}",
            self.PaymentRecorded,
            payment_id=payment_id,
            amount=amount,
            currency=currency,
            method=method,
            received_at=received_at,
        )

    def record_overdue(
        self,
        receivable_id: UUID,
        invoice_id: UUID,
        amount: Decimal,
        currency: str,
        days_overdue: int,
    ) -> bool:
        # A receivable is reported again as it ages: recorded each time it is later than known.
        if days_overdue <= self.payment_record.overdue.get(str(receivable_id), -1):
            return False
        self.trigger_event(
            self.OverdueRecorded,
            customer_id=self.customer_id,
            receivable_id=receivable_id,
            invoice_id=invoice_id,
            amount=amount,
            currency=currency,
            days_overdue=days_overdue,
        )
        return True

    def days_overdue(self, receivable_id: UUID) -> int:
        """How late the receivable was last reported; 0 if never."""
        return self.payment_record.overdue.get(str(receivable_id), 0)

    def record_dishonour(
        self, instrument_id: UUID, instrument_type: str, amount: Decimal, currency: str
    ) -> bool:
        return self._record(
            f"dishonoured:{instrument_id}",
            self.DishonourRecorded,
            instrument_id=instrument_id,
            instrument_type=instrument_type,
            amount=amount,
            currency=currency,
        )

    def record_discrepancy(
        self,
        statement_id: UUID,
        balance: Decimal,
        customer_balance: Decimal,
        currency: str,
        explained: bool,
    ) -> bool:
        return self._record(
            f"discrepancy:{statement_id}:{explained}",
            self.DiscrepancyRecorded,
            statement_id=statement_id,
            balance=balance,
            customer_balance=customer_balance,
            currency=currency,
            explained=explained,
        )

    def record_survey(self, call_id: UUID, ratings: tuple[int, ...]) -> bool:
        return self._record(
            f"survey:{call_id}",
            self.SurveyRecorded,
            call_id=call_id,
            ratings=ratings,
            dissatisfied=min(ratings) <= DISSATISFIED_AT_MOST,
        )

    def record_complaint(self, complaint_id: UUID, subject: str, valid: bool) -> bool:
        return self._record(
            f"complaint:{complaint_id}",
            self.ComplaintRecorded,
            complaint_id=complaint_id,
            subject=subject,
            valid=valid,
        )

    def dissatisfactions_since(self, since: datetime | None) -> int:
        """CU-05: dissatisfied surveys and valid complaints recorded after ``since`` (all of
        them without)."""
        return _since(self.satisfaction.dissatisfied_at, since)

    def overdue_payments_since(self, since: datetime | None) -> int:
        """CU-05: receivables that fell overdue after ``since`` (all of them without)."""
        return _since(self.payment_record.fell_overdue_at, since)


def _since(instants: tuple[datetime, ...], since: datetime | None) -> int:
    return sum(1 for at in instants if since is None or at > since)


def _add(totals: dict[str, Decimal], currency: str, amount: Decimal) -> None:
    totals[currency] = totals.get(currency, Decimal(0)) + amount


def _also(instants: tuple[datetime, ...], at: datetime, when: bool) -> tuple[datetime, ...]:
    return (*instants, at) if when else instants


def _added(totals: Mapping[str, Decimal], currency: str, amount: Decimal) -> dict[str, Decimal]:
    return {**totals, currency: totals.get(currency, Decimal(0)) + amount}


def _shipment_key(order_id: UUID, back_order_id: UUID | None) -> str:
    # An order ships once, and once more per back order (OR-30).
    if back_order_id is None:
        return f"shipment:{order_id}"
    return f"shipment:{order_id}:{back_order_id}"
