"""Prometheus' configuration and alert rules, checked by Prometheus' own tool: the config and the
rules load, every alert fires on the series that should raise it and stays quiet otherwise
(`deploy/prometheus/tests/alerts.test.yml`), and every metric an alert reads is one the services
expose."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml

from tests.deploy.metric_names import exposed_names

PROMETHEUS = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"


def promtool(*args: str) -> str:
    binary = shutil.which("promtool")
    assert binary, "Debian's prometheus package is needed: `make test` installs it"
    run = subprocess.run([binary, *args], capture_output=True, text=True, cwd=PROMETHEUS)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


def test_the_configuration_and_its_alert_rules_load() -> None:
    checked = promtool("check", "config", "prometheus.yml")
    assert "SUCCESS" in checked and "rules found" in checked


def test_each_alert_fires_when_it_should_and_only_then() -> None:
    assert "SUCCESS" in promtool("test", "rules", "tests/alerts.test.yml")


def test_every_alert_is_unit_tested() -> None:
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    alerts = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    tests = yaml.safe_load((PROMETHEUS / "tests" / "alerts.test.yml").read_text())
    firing = {
        case["alertname"]
        for test in tests["tests"]
        for case in test["alert_rule_test"]
        if case["exp_alerts"]
    }
    assert alerts == firing


def test_every_metric_an_alert_reads_is_exposed() -> None:
    read = set(re.findall(r"\bcountersign_\w+", (PROMETHEUS / "alerts.yml").read_text()))
    assert read, "the alerts read Countersign's metrics"
    assert read <= exposed_names(), sorted(read - exposed_names())
