"""The maintenance contract's rules at the aggregate: its content (OR-10), the customer signing
only the approved version, the expiry notice one month before the end on the working calendar,
the renewal visit after it, the renewal and the lapse (SD-29), type-B work only under a contract
in force covering the product and the periodic visits with the customer's evaluation (SD-48)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from kernel.approvals.domain import ApprovalState, Capacity
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from service_desk.domain.maintenance_contract import (
    MAINTENANCE_CONTRACT,
    ContractStatus,
    ContractVisit,
    CoveredProduct,
    MaintenanceContract,
    covering_contract,
)
from tests.company import CALENDAR

CUSTOMER = uuid4()
PUMP = CoveredProduct(uuid4(), "P-1", "SN-1")
NOTICE_DUE = datetime(2027, 5, 27, 16, 0, tzinfo=UTC)
"""00:00 on Friday 28 May 2027 in Shanghai: 30 May, a month before the end, is a Sunday."""


@pytest.fixture(autouse=True)
def _acting() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def registered(renewed: MaintenanceContract | None = None, **changes: Any) -> MaintenanceContract:
    terms: dict[str, Any] = {
        "customer_id": CUSTOMER,
        "covered": (PUMP,),
        "services": ("Quarterly inspection", "Repairs, parts included"),
        "starts_on": date(2026, 7, 1),
        "ends_on": date(2027, 6, 30),
        "visit_interval_days": 91,
        "price": Decimal("12000.00"),
        "payment_terms": "Quarterly in advance",
        "breach_liability": "Fees refunded pro rata",
        **changes,
    }
    return MaintenanceContract.register(
        **terms,
        registered_by="service-department",
        renewed=renewed,
        notice_lead_months=1,
        calendar=CALENDAR,
        rule_parameters_version=1,
    )


def approval(contract: MaintenanceContract) -> ApprovalState:
    """The contract chain's approval, granted to its last step (what ``on_approved`` gets)."""
    return ApprovalState(uuid4(), MAINTENANCE_CONTRACT, contract.version_hash, 1, "x", [])


def active(**changes: Any) -> MaintenanceContract:
    contract = registered(**changes)
    contract.submit("service-department")
    contract.on_approved(approval(contract))
    contract.on_customer_signed(datetime(2026, 6, 20, tzinfo=UTC))
    return contract


def renewal_pending() -> MaintenanceContract:
    contract = active()
    contract.send_notice("EN-1", "service-clerk", NOTICE_DUE)
    contract.assign_renewal_visit("salesperson", date(2027, 6, 3), "service-department")
    return contract


def refused(rule: str, action: Any, *args: Any, **kwargs: Any) -> None:
    with pytest.raises(RuleViolation) as refusal:
        action(*args, **kwargs)
    assert refusal.value.rule == rule, refusal.value


@pytest.mark.parametrize(
    "changes",
    [
        {"covered": ()},
        {"services": ()},
        {"services": (" ",)},
        {"ends_on": date(2026, 7, 1)},
        {"price": Decimal(0)},
        {"payment_terms": " "},
        {"breach_liability": ""},
    ],
)
def test_or_10_a_maintenance_contract_states_its_content_refused(changes: dict[str, Any]) -> None:
    refused("OR-10", registered, **changes)


def test_or_10_the_customer_signs_the_approved_contract_which_is_then_active() -> None:
    contract = registered()
    assert contract.status is ContractStatus.DRAFT and contract.next_visit_on == date(2026, 9, 30)
    refused("OR-10", contract.signature_allowed, Capacity.CUSTOMER)
    contract.submit("service-department")
    refused("OR-10", contract.submit, "service-department")
    refused("OR-10", contract.signature_allowed, Capacity.CUSTOMER)
    contract.on_approved(approval(contract))
    contract.signature_allowed(Capacity.CUSTOMER)
    contract.on_customer_signed(datetime(2026, 6, 20, tzinfo=UTC))
    assert contract.status is ContractStatus.ACTIVE
    refused("OR-10", contract.signature_allowed, Capacity.CUSTOMER)


def test_sd_29_notice_due_one_month_before_expiry_on_the_working_calendar() -> None:
    contract = active()
    assert contract.notice_due_at == NOTICE_DUE
    assert not contract.mark_notice_due(datetime(2027, 5, 27, 15, 59, tzinfo=UTC))
    assert contract.mark_notice_due(NOTICE_DUE)
    assert contract.notice_due
    assert not contract.mark_notice_due(NOTICE_DUE), "raised once"
    events = [type(e).__name__ for e in contract.collect_events()]
    assert events.count("ExpiryNoticeDue") == 1


def test_sd_29_notice_sent_and_renewal_visit_make_the_contract_renewal_pending() -> None:
    contract = renewal_pending()
    assert contract.notice_sent_at == NOTICE_DUE and contract.notice_due
    assert contract.status is ContractStatus.RENEWAL_PENDING
    assert contract.renewal_assignee == "salesperson"


