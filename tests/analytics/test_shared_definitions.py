"""One definition for the live read models and the replay where they compute the same thing: the
aging buckets and DSO (billing.domain.aging), the SLA outcome (service-desk's ``SLA_OUTCOMES``)
and a satisfied survey (SD-31's ``SATISFIED_AT_LEAST``). Each is checked over its whole domain
against what the live read model computes (SQLAlchemy on SQLite) and what the replay computes
(the SQL the analytics generate from it, in DuckDB). The order-to-cash instants are the order's
own, read from the same event fields: checked through orders' store against its views."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import uuid4

import duckdb
import orjson
import pytest
from sqlalchemy import create_engine, literal, select

from billing.domain.aging import BUCKETS, bucket_of, days_sales_outstanding
from billing.invoicing_projections import Aging, bucket_on
from countersign.analytics import replay as replay_module
from countersign.analytics.projections import (
    SLA_DECIDED,
    SURVEY_ITEMS,
    aging_bucket,
    register_functions,
    satisfied_sql,
)
from kernel.settings import KernelSettings
from service_desk.domain.service_call import ServiceCall, Zone, sla_outcome
from service_desk.domain.survey import LEVELS, Ratings
from tests.analytics.test_replay import replayed
from tests.analytics.test_service_desk_reports import rows
from tests.orders.conftest import client, flow  # noqa: F401 (orders' service and its flows)
from tests.orders.order_flow import OrderFlow
from tests.orders.test_back_orders_api import short_shipped
from tests.orders.test_delivery_signing import paper_scan_body
from tests.service_client import ServiceClient

AS_OF = date(2026, 12, 1)
DAYS = range(-3, 125)


@pytest.fixture
def analytics() -> Any:
    with duckdb.connect() as db:
        replay_module.extract(db, {})
        register_functions(db)
        yield db


def test_bi_13_the_live_aging_bucket_and_the_replayed_one_are_the_domain_s(analytics: Any) -> None:
    live_db = create_engine("sqlite://")
    with live_db.connect() as live:
        live_buckets = [
            live.execute(select(bucket_on(AS_OF, literal(AS_OF - timedelta(days=days))))).scalar()
            for days in DAYS
        ]
    replayed = [
        analytics.execute(f"SELECT {aging_bucket(str(days))}").fetchone()[0] for days in DAYS
    ]
    domain = [bucket_of(days) for days in DAYS]
    assert live_buckets == replayed == domain
    assert set(domain) == set(BUCKETS)  # every boundary crossed


@pytest.mark.parametrize(
    ("receivables", "sales"), [("1100.00", "1300.00"), ("0.00", "500.00"), ("20.00", "0.00")]
)
def test_bi_13_dso_live_and_replayed_is_the_domain_s_formula(
    analytics: Any, receivables: str, sales: str
) -> None:
    owed, sold = Decimal(receivables), Decimal(sales)
    live = Aging(AS_OF, {}, owed, sold, 90).dso
    (replayed,) = analytics.execute(
        "SELECT days_sales_outstanding(CAST(? AS DECIMAL(18, 2)), CAST(? AS DECIMAL(18, 2)), 90)",
        [receivables, sales],
    ).fetchone()
    assert live == replayed == days_sales_outstanding(owed, sold, 90)


def arrived(sla_met: bool, decides: bool) -> ServiceCall.TechnicianArrived:
    now = datetime(2026, 12, 1, 2, tzinfo=UTC)
    return ServiceCall.TechnicianArrived(
        originator_id=uuid4(),
        originator_version=3,
        timestamp=now,
        meta={},
        arrived_at=now,
        sla_met=sla_met,
        zone=Zone.URBAN,
        decides_sla=decides,
    )


def replied(sla_met: bool) -> ServiceCall.CustomerReplied:
    return ServiceCall.CustomerReplied(
        originator_id=uuid4(),
        originator_version=3,
        timestamp=datetime(2026, 12, 1, 2, tzinfo=UTC),
        meta={},
        reply="We contacted the supplier",
        agreed_visit_date=date(2026, 12, 3),
        replied_by="service-clerk",
        sla_met=sla_met,
        zone=Zone.URBAN,
    )


def test_sd_04_sd_05_the_event_that_decides_the_sla_is_the_same_live_and_replayed(
    analytics: Any,
) -> None:
    events = [
        *(arrived(met, decides) for met, decides in itertools.product((True, False), repeat=2)),
        *(replied(met) for met in (True, False)),
    ]
    for event in events:
        payload = {
            key: value for key, value in vars(event).items() if key in ("sla_met", "decides_sla")
        }
        name = f"ServiceCall.{type(event).__name__}"
        (decided,) = analytics.execute(
            f"SELECT CASE WHEN {SLA_DECIDED} THEN CAST(payload->>'sla_met' AS BOOLEAN) END "
            "FROM (SELECT ? AS event, CAST(? AS JSON) AS payload)",
            [name, orjson.dumps(payload).decode()],
        ).fetchone()
        assert decided == sla_outcome(event), name


def test_sd_31_a_satisfied_response_is_the_survey_s_own_decision_live_and_replayed(
    analytics: Any,
) -> None:
    all_ratings = [Ratings(*levels) for levels in itertools.product(LEVELS, repeat=4)]
    values = ", ".join(
        f"({', '.join(str(getattr(r, item)) for item in SURVEY_ITEMS)})" for r in all_ratings
    )
    replayed = analytics.execute(
        f"SELECT {satisfied_sql('')} FROM (VALUES {values}) AS r({', '.join(SURVEY_ITEMS)})"
    ).fetchall()
    assert [row[0] for row in replayed] == [ratings.satisfied for ratings in all_ratings]


def test_or_22_or_30_order_to_cash_ships_and_delivers_when_the_order_and_its_sheet_say(
    client: ServiceClient,  # noqa: F811
    flow: OrderFlow,  # noqa: F811
    store_settings: KernelSettings,
    moved_clock: list[datetime],
    tmp_path: Path,
) -> None:
    """A short shipment, its back order shipped three hours later, and the customer's acceptance
    signed on paper a day before its scan was recorded: the replayed steps are the order's own
    (its view) and the delivery tracking sheet's, so the step's duration is theirs too."""
    order_id = short_shipped(flow)
    moved_clock[0] += timedelta(hours=3)
    client.ok("POST", f"/orders/{order_id}/outbound", "sales-clerk")
    client.ok("POST", f"/orders/{order_id}/ship", "warehouse")
    moved_clock[0] += timedelta(days=2)
    on_paper = (moved_clock[0] - timedelta(days=1)).isoformat()
    body = paper_scan_body(client, order_id, "sales-clerk", signed_at=on_paper)
    client.ok("POST", f"/orders/{order_id}/signatures", "sales-clerk", body)
    client.app.catch_up_projections()
    order = flow.order(order_id)
    month = order["delivery_date"][:7]
    sheet = client.ok("GET", f"/delivery-tracking?month={month}", "sales-manager")
    (tracked,) = [row for row in sheet["orders"]["items"] if row["order_id"] == order_id]

    replayed(store_settings, tmp_path / "a.duckdb")
    ((shipped, delivered, took),) = rows(
        tmp_path / "a.duckdb",
        "SELECT shipped_at, delivered_at, shipment_to_delivery_seconds FROM order_to_cash "
        f"WHERE order_id = '{order_id}'",
    )
    live_shipped = datetime.fromisoformat(order["shipped_at"])
    live_delivered = datetime.fromisoformat(order["received_at"])
    assert (shipped, delivered) == (live_shipped, live_delivered)
    sheet_times = (tracked["shipped_at"], tracked["delivered_at"])
    assert tuple(map(datetime.fromisoformat, sheet_times)) == (live_shipped, live_delivered)
    assert took == (live_delivered - live_shipped).total_seconds()
