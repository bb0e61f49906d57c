"""Needs analysis and segmentation (CU-24): what the customer needs, gathered through surveys,
inquiries, industry reports or visits, analysed into a segment and a service focus, and each
later analysis saying how the needs changed."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Self
from uuid import NAMESPACE_OID, UUID, uuid5

from runtime.aggregate import Aggregate, RuleViolation


class Channel(StrEnum):
    """CU-24: where the information came from."""

    SURVEY = "survey"
    INQUIRY = "inquiry"
    INDUSTRY_REPORT = "industry_report"
    VISIT = "visit"


class CustomerNeeds(Aggregate):
    def __init__(self) -> None:
        self.customer_id: UUID
        self.segment: str | None = None
        self.service_focus: str | None = None
        self.needs: str | None = None
        self.analyses = 0
        self.last_analysed_at: datetime | None = None

    class Opened(Aggregate.Created):
        customer_id: UUID

    class Analysed(Aggregate.Event):
        channel: str
        needs: str
        changes: str
        """How the needs moved since the previous analysis; empty for the first."""
        segment: str
        service_focus: str
        analysed_by: str

        def apply(self, customer: CustomerNeeds) -> None:
            customer.needs, customer.segment = self.needs, self.segment
            customer.service_focus = self.service_focus
            customer.analyses += 1
            customer.last_analysed_at = self.timestamp

    @staticmethod
    def id_for(customer_id: UUID) -> UUID:
        # One needs record per customer.
        return uuid5(NAMESPACE_OID, f"customer-needs:{customer_id}")

    @classmethod
    def open(cls, customer_id: UUID) -> Self:
        return cls._create(cls.Opened, id=cls.id_for(customer_id), customer_id=customer_id)

    def analyse(
        self,
        channel: Channel,
        needs: str,
        changes: str,
        segment: str,
        service_focus: str,
        analysed_by: str,
    ) -> None:
        # CU-24: the analysis classifies the customer and sets the service focus from the needs.
        if not (needs.strip() and segment.strip() and service_focus.strip()):
            raise RuleViolation(
                "CU-24", "an analysis states the needs, the segment and the service focus"
            )
        # CU-24: changes in the needs are tracked: every later analysis says what moved.
        if self.analyses and not changes.strip():
            raise RuleViolation(
                "CU-24",
                "a later analysis says how the needs changed (or that they did not)",
                previous_segment=self.segment,
            )
        self.trigger_event(
            self.Analysed,
            channel=channel.value,
            needs=needs,
            changes=changes,
            segment=segment,
            service_focus=service_focus,
            analysed_by=analysed_by,
        )