def test_sd_29_notice_before_the_window_refused() -> None:
    contract = active()
    refused(
        "SD-29", contract.send_notice, "EN-1", "service-clerk", datetime(2027, 5, 1, tzinfo=UTC)
    )
    contract.send_notice("EN-1", "service-clerk", NOTICE_DUE)
    refused("SD-29", contract.send_notice, "EN-2", "service-clerk", NOTICE_DUE)
    refused("SD-29", registered().send_notice, "EN-1", "service-clerk", NOTICE_DUE)


def test_sd_29_renewal_visit_without_a_notice_refused() -> None:
    contract = active()
    refused("SD-29", contract.assign_renewal_visit, "salesperson", date(2027, 6, 3), "sd")
    contract.send_notice("EN-1", "service-clerk", NOTICE_DUE)
    refused("SD-29", contract.assign_renewal_visit, "salesperson", date(2027, 7, 3), "sd")


def test_sd_29_a_renewal_is_a_new_contract_through_approval_and_signature() -> None:
    old = renewal_pending()
    renewal = registered(old, starts_on=date(2027, 7, 1), ends_on=date(2028, 6, 30))
    assert renewal.renews_id == old.id
    refused("SD-29", old.renew, renewal, "service-department")  # not signed yet
    renewal.submit("service-department")
    renewal.on_approved(approval(renewal))
    renewal.on_customer_signed(datetime(2027, 6, 10, tzinfo=UTC))
    old.renew(renewal, "service-department")
    assert (old.status, old.renewed_by_id) == (ContractStatus.RENEWED, renewal.id)
    assert not old.lapse(date(2027, 7, 2)), "a renewed contract does not lapse"


def test_sd_29_a_renewal_before_the_notice_and_visit_refused() -> None:
    refused("SD-29", registered, active())
    refused("SD-29", registered, renewal_pending(), customer_id=uuid4())


def test_sd_29_an_unrenewed_contract_lapses_after_its_end() -> None:
    contract = renewal_pending()
    assert not contract.lapse(date(2027, 6, 30))
    assert contract.lapse(date(2027, 7, 1))
    assert contract.status is ContractStatus.EXPIRED
    refused("SD-01", covering_contract, [contract], PUMP.voucher_id, date(2027, 7, 1))


def test_sd_48_type_b_work_is_served_under_the_contract_covering_the_product() -> None:
    contract = active()
    day = date(2026, 10, 5)
    assert covering_contract([registered(), contract], PUMP.voucher_id, day) is contract
    call_id = uuid4()
    contract.serve_call(call_id, PUMP.voucher_id, day)
    contract.serve_call(call_id, PUMP.voucher_id, day)
    assert contract.calls_served == (call_id,)


def test_sd_48_type_b_work_without_a_covering_contract_refused() -> None:
    contract = active()
    day = date(2026, 10, 5)
    refused("SD-01", covering_contract, [registered()], PUMP.voucher_id, day)
    refused("SD-01", covering_contract, [contract], PUMP.voucher_id, date(2027, 7, 1))
    refused("SD-48", covering_contract, [contract], uuid4(), day)
    refused("SD-48", covering_contract, [contract], None, day)
    refused("SD-48", contract.serve_call, uuid4(), uuid4(), day)


def test_sd_48_a_periodic_visit_records_the_customer_s_evaluation() -> None:
    contract = active()
    assert not contract.flag_visit_overdue(date(2026, 9, 30))
    assert contract.flag_visit_overdue(date(2026, 10, 1))
    assert not contract.flag_visit_overdue(date(2026, 10, 2)), "flagged once"
    visit = ContractVisit(date(2026, 10, 2), "technician", 4, "On time, thorough")
    contract.record_visit(visit, date(2026, 10, 2))
    assert contract.visits == (visit,) and not contract.visit_overdue
    assert contract.next_visit_on == date(2027, 1, 1)


def test_sd_48_a_visit_on_a_contract_not_in_force_or_without_evaluation_refused() -> None:
    visit = ContractVisit(date(2026, 10, 2), "technician", 3, "Fine")
    refused("SD-48", registered().record_visit, visit, date(2026, 10, 2))
    contract = active()
    refused("SD-48", contract.record_visit, visit, date(2026, 10, 1))  # ahead of the day
    blank = ContractVisit(date(2026, 10, 2), "technician", 3, " ")
    refused("SD-48", contract.record_visit, blank, date(2026, 10, 2))
    contract.lapse(date(2027, 7, 1))
    late = ContractVisit(date(2027, 7, 1), "technician", 3, "Fine")
    refused("SD-48", contract.record_visit, late, date(2027, 7, 1))


def test_sd_48_visits_fall_within_the_term_refused() -> None:
    refused("SD-48", registered, visit_interval_days=400)
