"""The orders service's published events."""

from __future__ import annotations

from contracts import orders as contract
from orders.domain.known_customer import KnownCustomer
from orders.domain.order import Order
from orders.domain.product_return import ProductReturn
from orders.domain.sales_contract import SalesContract
from orders.domain.special_fee import SpecialFee
from runtime.outbound import Outbound

OUTBOUND = Outbound(
    {
        Order.Placed: contract.OrderPlaced,
        Order.GoodsIssued: contract.GoodsIssued,
        Order.BackOrderCreated: contract.BackOrderCreated,
        Order.BackOrderCancelled: contract.BackOrderCancelled,
        Order.DeliveryConfirmed: contract.DeliveryConfirmedByCustomer,
        SalesContract.Signed: contract.ContractSigned,
        Order.CreditCheckRequested: contract.CreditReservationRequested,
        Order.Cancelled: contract.OrderCancelled,
        KnownCustomer.OpenPipelineSupplied: contract.OpenPipelineSupplied,
        ProductReturn.RedOutboundOrderIssued: contract.RedOutboundOrderIssued,
        ProductReturn.ReceivedIntoWarehouse: contract.ReturnReceivedIntoWarehouse,
        SpecialFee.PaymentFormApproved: contract.SpecialFeePaymentFormApproved,
    }
)
