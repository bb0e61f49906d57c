"""Business metrics: figures a service reads from its own read models when Prometheus scrapes.

A figure is a name, a meaning and a SQLAlchemy Core query over the service's read tables; each
row the query answers is one sample, its columns the label values and, last, the value (a
moment is exposed as Unix seconds). The
figures are computed at scrape time from the projections, never from the event store (XC-04:
every figure is a projection over events), so they are as current as the read models and cost
one indexed query each. A service declares its figures in a mixin's ``Feature(figures=...)``;
the runtime serves them on ``/metrics`` after the technical metrics (``runtime.metrics``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry
from sqlalchemy import Select

from runtime import clock
from runtime.aggregate import NotYet

if TYPE_CHECKING:
    from runtime.application import ServiceApplication

log = logging.getLogger(__name__)

FigureQuery = Callable[[Any, datetime], Select[Any]]
"""(the service's application, now) -> the query whose rows are the figure's samples."""


@dataclass(frozen=True)
class Figure:
    """One business metric of a service, read from its read tables at scrape time."""

    name: str
    """The full metric name (``countersign_<service>_...``); a counter's without ``_total``."""
    documentation: str
    query: FigureQuery
    labels: tuple[str, ...] = ()
    counter: bool = False
    """A total that only grows as events arrive (exposed with ``_total``); else a gauge."""
    known: tuple[tuple[str, ...], ...] = ()
    """Label values always exposed, as 0 when no row has them: a series that vanishes at 0
    would read as "unknown" rather than "none"."""
    rule: str = ""
    """The rule id the figure watches (RULES.md §8 names the dashboard it belongs to)."""

    def family(self) -> CounterMetricFamily | GaugeMetricFamily:
        if self.counter:
            return CounterMetricFamily(self.name, self.documentation, labels=self.labels)
        return GaugeMetricFamily(self.name, self.documentation, labels=self.labels)


class FigureCollector(Collector):
    """Asks a service's read models for its figures each time it is collected."""

    def __init__(self, application: ServiceApplication, figures: Sequence[Figure]) -> None:
        self.application = application
        self.figures = figures

    def describe(self) -> Iterator[Metric]:
        # The names without a query: registering checks them for clashes, reading nothing.
        for figure in self.figures:
            yield figure.family()

    def collect(self) -> Iterator[Metric]:
        now = clock.now()
        with self.application.read_models.read() as db:
            for figure in self.figures:
                try:
                    query = figure.query(self.application, now)
                except NotYet as waiting:
                    # Its parameters are not in force yet (XC-07): no figure beats a made-up one.
                    log.debug("figure %s left out: %s", figure.name, waiting.reason)
                    continue
                samples: dict[tuple[str, ...], float] = dict.fromkeys(figure.known, 0.0)
                for row in db.execute(query):
                    # The label columns first, the value last (None: a sum over no row).
                    *labels, value = tuple[Any, ...](row)
                    if isinstance(value, datetime):  # a moment: Unix seconds, as Prometheus has it
                        value = value.timestamp()
                    samples[tuple(map(str, labels))] = float(value or 0)
                family = figure.family()
                for label_values, value in samples.items():
                    family.add_metric(list(label_values), value)
                yield family


def figure_registry(
    application: ServiceApplication, figures: Sequence[Figure]
) -> CollectorRegistry:
    """A registry of the application's figures alone, for ``/metrics`` to serve."""
    registry = CollectorRegistry()
    if figures:
        registry.register(FigureCollector(application, figures))
    return registry
