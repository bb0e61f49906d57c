"""The monthly complaint analysis (SD-40): the complaints closed in a month counted by cause
(the responsible department of a founded one; unfounded ones apart), with the corrective
actions set for them, reported to leadership and the departments concerned."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Self
from uuid import NAMESPACE_OID, UUID, uuid5

from runtime.aggregate import Aggregate, RuleViolation

UNFOUNDED = "unfounded"
"""SD-35: the cause of a complaint the investigation found not valid."""


@dataclass(frozen=True)
class CauseCount:
    cause: str
    count: int


class ComplaintAnalysis(Aggregate):
    def __init__(self) -> None:
        self.month: date
        self.counts_by_cause: tuple[CauseCount, ...]
        self.corrective_actions: tuple[str, ...]
        self.published_by: str

    class Published(Aggregate.Created):
        """``ComplaintAnalysisPublished`` (SD-40)."""

        month: date
        counts_by_cause: tuple[CauseCount, ...]
        corrective_actions: tuple[str, ...]
        published_by: str

    @staticmethod
    def id_for(month: date) -> UUID:
        # One analysis per month.
        return uuid5(NAMESPACE_OID, f"complaint-analysis:{month:%Y-%m}")

    @classmethod
    def publish(
        cls,
        month: date,
        counts: Mapping[str, int],
        corrective_actions: tuple[str, ...],
        published_by: str,
        today: date,
    ) -> Self:
        """``month``: its first day; ``counts``: the month's closed complaints by cause."""
        # SD-40: the analysis covers a month that is over.
        if (month.year, month.month) >= (today.year, today.month):
            raise RuleViolation(
                "SD-40", "the analysis is of a month that is over", month=f"{month:%Y-%m}"
            )
        actions = tuple(action.strip() for action in corrective_actions)
        if not all(actions):
            raise RuleViolation("SD-40", "a corrective action says what is to be done")
        # SD-40: founded complaints have root causes; each month's get corrective actions.
        founded = sum(n for cause, n in counts.items() if cause != UNFOUNDED)
        if founded and not actions:
            raise RuleViolation(
                "SD-40",
                "founded complaints closed in the month need corrective actions",
                founded=founded,
            )
        return cls._create(
            cls.Published,
            id=cls.id_for(month),
            month=month,
            counts_by_cause=tuple(CauseCount(c, n) for c, n in sorted(counts.items())),
            corrective_actions=actions,
            published_by=published_by,
        )
