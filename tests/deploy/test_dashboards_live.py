"""Every dashboard panel shows data: a real Prometheus (Debian's package) scrapes the four running
services while customers are registered and approved, and each panel's query, as Grafana would
send it, must return at least one series. An empty panel fails the test. The same running
services expose every metric the catalogue (docs/metrics.md) lists, in a format
`promtool check metrics` accepts."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from countersign.dashboards import DASHBOARDS, render
from countersign.stack import FileSink, Stack, StackConfig, free_port
from tests.deploy.pictures import PanelData, Series, draw
from tests.e2e.api import Api, eventually

SCRAPE_SECONDS = 1
ARTIFACTS = Path(
    os.environ.get("COUNTERSIGN_TEST_ARTIFACTS", Path(__file__).parents[2] / "test-artifacts")
)


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


def grafana_expr(expr: str) -> str:
    """The query as Grafana sends it for the last few minutes: its range variables filled in."""
    return expr.replace("$__rate_interval", "1m").replace("$__range", "5m")


def panel_queries() -> list[tuple[str, str, str]]:
    """(dashboard, panel title, query) for every query."""
    found = []
    for name, build in DASHBOARDS.items():
        for panel in json.loads(render(build))["panels"]:
            for target in panel.get("targets", []):
                found.append((name, panel["title"], grafana_expr(target["expr"])))
    return found


async def draw_dashboards(http: httpx.AsyncClient, since: float) -> list[Path]:
    """Each dashboard as a PNG from the data Prometheus gathered since ``since``."""
    drawn = []
    for name, build in DASHBOARDS.items():
        dashboard = json.loads(render(build))
        panels = []
        for panel in dashboard["panels"]:
            if panel["type"] == "row":
                continue
            data = PanelData(panel["title"], panel["type"])
            for target in panel["targets"]:
                params = {
                    "query": grafana_expr(target["expr"]),
                    "start": since,
                    "end": time.time(),
                    "step": SCRAPE_SECONDS,
                }
                answer = (await http.get("/api/v1/query_range", params=params)).json()
                for result in answer["data"]["result"]:
                    labels = result["metric"]
                    legend = re.sub(
                        r"\{\{\s*(\w+)\s*\}\}",
                        lambda m, labels=labels: str(labels.get(m.group(1), "")),
                        target.get("legendFormat") or "",
                    )
                    times = [float(t) for t, _ in result["values"]]
                    values = [float(v) for _, v in result["values"]]
                    data.series.append(Series(legend, times, values))
            panels.append(data)
        drawn.append(draw(dashboard["title"], panels, ARTIFACTS / "dashboards" / f"{name}.png"))
    return drawn


async def business_traffic(stack: Stack) -> None:
    """Commands, events, messages to the other services, figures; one approval left waiting."""
    api = Api(stack)
    try:
        await api.put_policies_in_force()
        for n in range(3):
            await api.approved_customer(f"Dashboard Co {n}")
        waiting = await api.ok(
            "POST", "customers", "/customers", "salesperson", {"legal_name": "Waiting Co"}
        )
        path = f"/customers/{waiting['customer_id']}/submit"
        await api.ok("POST", "customers", path, "salesperson", {"credit_limit": "5000"})
    finally:
        await api.close()


async def test_every_panel_of_every_dashboard_shows_data(stack: Stack, prometheus: str) -> None:
    queries = panel_queries()
    async with httpx.AsyncClient(base_url=prometheus, timeout=10.0) as http:

        async def answer(expr: str) -> list[Any]:
            found = await http.get("/api/v1/query", params={"query": expr})
            return list(found.json()["data"]["result"]) if found.status_code == 200 else []

        async def scraping() -> bool:
            try:
                return bool(await answer(f"count(up == 1) == {len(stack.config.services)}"))
            except httpx.TransportError:  # Prometheus still starting
                return False

        # The traffic runs while Prometheus watches, so that the rates have something to show.
        await eventually(scraping, timeout=60, what="Prometheus to scrape every service")
        started = time.time()
        await business_traffic(stack)

        async def empty_panels() -> list[tuple[str, str, str]]:
            return [(d, title, expr) for d, title, expr in queries if not await answer(expr)]

        async def every_panel_shows_data() -> bool:
            return not await empty_panels()

        try:
            await eventually(every_panel_shows_data, timeout=90, what="every panel's data")
        except AssertionError:
            pytest.fail(f"panels without data: {await empty_panels()}")

        # For a reviewer: the dashboards drawn from what Prometheus gathered (CI's artifacts),
        # once it has scraped for a while after the traffic.
        async def history() -> bool:
            ago = time.time() - started
            return bool(await answer(f"min(count_over_time(up[{ago:.0f}s])) >= 15"))

        await eventually(history, timeout=60, what="fifteen scrapes after the traffic")
        for picture in await draw_dashboards(http, started - 5):
            assert picture.stat().st_size > 0


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
