"""`countersign replay` on real stores (SQLite and PostgreSQL): the analytical projections are
rebuilt from the events, the same events give the same tables, an interrupted replay resumes
without doubling anything, and --as-of / --only do what they say."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pytest

from billing.domain.aging import days_sales_outstanding
from countersign.analytics import replay as replay_module
from countersign.analytics.projections import PROJECTIONS
from countersign.analytics.replay import replay
from customers.application import CustomersApplication
from kernel.audit.verify import StoredEvents, open_stores
from kernel.policy.domain import PolicyDocument, PolicyVersion
from kernel.settings import KernelSettings
from runtime.unit_of_work import CommandContext
from tests.signers import Signers

CLERK = CommandContext(actor="salesperson")
WAITS = (timedelta(hours=2), timedelta(hours=5), timedelta(minutes=30))
"""How long each customer's approval waits for the sales manager."""


@pytest.fixture
def approved(store_settings: KernelSettings, moved_clock: list[datetime]) -> list[datetime]:
    """Three customers approved by the sales manager after WAITS; returns each decision's time."""
    signers = Signers(store_settings.keys_path)
    decided = []
    with CustomersApplication(store_settings) as app:
        signers.put_policies_in_force(app)
        for n, wait in enumerate(WAITS):
            customer = app.register_customer(CLERK, f"Customer {n}", "salesperson")
            app.submit_for_approval(CLERK, customer.id, Decimal(0), "CNY")
            moved_clock[0] += wait
            signers.decide(app, customer.id, "sales-manager", "sales_manager")
            decided.append(moved_clock[0])
            moved_clock[0] += timedelta(minutes=1)
    return decided


def tables(target: Path) -> dict[str, list[tuple[Any, ...]]]:
    with duckdb.connect(str(target), read_only=True) as db:
        names = [row[0] for row in db.execute("SELECT table_name FROM duckdb_tables()").fetchall()]
        return {name: db.execute(f"SELECT * FROM {name}").fetchall() for name in sorted(names)}


def replayed(settings: KernelSettings, target: Path, **options: Any) -> Any:
    with open_stores(settings) as stores:
        return replay(target, stores, **options)


def test_xc_01_the_audit_table_and_the_lead_times_come_from_the_events(
    store_settings: KernelSettings, approved: list[datetime], tmp_path: Path
) -> None:
    done = replayed(store_settings, tmp_path / "a.duckdb")
    assert done.extracted["customers"] > 0
    found = tables(tmp_path / "a.duckdb")
    lead = found["approval_lead_times"]
    assert [(row[5], row[6], row[7], row[11]) for row in lead] == [
        ("sales_manager", "granted", "sales-manager", wait.total_seconds()) for wait in WAITS
    ]
    audit = found["approvals_audit"]
    grants = [row for row in audit if row[3] == "ApprovalGranted"]
    assert [(row[5], row[6], row[7]) for row in grants] == [
        ("sales-manager", "sales_manager", "sales_manager")
    ] * 3
    assert all(row[8] == 1 and len(row[9]) == 64 for row in grants)  # policy v1, version hash
    policies = [row for row in audit if row[3] == "Approved"]
    assert {row[1] for row in policies} >= {"authority-matrix", "calendar", "rule-parameters"}


def test_the_same_events_give_the_same_tables_and_a_second_replay_reads_only_new_events(
    store_settings: KernelSettings, approved: list[datetime], tmp_path: Path
) -> None:
    replayed(store_settings, tmp_path / "one.duckdb")
    replayed(store_settings, tmp_path / "two.duckdb")
    assert tables(tmp_path / "one.duckdb") == tables(tmp_path / "two.duckdb")
    again = replayed(store_settings, tmp_path / "one.duckdb")
    assert again.extracted["customers"] == 0
    assert tables(tmp_path / "one.duckdb") == tables(tmp_path / "two.duckdb")


class Interrupted(Exception):
    pass


class FailsAfterOneBatch:
    """A store whose reading breaks off after its first batch (a crash, a lost connection)."""

    def __init__(self, store: StoredEvents) -> None:
        self.store = store
        self.service = store.service
        self.batches = 0

    def bounds(self) -> tuple[int, int] | None:
        return self.store.bounds()

    def count(self) -> int:
        return self.store.count()

    def events_table(self, lo: int, hi: int) -> pa.Table:
        self.batches += 1
        if self.batches > 1:
            raise Interrupted
        return self.store.events_table(lo, hi)


