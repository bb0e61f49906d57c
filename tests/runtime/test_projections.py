"""Read models on SQLite and PostgreSQL: every projection rebuilt from the store equals the live
one; a projection's rows and position commit together; runners sharing a projection apply each
event once; a projection whose tables changed is rebuilt."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from eventsourcing.persistence import Tracking
from sqlalchemy import (
    Column,
    Connection,
    Integer,
    MetaData,
    String,
    Table,
    func,
    insert,
    select,
)
from typer.testing import CliRunner

from billing.application import BillingApplication
from contracts.billing import CreditReserved
from contracts.customers import CustomerApproved, CustomerRegistered
from contracts.orders import DeliveryConfirmedByCustomer, GoodsIssued
from contracts.orders import OrderLine as Line
from countersign.cli import app as cli
from customers.application import CustomersApplication
from customers.domain.customer import Customer
from kernel.roles import Role
from kernel.settings import KernelSettings
from kernel.signing.commands import PageAnswer
from orders.application import OrdersApplication
from orders.domain.order import DeliveryTerms, OrderLine
from runtime.application import ServiceApplication
from runtime.projections import Projection, ReadModels
from runtime.store import read_engine
from runtime.unit_of_work import CommandContext
from service_desk.application import ServiceDeskApplication
from tests.signers import DRAWN, Signers, as_user

SALESPERSON = as_user("salesperson", Role.SALESPERSON)
SALES_CLERK = as_user("sales-clerk", Role.SALES_CLERK)
WAREHOUSE = as_user("warehouse", Role.WAREHOUSE_KEEPER)
POLICY = CommandContext("policy")
CUSTOMER = CommandContext("customer")


@pytest.fixture
def apps(store_settings: KernelSettings) -> Iterator[list[ServiceApplication]]:
    """The four services' applications on one database (each in its own file or schema), with
    a little of everything in their stores; projections caught up after every step, as the
    running service does after every commit."""
    with ExitStack() as stack:
        customers = CustomersApplication(store_settings)
        orders = OrdersApplication(store_settings)
        billing = BillingApplication(store_settings)
        service_desk = ServiceDeskApplication(store_settings)
        every = [customers, orders, billing, service_desk]
        for app in every:
            stack.callback(app.close)

        def step() -> None:
            for app in every:
                app.catch_up_projections()

        signers = Signers(store_settings.keys_path)
        for app in every:
            signers.put_policies_in_force(app)
        position = iter(range(1, 1000))
        for n in range(6):
            customer = customers.register_customer(SALESPERSON, f"Customer {n}", "salesperson")
            customers.submit_for_approval(SALESPERSON, customer.id, Decimal(100 * n), "CNY")
            if n % 3:
                signers.decide(customers, customer.id, "finance", Role.FINANCE)
            step()
            registered = CustomerRegistered(
                customer_id=customer.id, legal_name=customer.legal_name, owner_id="salesperson"
            )
            approved = CustomerApproved(
                customer_id=customer.id, credit_limit=Decimal(9), currency="CNY", approved_by="m"
            )
            orders.process(registered, POLICY, Tracking("customers.events:0", next(position)))
            orders.process(approved, POLICY, Tracking("customers.events:0", next(position)))
            line = OrderLine("P-1", "pump", 2, Decimal("10.25"), (f"A{n}", f"B{n}"))
            terms = DeliveryTerms(date(2099, 12, 31), "Pudong warehouse 3", 30)
            order = orders.place_order(SALESPERSON, customer.id, (line,), uuid4(), terms=terms)
            if n % 2:
                # OR-17, OR-18, OR-19: approved, reserved by billing, issued to the warehouse.
                orders.submit_order(SALESPERSON, order.id)
                signers.decide(orders, order.id, "branch-manager", Role.BRANCH_MANAGER)
                signers.decide(orders, order.id, "sales-manager", Role.SALES_MANAGER)
                reserved = CreditReserved(
                    customer_id=customer.id,
                    currency="CNY",
                    credit_limit=Decimal(9),
                    exposure=Decimal(0),
                    order_id=order.id,
                    amount=order.total,
                    over_credit_approved=True,
                )
                orders.process(reserved, POLICY, Tracking("billing.events:0", next(position)))
                orders.issue_outbound_order(SALES_CLERK, order.id, None)
                orders.ship_order(WAREHOUSE, order.id)
                link = orders.request_customer_signature(
                    SALESPERSON, order.id, "Zhao Lan", "", timedelta(hours=1)
                )
                if n == 1:
                    answer = PageAnswer(True, "Zhao Lan", "", DRAWN, "10.0.0.1", "Phone")
                    orders.answer_signing_request(CUSTOMER, link.token, answer)
                lines = [Line.model_validate(line, from_attributes=True)]
                shipped = GoodsIssued(
                    order_id=order.id,
                    customer_id=customer.id,
                    lines=lines,
                    currency="CNY",
                    issued_by="warehouse",
                )
                billing.process(shipped, POLICY, Tracking("orders.events:0", next(position)))
                delivered = DeliveryConfirmedByCustomer(
                    order_id=order.id,
                    customer_id=customer.id,
                    lines=lines,
                    received_at=datetime(2026, 11, 20, tzinfo=UTC),
                )
                service_desk.process(delivered, POLICY, Tracking("orders.events:0", next(position)))
            step()
        yield every


def test_xc_04_every_projection_rebuilt_from_the_store_equals_the_live_one(
    apps: list[ServiceApplication],
) -> None:
    """XC-04: every list and figure is a function of the events alone: rebuilt from the store,
    each read model is row for row the live one, so no figure can have been entered by hand."""
    compared: dict[str, int] = {}
    for app in apps:
        for name in app.read_models.projections:
            live = app.read_models.rows(name)
            app.read_models.reset([name])
            assert not any(app.read_models.rows(name).values())
            app.catch_up_projections()
            assert app.read_models.rows(name) == live, f"{app.service_name}/{name}"
            if rows := sum(map(len, live.values())):
                compared[f"{app.service_name}/{name}"] = rows
    # Six customers, each waiting on a step and with a fresh file; six orders, three shipped and
    # counted unbilled in their customer's exposure (a row and an item each), three delivered
    # with two vouchers each, three signing links, three outbound orders to archive; the
    # approval steps decided so far, one lead-time row per document type and step.
    assert compared == {
        "customers/customers": 6,
        "customers/approvals_pending": 6 + 1,
        "customers/customer_file_freshness": 6,
        "orders/orders": 6,
        "orders/delivery_tracking": 6,
        "orders/approvals_pending": 2,
        "orders/outbound_archive": 3,
        "orders/signing_requests": 3,
        "billing/exposures": 6,
        "service-desk/vouchers": 6,
    }


def test_the_cli_rebuilds_a_service_s_projections(
    apps: list[ServiceApplication], store_settings: KernelSettings
) -> None:
    orders = apps[1]
    live = orders.read_models.rows("orders")
    options = ["--data-dir", str(store_settings.data_dir)]
    options += ["--database-url", store_settings.database_url]

    result = CliRunner().invoke(cli, ["projections", "rebuild", "orders", "orders", *options])

    assert result.exit_code == 0, result.output
    assert "rebuilt orders from" in result.stdout
    assert orders.read_models.rows("orders") == live
    unknown = CliRunner().invoke(cli, ["projections", "rebuild", "orders", "nope", *options])
    assert unknown.exit_code == 1
    assert "orders has no projection 'nope'" in unknown.stderr


NUMBERS = Table(
    "numbers",
    MetaData(),
    Column("customer", String(40), primary_key=True),
    Column("n", Integer, nullable=False, unique=True),
)


def numbering(table: Table = NUMBERS, fail_at: str | None = None) -> Projection:
    """Numbers the registered customers in order: applying an event twice, or out of order,
    would give a wrong or a repeated number. Can be told to fail at one customer."""
    projection = Projection("numbering", table)

    @projection.on(Customer.Registered)
    def _registered(event: Customer.Registered, db: Connection) -> None:
        if event.legal_name == fail_at:
            raise RuntimeError("projection bug")
        count = db.execute(select(func.count()).select_from(table)).scalar_one()
        db.execute(insert(table).values(customer=event.legal_name, n=count + 1))

    return projection


@pytest.fixture
def customers(store_settings: KernelSettings) -> Iterator[CustomersApplication]:
    app = CustomersApplication(store_settings)
    yield app
    app.close()


def register(app: CustomersApplication, count: int) -> None:
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda n: app.register_customer(SALESPERSON, f"C{n:03}", "s"), range(count)))


def numbers(read_models: ReadModels) -> list[tuple[str, int]]:
    return sorted(tuple(row) for row in read_models.rows("numbering")["numbers"])


def test_a_projection_s_rows_and_position_commit_together(
    customers: CustomersApplication, store_settings: KernelSettings
) -> None:
    for n in range(5):
        customers.register_customer(SALESPERSON, f"C{n}", "s")
    broken = ReadModels(read_engine(store_settings, "customers"), [numbering(fail_at="C3")])
    recorder, mapper = customers.process_recorder, customers.mapper

    with pytest.raises(RuntimeError):
        broken.catch_up(recorder, mapper)  # one batch: nothing of it stays
    assert (numbers(broken), broken.positions()["numbering"]) == ([], 0)
    with pytest.raises(RuntimeError):
        broken.catch_up(recorder, mapper, batch_size=1)  # C0, C1, C2 commit one by one
    assert numbers(broken) == [("C0", 1), ("C1", 2), ("C2", 3)]
    assert broken.positions()["numbering"] == 3
    broken.close()

    fixed = ReadModels(read_engine(store_settings, "customers"), [numbering()])
    assert fixed.catch_up(recorder, mapper) == 2
    assert numbers(fixed) == [(f"C{n}", n + 1) for n in range(5)]
    fixed.close()


def test_runners_sharing_a_projection_apply_each_event_once(
    customers: CustomersApplication, store_settings: KernelSettings
) -> None:
    register(customers, 120)
    runners = [
        ReadModels(read_engine(store_settings, "customers"), [numbering()]) for _ in range(3)
    ]
    recorder, mapper = customers.process_recorder, customers.mapper
    with ThreadPoolExecutor(3) as pool:
        read = list(pool.map(lambda r: r.catch_up(recorder, mapper, batch_size=7), runners))
    assert sum(read) >= 120
    expected = sorted((f"C{n:03}", 0) for n in range(120))
    found = numbers(runners[0])
    assert [name for name, _ in found] == [name for name, _ in expected]
    assert sorted(n for _, n in found) == list(range(1, 121))
    for runner in runners:
        runner.close()


def test_a_projection_whose_tables_changed_is_rebuilt(
    customers: CustomersApplication, store_settings: KernelSettings
) -> None:
    register(customers, 3)
    first = ReadModels(read_engine(store_settings, "customers"), [numbering()])
    first.catch_up(customers.process_recorder, customers.mapper)
    first.close()

    wider = Table(
        "numbers",
        MetaData(),
        Column("customer", String(80), primary_key=True),
        Column("n", Integer, nullable=False, unique=True),
    )
    changed = ReadModels(read_engine(store_settings, "customers"), [numbering(wider)])
    assert changed.positions()["numbering"] == 0
    assert numbers(changed) == []
    changed.catch_up(customers.process_recorder, customers.mapper)
    assert sorted(n for _, n in numbers(changed)) == [1, 2, 3]
    changed.close()
