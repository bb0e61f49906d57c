"""The stack runs replicas of a service (#15 item 5): each instance its own process on its own
HTTP port, named ``<service>.<n>`` after the first; one service's instances share a PostgreSQL
database, so replicas without one are refused. (The real services' scale-out is proved in
tests/e2e/test_scale_out.py.)"""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest

from countersign.stack import FileSink, Stack, StackConfig, StackError
from tests.test_stack import FAKE_SERVICE

DATABASE = "postgresql://postgres@127.0.0.1:5432/unused"  # the stand-ins never connect


def test_replicas_of_a_service_are_refused_without_a_postgresql_database(tmp_path: Path) -> None:
    with pytest.raises(StackError, match="share one PostgreSQL database"):
        StackConfig(tmp_path, replicas={"orders": 2})
    assert StackConfig(tmp_path, replicas={"orders": 1}).instances("orders") == ["orders"]


def test_each_instance_listens_on_its_own_port_and_runs_its_services_module(
    tmp_path: Path,
) -> None:
    config = StackConfig.on_free_ports(
        tmp_path, ("customers", "orders"), replicas={"orders": 3}, database_url=DATABASE
    )
    assert config.all_instances() == ["customers", "orders", "orders.2", "orders.3"]
    assert len({config.broker_port, *config.http_ports.values()}) == 5
    assert {config.module(i) for i in config.instances("orders")} == {"orders"}
    env = Stack(config, FileSink(tmp_path / "logs")).env_for("orders.3")
    assert env["COUNTERSIGN_HTTP_PORT"] == str(config.http_ports["orders.3"])


async def test_replicas_start_together_and_one_killed_leaves_the_other_serving(
    tmp_path: Path,
) -> None:
    (tmp_path / "fake_service.py").write_text(FAKE_SERVICE)
    config = StackConfig.on_free_ports(
        tmp_path / "data",
        ("customers",),
        replicas={"customers": 2},
        database_url=DATABASE,
        modules={"customers": "fake_service"},
        extra_env={"PYTHONPATH": str(tmp_path)},
        startup_timeout=30.0,
    )
    sink = FileSink(tmp_path / "logs")
    stack = Stack(config, sink)
    try:
        await stack.start_services()
        assert stack.running("customers") and stack.running("customers.2")
        assert await stack.kill("customers") == -signal.SIGKILL
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"{stack.url('customers.2')}/health")).status_code == 200
        assert not stack.running("customers")
    finally:
        await stack.close()
        sink.close()
    assert "fake service up" in sink.read("customers.2")
