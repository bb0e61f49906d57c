"""The service voucher's rules, at the aggregate that guards them."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from kernel.policy.parameters import RuleParameters, Warranty
from kernel.settings import KernelSettings
from runtime.unit_of_work import CommandContext, acting
from service_desk.domain.voucher import ServiceVoucher, warranty_end


@pytest.mark.parametrize(
    ("delivered", "until"),
    [(date(2026, 3, 15), date(2027, 3, 15)), (date(2024, 2, 29), date(2025, 2, 28))],
)
def test_sd02_warranty_runs_its_months_from_delivery(delivered: date, until: date) -> None:
    assert warranty_end(delivered, 12) == until


def test_sd02_xc07_one_voucher_per_delivered_unit_under_the_signed_parameters() -> None:
    order_id = uuid4()
    parameters = RuleParameters.parse(KernelSettings().rule_parameters_file.read_text())
    eighteen = parameters.model_copy(update={"version": 2, "warranty": Warranty(months=18)})
    with acting(CommandContext(actor="service-desk:policy")):
        voucher = ServiceVoucher.open(uuid4(), order_id, "P-1", "SN-1", date(2026, 3, 15), eighteen)
    assert voucher.id == ServiceVoucher.id_for(order_id, "SN-1")
    assert voucher.id != ServiceVoucher.id_for(order_id, "SN-2")
    assert (voucher.warranty_until, voucher.rule_parameters_version) == (date(2027, 9, 15), 2)
