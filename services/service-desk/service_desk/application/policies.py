"""Service-desk opens vouchers when the orders service reports a confirmed delivery."""

from __future__ import annotations

from contracts.orders import DeliveryConfirmedByCustomer
from kernel.application import KernelApplication
from runtime.application import policy
from service_desk.domain.voucher import ServiceVoucher


class DeliveryPolicies(KernelApplication):
    @policy(DeliveryConfirmedByCustomer)
    def on_delivery_confirmed(self, event: DeliveryConfirmedByCustomer) -> None:
        """SD-02: a voucher for every serialised unit delivered, under the rule parameters in
        force (it waits while none is: XC-07)."""
        parameters = self.rule_parameters()
        delivered_on = event.received_at.date()
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
