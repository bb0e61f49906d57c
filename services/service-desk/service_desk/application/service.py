"""The service-desk application: vouchers opened when products are delivered."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.persistence import Tracking

from chassis.domain import CommandContext
from chassis.governance.application import GovernanceCommands
from contracts.orders import DeliveryConfirmedByCustomer
from service_desk.domain.voucher import CustomerServiceFile, ServiceVoucher, warranty_end


class ServiceDeskApplication(GovernanceCommands):
    service_name = "service-desk"

    def on_delivery_confirmed(
        self, event: DeliveryConfirmedByCustomer, context: CommandContext, tracking: Tracking
    ) -> None:
        """SD-02: a voucher for every serialised unit delivered, warranty counted from delivery."""
        with self.acting(context):
            service_file = self._file(event.customer_id) or CustomerServiceFile(event.customer_id)
            vouchers = [
                ServiceVoucher(
                    event.customer_id,
                    event.order_id,
                    line.product_code,
                    serial,
                    warranty_end(event.received_at.date()),
                )
                for line in event.lines
                for serial in line.serial_numbers
            ]
            for voucher in vouchers:
                service_file.file(voucher.id)
        self.record_processed(tracking, service_file, *vouchers)

    def voucher(self, voucher_id: UUID) -> ServiceVoucher:
        return self.get(ServiceVoucher, voucher_id, "service voucher")

    def vouchers_of(self, customer_id: UUID) -> list[ServiceVoucher]:
        service_file = self._file(customer_id)
        return [self.voucher(v) for v in service_file.voucher_ids] if service_file else []

    def _file(self, customer_id: UUID) -> CustomerServiceFile | None:
        return self.find(CustomerServiceFile, customer_id)