def test_an_interrupted_replay_resumes_where_it_stopped_without_doubling_an_event(
    store_settings: KernelSettings,
    approved: list[datetime],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(replay_module, "BATCH", 3)
    monkeypatch.setattr(replay_module, "TRANSACTION_EVENTS", 3)
    with open_stores(store_settings) as stores:
        broken = {service: FailsAfterOneBatch(store) for service, store in stores.items()}
        with pytest.raises(Interrupted):
            replay(tmp_path / "r.duckdb", broken)  # type: ignore[arg-type]
        resumed = replay(tmp_path / "r.duckdb", stores)
        total = stores["customers"].count()
    assert resumed.extracted["customers"] == total - 3
    replayed(store_settings, tmp_path / "whole.duckdb")
    assert tables(tmp_path / "r.duckdb") == tables(tmp_path / "whole.duckdb")


def test_as_of_keeps_only_the_events_recorded_up_to_that_moment(
    store_settings: KernelSettings, approved: list[datetime], tmp_path: Path
) -> None:
    replayed(store_settings, tmp_path / "then.duckdb", as_of=approved[1])
    lead = tables(tmp_path / "then.duckdb")["approval_lead_times"]
    assert [row[11] for row in lead] == [wait.total_seconds() for wait in WAITS[:2]]


def test_only_rebuilds_the_named_projection(
    store_settings: KernelSettings, approved: list[datetime], tmp_path: Path
) -> None:
    done = replayed(store_settings, tmp_path / "o.duckdb", only=["approval_lead_times"])
    assert set(done.tables) == {"approval_lead_times"}
    written = set(tables(tmp_path / "o.duckdb"))
    assert written == {"events", "replay_positions", "report_positions", "approval_lead_times"}
    assert len(PROJECTIONS) > 1  # the others were left alone
    with pytest.raises(KeyError):
        replayed(store_settings, tmp_path / "o.duckdb", only=["no_such_table"])


def billing_event(
    db: duckdb.DuckDBPyConnection,
    position: int,
    stream: str,
    event: str,
    at: str,
    service: str = "billing",
    **payload: Any,
) -> None:
    """An event of ``service`` (billing unless named) as its store holds it, in the database."""
    db.execute(
        "INSERT INTO events VALUES (?, ?, ?, 1, ?, ?, 'finance', ?)",
        [service, position, stream, event, at, orjson.dumps(payload).decode()],
    )


def policy_text(configured: Path, version: int, **values: Any) -> str:
    """The configured policy document as version ``version``, with these top-level values."""
    text = re.sub(r"(?m)^version = \d+", f"version = {version}", configured.read_text())
    for key, value in values.items():
        toml = orjson.dumps(value).decode()  # a number or a string, as TOML writes it
        text = re.sub(rf'(?m)^{key} = ("[^"]*"|\S+)', f"{key} = " + toml.replace("\\", r"\\"), text)
    return text


def rule_parameters(version: int, dso_period_days: int) -> str:
    """The configured rule parameters as version ``version`` with this DSO period."""
    configured = KernelSettings().rule_parameters_file
    return policy_text(configured, version, dso_period_days=dso_period_days)


def calendar(version: int, time_zone: str) -> str:
    """The configured working calendar as version ``version`` in this zone."""
    return policy_text(KernelSettings().calendar_file, version, time_zone=time_zone)


def policy_version(
    db: duckdb.DuckDBPyConnection,
    position: int,
    content: str,
    at: str,
    approved: bool = True,
    service: str = "billing",
) -> None:
    """A service's (billing's unless named) events of a policy version proposed and, if
    ``approved``, signed by the general manager (XC-07)."""
    document = PolicyDocument.parse(content)
    key, number = document.policy_key, document.version
    stream = str(PolicyVersion.create_id(key, number))
    fields = {"policy_key": key, "number": number, "digest": document.digest}
    billing_event(
        db,
        position,
        stream,
        "PolicyVersion.Proposed",
        at,
        service,
        **fields,
        content=content,
        proposed_by="gm",
    )
    if approved:
        billing_event(
            db,
            position + 1,
            stream,
            "PolicyVersion.Approved",
            at,
            service,
            **fields,
            approved_by="gm",
            approver_role="leadership_gm",
        )


def test_bi_13_receivables_age_from_their_due_dates_and_dso_as_of_a_moment(tmp_path: Path) -> None:
    """The aging buckets and DSO over billing's events as stored (fields as RULES §6.4 names
    them): an invoice due a month ago and half paid, one paid in full, one credited, one current."""
    with duckdb.connect(str(tmp_path / "b.duckdb")) as db:
        replay_module.extract(db, {})
        policy_version(db, 100, rule_parameters(1, 90), "2026-08-01T02:00:00+00:00")
        invoices = {
            "late": ("2026-09-01", "2026-10-01", "1000.00"),
            "paid": ("2026-10-15", "2026-11-14", "400.00"),
            "credited": ("2026-10-20", "2026-11-19", "300.00"),
            "current": ("2026-11-20", "2026-12-20", "600.00"),
        }
        for position, (name, (issued, due, amount)) in enumerate(invoices.items(), start=1):
            billing_event(
                db,
                position,
                name,
                "Invoice.Issued",
                f"{issued}T02:00:00+00:00",
                customer_id="c1",
                order_id=f"o-{name}",
                currency="CNY",
                amount=amount,
                issued_on=issued,
                due_on=due,
                number=f"INV-{name}",
            )
        billing_event(
            db,
            10,
            "late",
            "Invoice.PaymentApplied",
            "2026-11-02T02:00:00+00:00",
            paid="500.00",
            payment_id="p1",
        )
        billing_event(
            db,
            11,
            "paid",
            "Invoice.PaymentApplied",
            "2026-11-03T02:00:00+00:00",
            paid="400.00",
            payment_id="p2",
        )
        billing_event(
            db,
            12,
            "credited",
            "Invoice.Credited",
            "2026-11-04T02:00:00+00:00",
            credit_note_id="red-1",
            credited="300.00",
        )
        replay_module.project(db, datetime.fromisoformat("2026-12-01T00:00:00+00:00"))
        aging = {
            row[0]: row[-2:]
            for row in db.execute(
                "SELECT invoice_id, outstanding, days_overdue, bucket FROM receivables_aging"
            ).fetchall()
        }
        dso = db.execute("SELECT receivables, credit_sales, dso_days FROM dso").fetchone()
    assert aging == {
        "late": (61, "61-90"),
        "paid": (17, "settled"),
        "credited": (12, "settled"),
        "current": (0, "current"),
    }
    assert dso is not None
    receivables, sales, days = dso
    assert (receivables, sales) == (Decimal("1100.00"), Decimal("1300.00"))  # 500 + 600 open
    assert days == round(90 * 1100 / 1300, 1)


def test_bi_13_xc_07_the_dso_period_is_the_rule_parameters_in_force_never_guessed(
    tmp_path: Path,
) -> None:
    """The DSO period is that of the newest rule-parameters version signed by the replay's
    moment, looked up as billing looks it up (versions 1, 2, ... to the first missing); with none
    signed there is no period and no DSO."""
    target = str(tmp_path / "p.duckdb")
    with duckdb.connect(target) as db:
        replay_module.extract(db, {})
        for position, (issued, amount) in enumerate(
            (("2026-10-01", "1000.00"), ("2026-11-20", "600.00")), start=1
        ):
            billing_event(
                db,
                position,
                f"i{position}",
                "Invoice.Issued",
                f"{issued}T02:00:00+00:00",
                customer_id="c1",
                currency="CNY",
                amount=amount,
                issued_on=issued,
            )

    def dso_at(moment: str) -> tuple[Any, ...]:
        with duckdb.connect(target) as db:  # each replay on its own connection, as the CLI's
            replay_module.project(db, datetime.fromisoformat(moment), only=["dso"])
            found = db.execute("SELECT period_days, receivables, credit_sales, dso_days FROM dso")
            period, receivables, sales, dso = found.fetchone() or ()
            return period, receivables, sales, None if dso is None else Decimal(str(dso))

    def billing_s(period: int, sales: Decimal) -> tuple[Any, ...]:
        return period, owed, sales, days_sales_outstanding(owed, sales, period)

    owed, recent = Decimal("1600.00"), Decimal("600.00")
    assert dso_at("2026-12-01T00:00:00+00:00") == (None, owed, None, None)
    with duckdb.connect(target) as db:
        policy_version(db, 10, rule_parameters(1, 90), "2026-11-21T02:00:00+00:00")
        policy_version(db, 20, rule_parameters(2, 30), "2026-11-25T02:00:00+00:00")
        # Version 4 signed with no version 3: billing's lookup never reaches it.
        policy_version(db, 30, rule_parameters(4, 10), "2026-11-28T02:00:00+00:00")
    assert dso_at("2026-11-24T00:00:00+00:00") == billing_s(90, owed)
    assert dso_at("2026-12-01T00:00:00+00:00") == billing_s(30, recent)


def test_xc_07_xc_10_the_company_s_day_is_the_working_calendar_s_in_force(tmp_path: Path) -> None:
    """An exposure changed at 17:30 UTC: 01:30 the next day in Shanghai, still the same day in
    London. Its day is the calendar's in force at the replay's moment, the newest version signed
    in any service; the kernel's default zone while none is signed."""
    target = str(tmp_path / "z.duckdb")
    with duckdb.connect(target) as db:
        replay_module.extract(db, {})
        billing_event(
            db,
            1,
            "exposure",
            "CreditExposure.ExposureChanged",
            "2026-11-02T17:30:00+00:00",
            customer_id="c1",
            currency="CNY",
            credit_limit="1000.00",
            exposure="100.00",
            open_receivables="0",
            unbilled_shipments="0",
            reserved="100.00",
        )

    def day_at(moment: str | None) -> Any:
        with duckdb.connect(target) as db:  # each replay on its own connection, as the CLI's
            as_of = None if moment is None else datetime.fromisoformat(moment)
            replay_module.project(db, as_of, only=["credit_utilisation"])
            (day,) = db.execute("SELECT day FROM credit_utilisation").fetchone() or (None,)
            return day

    shanghai, london = date(2026, 11, 3), date(2026, 11, 2)
    assert day_at(None) == shanghai  # no calendar signed
    with duckdb.connect(target) as db:
        calendars = (
            ("customers", 10, calendar(1, "Asia/Shanghai"), "2026-11-03T02:00:00+00:00", True),
            ("billing", 10, calendar(1, "Asia/Shanghai"), "2026-11-03T02:00:00+00:00", True),
            ("billing", 20, calendar(2, "Europe/London"), "2026-11-05T02:00:00+00:00", True),
            # Proposed, never signed: not in force.
            ("billing", 30, calendar(3, "Pacific/Kiritimati"), "2026-11-06T02:00:00+00:00", False),
        )
        for service, position, content, at, approved in calendars:
            policy_version(db, position, content, at, approved, service)
    assert day_at("2026-11-04T00:00:00+00:00") == shanghai  # version 1
    assert day_at(None) == london  # version 2, though customers still holds version 1


def test_xc_11_a_report_rebuilt_alone_records_its_new_positions_the_others_keep_theirs(
    store_settings: KernelSettings,
    approved: list[datetime],
    moved_clock: list[datetime],
    tmp_path: Path,
) -> None:
    target = tmp_path / "p.duckdb"
    replayed(store_settings, target)
    before = tables(target)["report_positions"]
    reports = {name for name, projection in PROJECTIONS.items() if projection.report}
    assert {row[0] for row in before} == reports
    with CustomersApplication(store_settings) as app:
        app.register_customer(CLERK, "Customer later", "salesperson")
        last = app.recorder.max_notification_id()
    replayed(store_settings, target, only=["complaint_analysis"])
    after = tables(target)["report_positions"]
    assert [row for row in after if row[0] != "complaint_analysis"] == [
        row for row in before if row[0] != "complaint_analysis"
    ]
    assert [(row[3], row[4]) for row in after if row[0] == "complaint_analysis"] == [
        ("customers", last)
    ]
    assert after == sorted(after, key=lambda row: (row[0], row[3]))
