"""Orders' periodic reports replayed from a real store (SQLite and PostgreSQL): the monthly
contract archive (OR-12) and its volume tracked as a missing submission until it is bound, and
XC-11's sales statistics from the signed contracts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from kernel.settings import KernelSettings
from orders.application.sales_contracts import CONTRACT_CUSTODY, month_of
from tests.analytics.test_replay import replayed
from tests.analytics.test_service_desk_reports import rows
from tests.orders.test_quotes_api import application
from tests.orders.test_sales_contracts_api import (  # noqa: F401 (the fixtures of its store)
    client,
    contract,
    signed_contract,
    signers,
)
from tests.service_client import ServiceClient
from tests.signers import Signers

ARCHIVE = (
    "SELECT month, contracts_signed, archived, archive_missed, volume_no, bound, archived_by, "
    "due_at FROM contract_archive"
)
MISSING = "SELECT report, period, person_id, due_at FROM missing_submissions WHERE rule = 'OR-12'"


def test_or_12_xc_11_the_monthly_contract_archive_is_missing_until_the_volume_is_bound(
    client: ServiceClient,  # noqa: F811
    signers: Signers,  # noqa: F811
    store_settings: KernelSettings,
    moved_clock: list[datetime],
    tmp_path: Path,
) -> None:
    app = application(client)
    moved_clock[0] = datetime(2027, 3, 9, 2, 0, tzinfo=UTC)  # a Tuesday, 10:00 in Shanghai
    first = signed_contract(client, signers)
    moved_clock[0] += timedelta(minutes=1)
    second = signed_contract(client, signers)
    for contract_id in (first, second):
        client.ok("POST", f"/sales-contracts/{contract_id}/filing", "sales-clerk")
    signed_at = datetime.fromisoformat(contract(client, second)["signed_at"])
    archive_due = app.custody_deadlines(signed_at)[1]
    month = month_of(app.calendar, signed_at)
    target = tmp_path / "a.duckdb"
    replayed(store_settings, target)
    assert rows(target, MISSING) == []  # the month is not over

    moved_clock[0] = archive_due + timedelta(minutes=1)
    app.catch_up_projections()
    CONTRACT_CUSTODY.tick(app)
    replayed(store_settings, target)
    assert rows(target, MISSING) == [("monthly_contract_archive", month, "", archive_due)]
    assert rows(target, ARCHIVE) == [(month, 2, 0, 2, None, None, None, archive_due)]

    client.ok("POST", "/contract-volumes", "sales-clerk", {"month": month, "volume_no": "SC-1"})
    replayed(store_settings, target)
    assert rows(target, MISSING) == []
    assert rows(target, ARCHIVE) == [(month, 2, 2, 2, "SC-1", 2, "sales-clerk", archive_due)]

    # XC-11: the weekly and monthly sales statistics count and value the signed contracts.
    statistics = rows(
        target,
        "SELECT period_kind, period, currency, contracts_signed, contract_amount "
        "FROM sales_statistics",
    )
    assert statistics == [
        ("month", month, "CNY", 2, Decimal(48000)),
        ("week", "2027-W10", "CNY", 2, Decimal(48000)),
    ]
    work = rows(
        target, "SELECT period_kind, period, salesperson, contracts_signed FROM salesperson_work"
    )
    assert work == [("month", month, "salesperson", 2), ("week", "2027-W10", "salesperson", 2)]
