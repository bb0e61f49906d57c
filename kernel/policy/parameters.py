"""The rule parameters (``config/rule-parameters.toml``): the numbers the regulations leave to the
company, typed, read from the version the general manager signed."""

from __future__ import annotations

import tomllib
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Warranty(_Section):
    months: int = Field(ge=0, le=240)


class ServiceSla(_Section):
    urban_arrival_working_hours: float = Field(gt=0)
    suburban_arrival_working_hours: float = Field(gt=0)
    within_radius_arrival_hours: float = Field(gt=0)
    service_radius_km: float = Field(gt=0)
    beyond_radius_reply_hours: float = Field(gt=0)
    emergency_response_hours: float = Field(gt=0)
    """SD-45: the fastest response, for the emergency path (wall clock)."""


class Complaints(_Section):
    reply_within_working_days: int = Field(ge=1, le=60)
    solution_within_working_days: int = Field(ge=1, le=60)
    follow_up_within_working_days: int = Field(ge=1, le=60)
    quality_follow_ups: int = Field(ge=1, le=10)
    service_follow_ups: int = Field(ge=1, le=10)


class Cash(_Section):
    remit_employee_cash_within_hours: float = Field(gt=0)
    instruments_handed_over_same_day: bool
    service_fee_cash_limit: Decimal = Field(gt=0)
    """SD-13, C4: a technician takes a type-A fee on site only under this amount."""


class Contracts(_Section):
    filed_within_working_days: int = Field(ge=0)
    archive_by_day_of_next_month: int = Field(ge=1, le=28)
    standard_payment_terms_days: int = Field(ge=0, le=3660)


class Customers(_Section):
    grade_review_interval_days: int = Field(ge=1, le=3660)
    allocation_margin_accounts: int = Field(ge=0, le=10_000)
    handover_within_working_days: int = Field(ge=1, le=60)
    credit_review_interval_days: int = Field(ge=1, le=3660)
    a_grade_credit_review_interval_days: int = Field(ge=1, le=3660)
    overdue_abnormality_days: int = Field(ge=1, le=3660)
    dissatisfactions_for_grade_review: int = Field(ge=1, le=1000)
    overdue_payments_for_grade_review: int = Field(ge=1, le=1000)
    large_order_amount: Decimal = Field(gt=0)


class Quotes(_Section):
    follow_up_within_working_days: int = Field(ge=1, le=60)
    valid_days: int = Field(ge=1, le=366)
    minimum_margin_percent: Decimal = Field(ge=0, lt=100)


class Orders(_Section):
    ship_within_working_days: int = Field(ge=1, le=60)
    return_within_days: int = Field(ge=1, le=366)
    return_reasons: tuple[str, ...] = Field(min_length=1, max_length=50)
    archive_outbound_within_working_days: int = Field(ge=0, le=60)


class Expenses(_Section):
    budget_alert_percent: int = Field(ge=1, le=100)


class Receivables(_Section):
    default_payment_terms_days: int = Field(ge=0, le=3660)
    overdue_alert_days: int = Field(ge=0, le=3660)
    dso_period_days: int = Field(ge=1, le=3660)
    reconciliation_issue_within_days: int = Field(ge=0, le=183)


class SpareParts(_Section):
    old_part_return_within_working_days: int = Field(ge=1, le=60)
    old_parts_disposed_by_working_day: int = Field(ge=1, le=20)


class DailyReports(_Section):
    report_within_working_days: int = Field(ge=1, le=20)


class MaintenanceContracts(_Section):
    expiry_notice_lead_months: int = Field(ge=1, le=12)
    """SD-29: the expiry notice is due this many months before the contract ends."""


class RuleParameters(_Section):
    policy_key: str
    version: int
    warranty: Warranty
    service_sla: ServiceSla
    complaints: Complaints
    cash: Cash
    contracts: Contracts
    customers: Customers
    quotes: Quotes
    orders: Orders
    expenses: Expenses
    receivables: Receivables
    spare_parts: SpareParts
    daily_reports: DailyReports
    maintenance_contracts: MaintenanceContracts

    @classmethod
    def parse(cls, content: str) -> RuleParameters:
        return cls.model_validate(tomllib.loads(content))
