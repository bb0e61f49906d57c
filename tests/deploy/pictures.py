"""Dashboards drawn from Prometheus' data with matplotlib, so that a reviewer sees each panel
without a Grafana: one PNG per dashboard, one plot per panel, in the dashboard's order."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only, no display

import matplotlib.pyplot as plt


@dataclass
class Series:
    legend: str
    times: list[float]
    values: list[float]


@dataclass
class PanelData:
    title: str
    kind: str
    """Grafana's panel type: ``timeseries`` is drawn as lines, ``stat`` as its last value."""
    series: list[Series] = field(default_factory=list)


def draw(title: str, panels: list[PanelData], path: Path) -> Path:
    columns = 3
    rows = math.ceil(len(panels) / columns)
    figure, axes = plt.subplots(rows, columns, figsize=(6 * columns, 3.2 * rows), squeeze=False)
    figure.suptitle(title, fontsize=16)
    for axis, panel in zip(axes.flat, panels, strict=False):
        axis.set_title(panel.title, fontsize=10)
        if panel.kind == "stat":
            last = [s.values[-1] for s in panel.series if s.values]
            shown = f"{sum(last):g}" if last else "no data"
            axis.text(0.5, 0.5, shown, ha="center", va="center", fontsize=32)
            axis.set_axis_off()
            continue
        start = min((s.times[0] for s in panel.series if s.times), default=0.0)
        for series in panel.series:
            axis.plot([t - start for t in series.times], series.values, label=series.legend)
        axis.set_xlabel("seconds", fontsize=8)
        axis.tick_params(labelsize=8)
        if 0 < len(panel.series) <= 8:
            axis.legend(fontsize=7)
    for axis in list(axes.flat)[len(panels) :]:
        axis.set_axis_off()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=80)
    plt.close(figure)
    return path
