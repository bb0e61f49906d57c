"""The service-desk service's published events."""

from __future__ import annotations

from contracts.service_desk import ServiceVoucherCreated
from runtime.outbound import Outbound
from service_desk.domain.voucher import ServiceVoucher

OUTBOUND = Outbound({ServiceVoucher.Created: ServiceVoucherCreated})
