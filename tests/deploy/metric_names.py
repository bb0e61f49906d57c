"""Every metric name the services can expose: the technical metrics every process registers and
each service's business figures, counters under their ``_total`` name too."""

from __future__ import annotations

import re

from prometheus_client import REGISTRY, generate_latest

import runtime.metrics  # noqa: F401  (registers the technical metrics)
from countersign.services import SPECS


def exposed_names() -> set[str]:
    technical = set(re.findall(r"^# TYPE (\S+) (\w+)", generate_latest(REGISTRY).decode(), re.M))
    names = {name for name, _ in technical}
    names |= {f"{name}_total" for name, kind in technical if kind == "counter"}
    names |= {f"{name}_bucket" for name, kind in technical if kind == "histogram"}
    return names | {
        f"{figure.name}_total" if figure.counter else figure.name
        for spec in SPECS.values()
        for figure in spec.application.all_figures()
    }
