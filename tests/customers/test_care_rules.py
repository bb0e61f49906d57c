"""The customer cared for, allowed and refused at the aggregates that guard it: the file kept
fresh (CU-20), visit plans, the weekly meeting and the work log (CU-18), the key-customer care
plan (CU-25), the trading history (CU-26), tiered access to the sensitive fields (CU-21), needs
analysis and segmentation (CU-24)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import TypeVar
from uuid import UUID, uuid4

import pytest

from customers.domain.access import (
    CONFIDENTIAL_FIELDS,
    RISK_FIELDS,
    SENSITIVE_FIELDS,
    SensitiveRead,
    sensitive_fields_shown,
)
from customers.domain.care import CarePlan
from customers.domain.customer import Contact, Customer, Grade
from customers.domain.needs import Channel, CustomerNeeds
from customers.domain.trading import TradingHistory
from customers.domain.visits import Period, PlannedVisit, VisitPlan, WorkLog
from kernel.roles import Role
from runtime.aggregate import Aggregate, RuleViolation
from runtime.unit_of_work import CommandContext, acting

E = TypeVar("E")

MANAGER = frozenset({Role.SALES_MANAGER})
SALESPERSON = frozenset({Role.SALESPERSON})
MONDAY = date(2026, 12, 7)
SATURDAY_BEFORE = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def registered() -> Customer:
    return Customer.register("ACME", owner_id="owner", registered_by="registrar")


def refused(rule: str, excinfo: pytest.ExceptionInfo[RuleViolation]) -> None:
    assert excinfo.value.rule == rule, excinfo.value


def events_of(aggregate: Aggregate, kind: type[E]) -> list[E]:
    return [e for e in aggregate.collect_events() if isinstance(e, kind)]


# CU-20: the file kept fresh


def test_cu_20_recording_or_confirming_the_file_refreshes_it() -> None:
    customer = registered()
    assert customer.file_refreshed_at is None
    customer.record_file("salesperson", contacts=[Contact("Alice", "Buyer", "+86 21 5555")])
    recorded_at = customer.file_refreshed_at
    assert recorded_at is not None
    customer.confirm_file("visited the plant, nothing changed", "salesperson")
    assert customer.file_refreshed_at is not None and customer.file_refreshed_at >= recorded_at
    (refreshed,) = events_of(customer, Customer.FileRefreshed)
    assert refreshed.refreshed_by == "salesperson"


def test_cu_20_an_approved_master_data_change_refreshes_the_file() -> None:
    customer = registered()
    customer.change_master_data(uuid4(), "sales-clerk", None, None, ["1 Harbour Road"], uuid4())
    assert customer.file_refreshed_at is not None


def test_cu_20_an_empty_file_or_an_unexplained_refresh_is_refused() -> None:
    customer = registered()
    with pytest.raises(RuleViolation) as excinfo:
        customer.confirm_file("called them", "salesperson")
    refused("CU-20", excinfo)
    customer.record_file("salesperson", org_structure="Holding with two plants")
    with pytest.raises(RuleViolation) as excinfo:
        customer.confirm_file("  ", "salesperson")
    refused("CU-20", excinfo)
    assert events_of(customer, Customer.FileRefreshed) == []


# CU-18: visit plans, the weekly meeting, visits and the work log


def week_plan(*customer_ids: UUID) -> VisitPlan:
    visits = [
        PlannedVisit(c, MONDAY + timedelta(days=i), "demo") for i, c in enumerate(customer_ids)
    ]
    return VisitPlan.plan("salesperson", Period.WEEK, MONDAY, visits)


def test_cu_18_salespeople_plan_by_month_week_and_day() -> None:
    customer_id = uuid4()
    month = VisitPlan.plan(
        "salesperson",
        Period.MONTH,
        date(2026, 12, 1),
        [PlannedVisit(customer_id, date(2026, 12, 31), "year-end")],
    )
    assert month.ends_on == date(2027, 1, 1)
    assert week_plan(customer_id, uuid4()).visits_planned == 2
    day = VisitPlan.plan(
        "salesperson", Period.DAY, MONDAY, [PlannedVisit(customer_id, MONDAY, "call")]
    )
    assert day.id == VisitPlan.id_for("salesperson", Period.DAY, MONDAY)


@pytest.mark.parametrize(
    ("period", "starts_on", "on", "purpose"),
    [
        (Period.WEEK, MONDAY + timedelta(days=1), MONDAY + timedelta(days=1), "demo"),  # a Tuesday
        (Period.MONTH, date(2026, 12, 2), date(2026, 12, 3), "demo"),  # not the 1st
        (Period.WEEK, MONDAY, MONDAY + timedelta(days=7), "demo"),  # the next week
        (Period.DAY, MONDAY, MONDAY, " "),  # no purpose
    ],
)
def test_cu_18_a_plan_off_its_period_or_without_purpose_is_refused(
    period: Period, starts_on: date, on: date, purpose: str
) -> None:
    with pytest.raises(RuleViolation) as excinfo:
        VisitPlan.plan("salesperson", period, starts_on, [PlannedVisit(uuid4(), on, purpose)])
    refused("CU-18", excinfo)


def test_cu_18_a_customer_planned_twice_a_day_or_an_empty_plan_is_refused() -> None:
    customer_id = uuid4()
    twice = [PlannedVisit(customer_id, MONDAY, "demo"), PlannedVisit(customer_id, MONDAY, "again")]
    for visits in (twice, []):
        with pytest.raises(RuleViolation) as excinfo:
            VisitPlan.plan("salesperson", Period.WEEK, MONDAY, visits)
        refused("CU-18", excinfo)


def test_cu_18_only_the_sales_manager_confirms_weekly_key_visits() -> None:
    key, other = uuid4(), uuid4()
    plan = week_plan(key, other)
    with pytest.raises(RuleViolation) as excinfo:
        plan.confirm_key_visits([key], "salesperson", SALESPERSON, SATURDAY_BEFORE)
    refused("CU-18", excinfo)
    assert events_of(plan, VisitPlan.KeyVisitsConfirmed) == []

    plan.confirm_key_visits([key], "manager", MANAGER, SATURDAY_BEFORE)
    assert (plan.key_customer_ids, plan.key_visits_confirmed_by) == ((key,), "manager")


def test_cu_18_key_visits_are_planned_ones_confirmed_before_the_week_on_a_weekly_plan() -> None:
    key = uuid4()
    plan = week_plan(key)
    day_plan = VisitPlan.plan("salesperson", Period.DAY, MONDAY, [PlannedVisit(key, MONDAY, "x")])
    monday_morning = datetime.combine(MONDAY, datetime.min.time(), UTC)
    for target, customer_ids, at in (
        (plan, [uuid4()], SATURDAY_BEFORE),  # not planned
        (plan, [], SATURDAY_BEFORE),  # nothing chosen
        (plan, [key], monday_morning),  # the week has started
        (day_plan, [key], SATURDAY_BEFORE),  # not a weekly plan
    ):
        with pytest.raises(RuleViolation) as excinfo:
            target.confirm_key_visits(customer_ids, "manager", MANAGER, at)
        refused("CU-18", excinfo)


def test_cu_18_the_salesperson_records_each_visit_with_the_facts() -> None:
    customer_id = uuid4()
    plan = week_plan(customer_id)
    plan.record_visit(customer_id, MONDAY, "Line 2 running; buyer changed", "salesperson", MONDAY)
    assert plan.visits_recorded == 1
    (visit,) = events_of(plan, VisitPlan.VisitRecorded)
    assert visit.facts.startswith("Line 2")


@pytest.mark.parametrize(
    ("visited_on", "facts", "recorded_by", "today"),
    [
        (MONDAY, "facts", "someone-else", MONDAY),  # not the plan's salesperson
        (MONDAY - timedelta(days=1), "facts", "salesperson", MONDAY),  # before the period
        (MONDAY + timedelta(days=1), "facts", "salesperson", MONDAY),  # not happened yet
        (MONDAY, " ", "salesperson", MONDAY),  # no facts
    ],
)
def test_cu_18_a_visit_by_another_off_the_plan_in_the_future_or_without_facts_is_refused(
    visited_on: date, facts: str, recorded_by: str, today: date
) -> None:
    plan = week_plan(uuid4())
    with pytest.raises(RuleViolation) as excinfo:
        plan.record_visit(uuid4(), visited_on, facts, recorded_by, today)
    refused("CU-18", excinfo)
    assert plan.visits_recorded == 0


def test_cu_18_the_work_log_is_written_on_the_day_and_never_afterwards() -> None:
    log = WorkLog.open("salesperson", MONDAY)
    log.write("Visited ACME; quoted valves", MONDAY)
    log.write("Called Bravo", MONDAY)
    assert log.entries == ("Visited ACME; quoted valves", "Called Bravo")
    for entry, today in (("Late entry", MONDAY + timedelta(days=1)), ("", MONDAY)):
        with pytest.raises(RuleViolation) as excinfo:
            log.write(entry, today)
        refused("CU-18", excinfo)
    assert len(log.entries) == 2


# CU-25: the key-customer care plan


def key_customer() -> Customer:
    customer = registered()
    customer.decide_grade(Grade.A, "large urgent demand", "manager", MANAGER)
    return customer


def test_cu_25_key_customers_get_a_care_plan_and_follow_ups_on_its_cycle() -> None:
    plan = CarePlan.draw_up(key_customer(), 30, "Monthly visit by the owner", "cs-manager", MONDAY)
    assert plan.next_follow_up_on == MONDAY + timedelta(days=30)
    visited = MONDAY + timedelta(days=20)
    plan.record_follow_up(visited, "Satisfied; wants training", "Asked for a manual", "cs", visited)
    assert (plan.follow_ups, plan.last_feedback) == (1, "Asked for a manual")
    assert plan.next_follow_up_on == visited + timedelta(days=30)

    important = registered()
    important.flag_importance(True, "salesperson")
    assert CarePlan.draw_up(important, 90, "Quarterly call", "cs-manager", MONDAY).follow_ups == 0


def test_cu_25_no_care_plan_for_an_ordinary_customer_nor_without_cycle_or_measures() -> None:
    ordinary = registered()
    ordinary.decide_grade(Grade.B, "ordinary demand", "manager", MANAGER)
    for customer, days, measures in (
        (ordinary, 30, "visit"),
        (key_customer(), 0, "visit"),
        (key_customer(), 400, "visit"),
        (key_customer(), 30, " "),
    ):
        with pytest.raises(RuleViolation) as excinfo:
            CarePlan.draw_up(customer, days, measures, "cs-manager", MONDAY)
        refused("CU-25", excinfo)


def test_cu_25_a_follow_up_without_findings_or_not_yet_happened_is_refused() -> None:
    plan = CarePlan.draw_up(key_customer(), 30, "Monthly visit", "cs-manager", MONDAY)
    for visited_on, findings in (
        (MONDAY, " "),
        (MONDAY + timedelta(days=1), "fine"),  # tomorrow
        (MONDAY - timedelta(days=1), "fine"),  # before the plan
    ):
        with pytest.raises(RuleViolation) as excinfo:
            plan.record_follow_up(visited_on, findings, "", "cs", MONDAY)
        refused("CU-25", excinfo)
    assert plan.follow_ups == 0


# CU-26: the trading history


def test_cu_26_shipments_deliveries_and_invoices_accumulate_on_the_history() -> None:
    history = TradingHistory.open(uuid4())
    order_a, order_b = uuid4(), uuid4()
    history.record_shipment(order_a, Decimal("100.00"), "CNY")
    history.record_shipment(order_b, Decimal("50.00"), "CNY")
    history.record_shipment(uuid4(), Decimal("10.00"), "USD")
    history.record_delivery(order_a, SATURDAY_BEFORE)
    history.record_invoice(uuid4(), order_a, Decimal("100.00"), "CNY")
    assert (history.shipments, history.deliveries, history.invoices) == (3, 1, 1)
    assert history.shipped == {"CNY": Decimal("150.00"), "USD": Decimal("10.00")}
    assert history.invoiced == {"CNY": Decimal("100.00")}
    assert history.last_delivered_at == SATURDAY_BEFORE


def test_cu_26_a_document_reported_twice_counts_once() -> None:
    history = TradingHistory.open(uuid4())
    order_id, invoice_id = uuid4(), uuid4()
    for _ in range(2):
        history.record_shipment(order_id, Decimal("100.00"), "CNY")
        history.record_delivery(order_id, SATURDAY_BEFORE)
        history.record_invoice(invoice_id, order_id, Decimal("100.00"), "CNY")
    assert (history.shipments, history.deliveries, history.invoices) == (1, 1, 1)
    assert history.shipped == {"CNY": Decimal("100.00")}


def test_cu_26_or_30_a_back_order_s_later_shipment_counts_too_once() -> None:
    history = TradingHistory.open(uuid4())
    order_id, back_order = uuid4(), uuid4()
    for _ in range(2):
        history.record_shipment(order_id, Decimal("60.00"), "CNY")
        history.record_shipment(order_id, Decimal("40.00"), "CNY", back_order)
    assert history.shipments == 2
    assert history.shipped == {"CNY": Decimal("100.00")}


def test_cu_26_payments_returns_and_contracts_accumulate_once_each() -> None:
    history = TradingHistory.open(uuid4())
    payment_id, return_id = uuid4(), uuid4()
    for _ in range(2):
        history.record_payment(payment_id, Decimal("40.00"), "CNY", "cheque", SATURDAY_BEFORE)
        history.record_return(return_id, uuid4(), Decimal("15.00"), "CNY")
    assert history.record_contract(uuid4(), Decimal("900.00"), "CNY", SATURDAY_BEFORE)
    assert not history.record_payment(
        payment_id, Decimal("40.00"), "CNY", "cheque", SATURDAY_BEFORE
    )
    assert (history.payment_record.payments, history.payment_record.paid) == (
        1,
        {"CNY": Decimal("40.00")},
    )
    assert (history.trade.contracts, history.trade.returns) == (1, 1)


def test_cu_26_an_overdue_receivable_is_recorded_again_only_when_later() -> None:
    history = TradingHistory.open(uuid4())
    receivable_id = uuid4()
    assert history.record_overdue(receivable_id, uuid4(), Decimal("10.00"), "CNY", 40)
    assert not history.record_overdue(receivable_id, uuid4(), Decimal("10.00"), "CNY", 40)
    assert history.record_overdue(receivable_id, uuid4(), Decimal("10.00"), "CNY", 70)
    assert (history.days_overdue(receivable_id), history.days_overdue(uuid4())) == (70, 0)


def test_cu_05_a_survey_rating_any_item_1_or_2_and_a_valid_complaint_are_dissatisfactions() -> None:
    history = TradingHistory.open(uuid4())
    history.record_survey(uuid4(), (4, 3, 3, 4))
    history.record_complaint(uuid4(), "service", valid=False)
    assert history.dissatisfactions_since(None) == 0
    history.record_survey(uuid4(), (4, 2, 4, 4))
    history.record_complaint(uuid4(), "sales", valid=True)
    assert history.dissatisfactions_since(None) == 2
    assert (history.satisfaction.surveys, history.satisfaction.dissatisfied_surveys) == (2, 1)
    latest = max(history.satisfaction.dissatisfied_at)
    assert history.dissatisfactions_since(latest) == 0


# CU-21: tiered access to the sensitive fields


def test_cu_21_a_read_of_the_sensitive_fields_by_an_allowed_level_is_logged() -> None:
    customer_id = uuid4()
    for roles in (MANAGER, {Role.FINANCE}, {Role.LEADERSHIP_GM, Role.SALESPERSON}):
        shown = sensitive_fields_shown(roles)
        assert shown == SENSITIVE_FIELDS
        read = SensitiveRead.log(customer_id, "reader", roles, shown)
        assert (read.customer_id, read.reader, read.fields) == (customer_id, "reader", shown)
    sales_read = SensitiveRead.log(customer_id, "sp", SALESPERSON, RISK_FIELDS)
    assert sales_read.fields == RISK_FIELDS


def test_cu_21_sales_staff_are_refused_the_confidential_fields() -> None:
    for roles in (SALESPERSON, {Role.SALES_CLERK}, set()):
        assert sensitive_fields_shown(roles) == RISK_FIELDS
        with pytest.raises(RuleViolation) as excinfo:
            SensitiveRead.log(uuid4(), "reader", roles, CONFIDENTIAL_FIELDS)
        refused("CU-21", excinfo)


# CU-24: needs analysis and segmentation


def test_cu_24_needs_are_analysed_into_a_segment_and_their_changes_tracked() -> None:
    record = CustomerNeeds.open(uuid4())
    record.analyse(Channel.SURVEY, "Valves for line 2", "", "OEM", "Fast spares", "cs")
    record.analyse(
        Channel.VISIT, "Valves and pumps", "Added pumps", "OEM", "Spares and training", "sp"
    )
    assert (record.segment, record.service_focus, record.analyses) == (
        "OEM",
        "Spares and training",
        2,
    )


def test_cu_24_an_analysis_without_segment_or_a_later_one_without_changes_is_refused() -> None:
    record = CustomerNeeds.open(uuid4())
    with pytest.raises(RuleViolation) as excinfo:
        record.analyse(Channel.INQUIRY, "Valves", "", " ", "Fast spares", "cs")
    refused("CU-24", excinfo)
    record.analyse(Channel.INQUIRY, "Valves", "", "Distributor", "Stock", "cs")
    with pytest.raises(RuleViolation) as excinfo:
        record.analyse(Channel.INDUSTRY_REPORT, "Valves", " ", "OEM", "Stock", "cs")
    refused("CU-24", excinfo)
    assert (record.segment, record.analyses) == ("Distributor", 1)
