"""Service vouchers: one per product sold (SD-02), the product's service history."""

from __future__ import annotations

from datetime import date
from typing import Self
from uuid import NAMESPACE_OID, UUID, uuid5

from kernel.policy.parameters import RuleParameters
from runtime.aggregate import Aggregate


def warranty_end(delivered_on: date, months: int) -> date:
    """The warranty runs from delivery; a day that does not exist in the end month is clamped."""
    month_index = delivered_on.month - 1 + months
    year, month = delivered_on.year + month_index // 12, month_index % 12 + 1
    for day in range(delivered_on.day, 27, -1):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    return date(year, month, min(delivered_on.day, 28))


class ServiceVoucher(Aggregate):
    def __init__(self) -> None:
        self.customer_id: UUID
        self.order_id: UUID
        self.product_code: str
        self.serial_number: str
        self.warranty_until: date
        self.rule_parameters_version: int

    class Created(Aggregate.Created):
        customer_id: UUID
        order_id: UUID
        product_code: str
        serial_number: str
        warranty_until: date
        rule_parameters_version: int
        """The rule parameters (XC-07) the warranty length was taken from."""

    @staticmethod
    def id_for(order_id: UUID, serial_number: str) -> UUID:
        # One voucher per sold unit: a repeated delivery message cannot open a second one.
        return uuid5(NAMESPACE_OID, f"voucher:{order_id}:{serial_number}")

    @classmethod
    def open(
        cls,
        customer_id: UUID,
        order_id: UUID,
        product_code: str,
        serial_number: str,
        delivered_on: date,
        parameters: RuleParameters,
    ) -> Self:
        """SD-02: the voucher of one delivered unit, its warranty counted from delivery for as
        many months as the rule parameters in force say."""
        return cls._create(
            cls.Created,
            id=cls.id_for(order_id, serial_number),
            customer_id=customer_id,
            order_id=order_id,
            product_code=product_code,
            serial_number=serial_number,
            warranty_until=warranty_end(delivered_on, parameters.warranty.months),
            rule_parameters_version=parameters.version,
        )
