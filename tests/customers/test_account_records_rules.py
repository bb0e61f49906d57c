"""The owners' reports of changes in their accounts (CU-16) and the custodian's original
records, every access logged (CU-17), allowed and refused, at the customer aggregate."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest

from customers.domain.customer import Customer, ReportChannel, ReportKind
from kernel.roles import Role
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting

CUSTODIAN = frozenset({Role.CUSTOMER_RECORDS_CUSTODIAN})
SALESPERSON = frozenset({Role.SALESPERSON})


@pytest.fixture(autouse=True)
def command_context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def owned() -> Customer:
    customer = Customer.register("ACME", owner_id="owner", registered_by="owner")
    customer.assign_owners("owner", "deputy", "business grew", "manager", {Role.SALES_MANAGER})
    return customer


def refused(rule: str, excinfo: pytest.ExceptionInfo[RuleViolation]) -> None:
    assert excinfo.value.rule == rule, excinfo.value


@pytest.mark.parametrize(
    ("reporter", "kind", "channel"),
    [
        ("owner", ReportKind.ROUTINE, ReportChannel.ORAL),
        ("deputy", ReportKind.URGENT, ReportChannel.PHONE),
        ("owner", ReportKind.PERIODIC, ReportChannel.LOGISTICS_RECORD),
    ],
)
def test_cu_16_owner_or_deputy_reports_a_change(
    reporter: str, kind: ReportKind, channel: ReportChannel
) -> None:
    customer = owned()
    customer.report_change(uuid4(), kind, channel, "new purchasing manager", reporter)
    reports = [
        e for e in customer.collect_events() if isinstance(e, Customer.AccountChangeReported)
    ]
    assert [(r.reported_by, r.kind, r.channel) for r in reports] == [(reporter, kind, channel)]


@pytest.mark.parametrize(
    ("reporter", "kind", "channel", "summary"),
    [
        ("someone-else", ReportKind.ROUTINE, ReportChannel.ORAL, "rumour"),
        ("owner", ReportKind.ROUTINE, ReportChannel.PHONE, "phoned in"),
        ("owner", ReportKind.PERIODIC, ReportChannel.ORAL, "said in passing"),
        ("owner", ReportKind.URGENT, ReportChannel.PHONE, " "),
    ],
)
def test_cu_16_a_report_by_someone_else_or_on_the_wrong_channel_is_refused(
    reporter: str, kind: ReportKind, channel: ReportChannel, summary: str
) -> None:
    customer = owned()
    with pytest.raises(RuleViolation) as excinfo:
        customer.report_change(uuid4(), kind, channel, summary, reporter)
    refused("CU-16", excinfo)


def test_cu_17_the_custodian_files_and_every_access_is_logged() -> None:
    customer = owned()
    customer.file_original_record("Signed registration form, 3 pages", "custodian", CUSTODIAN)
    customer.access_original_records("owner", SALESPERSON, "renewing the contract")
    customer.access_original_records("custodian", CUSTODIAN, "yearly inventory")
    assert customer.original_records == ("Signed registration form, 3 pages",)
    assert [(a.accessed_by, a.role) for a in customer.record_accesses] == [
        ("owner", Role.SALESPERSON),
        ("custodian", Role.CUSTOMER_RECORDS_CUSTODIAN),
    ]


def test_cu_17_only_the_custodian_files_original_records() -> None:
    customer = owned()
    with pytest.raises(RuleViolation) as excinfo:
        customer.file_original_record("a copy", "owner", SALESPERSON)
    refused("CU-17", excinfo)
    assert customer.original_records == ()


@pytest.mark.parametrize(("reader", "purpose"), [("stranger", "curious"), ("owner", " ")])
def test_cu_17_an_access_by_an_outsider_or_without_purpose_is_refused(
    reader: str, purpose: str
) -> None:
    customer = owned()
    with pytest.raises(RuleViolation) as excinfo:
        customer.access_original_records(reader, SALESPERSON, purpose)
    refused("CU-17", excinfo)
    assert customer.record_accesses == ()
