"""Service-desk opens vouchers when the orders service reports a confirmed delivery, and follows
the cash advances billing issues for a service call's trip until they are settled (BI-24)."""

from __future__ import annotations

from contracts.billing import CashAdvanceIssued, CashAdvanceSettled
from contracts.orders import DeliveryConfirmedByCustomer
from kernel.application import KernelApplication
from runtime.application import policy
from service_desk.domain.service_call import ServiceCall
from service_desk.domain.voucher import ServiceVoucher


class DeliveryPolicies(KernelApplication):
    @policy(DeliveryConfirmedByCustomer)
    def on_delivery_confirmed(self, event: DeliveryConfirmedByCustomer) -> None:
        """SD-02: a voucher for every serialised unit delivered, under the rule parameters in
        force (it waits while none is: XC-07)."""
        parameters = self.rule_parameters()
        # The company's day of the delivery: the warranty runs from it (SD-02).
        delivered_on = event.received_at.astimezone(self.calendar.zone).date()
        for line in event.lines:
            for serial in line.serial_numbers:
                if self.find(ServiceVoucher, ServiceVoucher.id_for(event.order_id, serial)) is None:
                    ServiceVoucher.open(
                        event.customer_id,
                        event.order_id,
                        line.product_code,
                        serial,
                        delivered_on,
                        parameters,
                    )


class AdvancePolicies(KernelApplication):
    @policy(CashAdvanceIssued)
    def on_cash_advance_issued(self, event: CashAdvanceIssued) -> None:
        """RULES §7 row 19, BI-24: an advance for a service call's trip is linked to the call;
        one for no call, or a call service-desk does not know, is billing's alone."""
        call = None if event.call_id is None else self.find(ServiceCall, event.call_id)
        if call is not None:
            call.link_advance(event.advance_id, event.employee_id, event.amount)

    @policy(CashAdvanceSettled)
    def on_cash_advance_settled(self, event: CashAdvanceSettled) -> None:
        """RULES §7 row 19, BI-24: the trip's advance settles on the reimbursement or repayment."""
        call = None if event.call_id is None else self.find(ServiceCall, event.call_id)
        if call is not None and event.outstanding is not None:
            call.settle_advance(event.advance_id, event.outstanding)
