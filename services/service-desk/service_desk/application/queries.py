"""Queries over service vouchers: one by id from its events; lists page through ``VOUCHERS``."""

from __future__ import annotations

from uuid import UUID

from runtime.application import Feature, ServiceApplication
from service_desk.domain.voucher import ServiceVoucher
from service_desk.projections import vouchers


class VoucherQueries(ServiceApplication):
    feature = Feature("vouchers", projections=(vouchers,))

    def voucher(self, voucher_id: UUID) -> ServiceVoucher:
        return self.get(ServiceVoucher, voucher_id, "service voucher")
