"""Every dashboard panel shows data: a real Prometheus (Debian's package) scrapes the four running
services while customers are registered and approved, and each panel's query, as Grafana would
send it, must return at least one series. An empty panel fails the test. The same running
services expose every metric the catalogue (docs/metrics.md) lists, in a format
`promtool check metrics` accepts."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import yaml

from countersign.dashboards import DASHBOARDS, render
from countersign.stack import FileSink, Stack, StackConfig, free_port
from tests.e2e.api import Api, eventually

SCRAPE_SECONDS = 1


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    root = tmp_path_factory.mktemp("dashboards")
    sink = FileSink(root / "logs")
    # Timers tick every second, so that their panel has something to show within the test.
    config = StackConfig.on_free_ports(root / "data", extra_env={"COUNTERSIGN_TIMER_SECONDS": "1"})
    try:
        async with Stack(config, sink) as running:
            yield running
    finally:
        sink.close()


@pytest.fixture(scope="module")
async def prometheus(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """Prometheus scraping every service each second, as deploy/prometheus does in production."""
    binary = shutil.which("prometheus")
    assert binary, "Debian's prometheus package is needed: `make test` installs it"
    root = tmp_path_factory.mktemp("prometheus")
    targets = [
        {"targets": [f"{stack.config.host}:{stack.port(s)}"], "labels": {"service": s}}
        for s in stack.config.services
    ]
    scrape = {"job_name": "countersign", "metrics_path": "/metrics", "static_configs": targets}
    config = {
        "global": {"scrape_interval": f"{SCRAPE_SECONDS}s", "evaluation_interval": "1s"},
        "scrape_configs": [scrape],
    }
    (root / "prometheus.yml").write_text(yaml.safe_dump(config))
    address = f"127.0.0.1:{free_port()}"
    log = (root / "prometheus.log").open("wb")
    process = await asyncio.create_subprocess_exec(
        binary,
        f"--config.file={root / 'prometheus.yml'}",
        f"--storage.tsdb.path={root / 'data'}",
        f"--web.listen-address={address}",
        stdout=log,
        stderr=log,
    )
    try:
        yield f"http://{address}"
    finally:
        process.terminate()
        await process.wait()
        log.close()


def panel_queries() -> list[tuple[str, str, str]]:
    """(dashboard, panel title, query) for every query, with Grafana's range variables filled
    in as Grafana would for the last few minutes."""
    found = []
    for name, build in DASHBOARDS.items():
        for panel in json.loads(render(build))["panels"]:
            for target in panel.get("targets", []):
                expr = target["expr"].replace("$__rate_interval", "1m").replace("$__range", "5m")
                found.append((name, panel["title"], expr))
    return found


async def test_every_panel_of_every_dashboard_shows_data(stack: Stack, prometheus: str) -> None:
    api = Api(stack)
    try:
        await api.put_policies_in_force()
        # Business traffic: commands, events, messages to the other services, figures.
        for n in range(3):
            await api.approved_customer(f"Dashboard Co {n}")
        # And one approval left waiting, for the approvals dashboard.
        waiting = await api.ok(
            "POST", "customers", "/customers", "salesperson", {"legal_name": "Waiting Co"}
        )
        path = f"/customers/{waiting['customer_id']}/submit"
        await api.ok("POST", "customers", path, "salesperson", {"credit_limit": "5000"})
    finally:
        await api.close()

    queries = panel_queries()
    async with httpx.AsyncClient(base_url=prometheus, timeout=10.0) as http:

        async def empty_panels() -> list[tuple[str, str, str]]:
            empty = []
            for dashboard, title, expr in queries:
                answer = await http.get("/api/v1/query", params={"query": expr})
                if answer.status_code != 200 or not answer.json()["data"]["result"]:
                    empty.append((dashboard, title, expr))
            return empty

        async def all_show_data() -> bool:
            try:
                return not await empty_panels()
            except httpx.TransportError:  # Prometheus still starting
                return False

        try:
            await eventually(all_show_data, timeout=90, what="every panel to show data")
        except AssertionError:
            pytest.fail(f"panels without data: {await empty_panels()}")


def test_the_prometheus_of_the_test_scrapes_what_production_does() -> None:
    production = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "deploy/prometheus/prometheus.yml").read_text()
    )
    (job,) = production["scrape_configs"]
    assert job["job_name"] == "countersign" and job["metrics_path"] == "/metrics"
    assert {target["labels"]["service"] for target in job["static_configs"]} == set(
        StackConfig.on_free_ports(Path("unused")).services
    )


CATALOGUE = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


async def test_the_running_services_expose_every_catalogued_metric(stack: Stack) -> None:
    catalogued = set(re.findall(r"^\| `(countersign_\w+)`", CATALOGUE.read_text(), re.M))
    assert len(catalogued) > 20
    promtool = shutil.which("promtool")
    assert promtool, "Debian's prometheus package is needed: `make test` installs it"
    exposed: set[str] = set()
    async with httpx.AsyncClient(timeout=10.0) as http:
        for service in stack.config.services:
            exposition = (await http.get(f"{stack.url(service)}/metrics")).text
            checked = subprocess.run(
                [promtool, "check", "metrics"], input=exposition, capture_output=True, text=True
            )
            assert checked.returncode == 0, f"{service}: {checked.stdout}{checked.stderr}"
            # Prometheus' text format names a counter's family with its _total.
            exposed |= set(re.findall(r"^# TYPE (\S+) ", exposition, re.M))
    assert catalogued <= exposed, sorted(catalogued - exposed)
