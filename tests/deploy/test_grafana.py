"""The Grafana dashboards: the committed JSON is what ``countersign.dashboards`` builds, each
dashboard validates against Grafana 11.6's strict schema (the dashboard, each panel's options and
field config, each query), every query parses as PromQL, and every metric a query reads is one
the services expose."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import promql_parser
import pytest

from countersign.dashboards import DASHBOARDS, render
from countersign.dashboards_cmd import DASHBOARDS_DIR
from tests.deploy.metric_names import exposed_names

SCHEMAS = Path(__file__).resolve().parents[2] / "deploy" / "grafana" / "schema"


def schema(name: str, definition: str | None = None) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMAS / f"{name}.json").read_text())
    if definition is not None:
        loaded = {**loaded, "$ref": f"#/definitions/{definition}"}
    return loaded


def panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [panel for panel in dashboard["panels"] if panel["type"] != "row"]


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_the_committed_dashboard_is_the_generated_one(name: str) -> None:
    committed = (DASHBOARDS_DIR / f"{name}.json").read_text()
    assert committed == render(DASHBOARDS[name]), "run `countersign dashboards generate`"


@pytest.mark.parametrize("name", sorted(DASHBOARDS))
def test_the_dashboard_validates_against_grafana_s_schemas(name: str) -> None:
    dashboard = json.loads(render(DASHBOARDS[name]))
    jsonschema.validate(dashboard, schema("dashboard"))
    for panel in panels(dashboard):
        jsonschema.validate(panel["options"], schema(panel["type"], "Options"))
        if panel["type"] == "timeseries":
            custom = panel["fieldConfig"]["defaults"].get("custom", {})
            jsonschema.validate(custom, schema("timeseries", "FieldConfig"))
        for target in panel["targets"]:
            jsonschema.validate(target, schema("prometheus"))


def queries() -> list[str]:
    return [
        target["expr"]
        for build in DASHBOARDS.values()
        for panel in panels(json.loads(render(build)))
        for target in panel["targets"]
    ]


def test_every_query_parses_as_promql() -> None:
    for expr in queries():
        # Grafana fills in its range variables before Prometheus sees the query.
        promql_parser.parse(expr.replace("$__rate_interval", "1m").replace("$__range", "1h"))


def test_every_metric_a_dashboard_reads_is_exposed() -> None:
    read = {name for expr in queries() for name in re.findall(r"\bcountersign_\w+", expr)}
    assert read <= exposed_names(), sorted(read - exposed_names())
