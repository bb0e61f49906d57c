"""The customer file accumulates the trading history the orders and billing services report
(CU-26)."""

from __future__ import annotations

from uuid import UUID

from contracts.billing import (
    CreditReviewFiguresSupplied,
    InvoiceIssued,
    InvoiceReceiptSignedByCustomer,
    PaymentApplied,
)
from contracts.orders import (
    ContractSigned,
    DeliveryConfirmedByCustomer,
    GoodsIssued,
    OpenPipelineSupplied,
    RedOutboundOrderIssued,
    ReturnReceivedIntoWarehouse,
)
from customers.domain.trading import CreditReviewFigures, OpenPipeline, TradingHistory
from runtime.application import Feature, ServiceApplication, policy


class TradingHistoryPolicies(ServiceApplication):
    feature = Feature("trading-history", value_objects=(CreditReviewFigures, OpenPipeline))

    def history_of(self, customer_id: UUID) -> TradingHistory:
        found = self.find(TradingHistory, TradingHistory.id_for(customer_id))
        return found or TradingHistory.open(customer_id)

    @policy(GoodsIssued)
    def on_goods_issued(self, event: GoodsIssued) -> None:
        """CU-26: the shipment record."""
        self.history_of(event.customer_id).record_shipment(
            event.order_id, event.total, event.currency, event.back_order_id
        )

    @policy(DeliveryConfirmedByCustomer)
    def on_delivery_confirmed(self, event: DeliveryConfirmedByCustomer) -> None:
        """CU-26: the shipment record, as the customer confirmed receiving it."""
        self.history_of(event.customer_id).record_delivery(event.order_id, event.received_at)

    @policy(ContractSigned)
    def on_contract_signed(self, event: ContractSigned) -> None:
        """CU-26: the contracts the customer signed."""
        self.history_of(event.customer_id).record_contract(
            event.contract_id, event.amount, event.currency, event.signed_at
        )

    @policy(RedOutboundOrderIssued)
    def on_red_outbound_order(self, event: RedOutboundOrderIssued) -> None:
        """CU-26, CU-06: the returns, an input to the claims and dangerous-customer triggers."""
        self.history_of(event.customer_id).record_return(
            event.return_id, event.order_id, event.total, event.currency
        )

    @policy(ReturnReceivedIntoWarehouse)
    def on_return_received(self, event: ReturnReceivedIntoWarehouse) -> None:
        """CU-26: the returned goods back in the warehouse, with what the count found."""
        self.history_of(event.customer_id).record_return_received(
            event.return_id, event.order_id, event.received_at, event.discrepancy
        )

    @policy(InvoiceIssued)
    def on_invoice_issued(self, event: InvoiceIssued) -> None:
        """CU-26: the payment record starts from what was invoiced."""
        self.history_of(event.customer_id).record_invoice(
            event.invoice_id, event.order_id, event.amount, event.currency
        )

    @policy(InvoiceReceiptSignedByCustomer)
    def on_invoice_receipt_signed(self, event: InvoiceReceiptSignedByCustomer) -> None:
        """CU-26: the customer signed for the invoice: its payment terms run."""
        self.history_of(event.customer_id).record_receipt_signed(
            event.invoice_id, event.order_id, event.signed_at
        )

    @policy(PaymentApplied)
    def on_payment_applied(self, event: PaymentApplied) -> None:
        """CU-26: the payment record, an input to the credit review (CU-11)."""
        self.history_of(event.customer_id).record_payment(
            event.payment_id, event.amount, event.currency, event.method, event.received_at
        )

    @policy(CreditReviewFiguresSupplied)
    def on_credit_review_figures(self, event: CreditReviewFiguresSupplied) -> None:
        """CU-11, RULES §7 row 21: billing's receivables and exposure, for the credit review."""
        self.history_of(event.customer_id).record_credit_figures(
            CreditReviewFigures(
                event.currency,
                event.open_receivables,
                event.overdue_receivables,
                event.unbilled_shipments,
                event.reservations,
                event.as_of,
            )
        )

    @policy(OpenPipelineSupplied)
    def on_open_pipeline(self, event: OpenPipelineSupplied) -> None:
        """CU-11, RULES §7 row 21: orders' open pipeline, for the credit review."""
        self.history_of(event.customer_id).record_open_pipeline(
            OpenPipeline(
                event.currency,
                event.open_orders,
                event.open_orders_amount,
                event.open_quotes_amount,
                event.as_of,
            )
        )
