"""Order intelligence (OR-35): a lead is written up with the material gathered and reported to the
sales manager, who judges whether it is worth acting on and by when; a valuable lead is acted on
by registering the inquiry it led to, so the plan can be tracked against what happened."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from enum import StrEnum
from typing import Self
from uuid import UUID

from kernel.roles import Role
from runtime.aggregate import Aggregate, RuleViolation


class LeadStatus(StrEnum):
    REPORTED = "reported"
    QUALIFIED = "qualified"
    DISMISSED = "dismissed"
    ACTED_ON = "acted_on"


class Lead(Aggregate):
    def __init__(self) -> None:
        self.customer_id: UUID | None
        self.source: str
        self.summary: str
        self.material: str
        self.registered_by: str
        self.status = LeadStatus.REPORTED
        self.qualified_by: str | None = None
        self.action: str | None = None
        self.act_by: datetime | None = None
        self.inquiry_id: UUID | None = None
        self.acted_at: datetime | None = None

    class Registered(Aggregate.Created):
        """OR-35: written up and, by being registered, reported to the sales manager."""

        customer_id: UUID | None
        source: str
        summary: str
        material: str
        registered_by: str

    class Qualified(Aggregate.Event):
        valuable: bool
        action: str
        act_by: datetime | None
        qualified_by: str

        def apply(self, lead: Lead) -> None:
            lead.status = LeadStatus.QUALIFIED if self.valuable else LeadStatus.DISMISSED
            lead.action, lead.act_by, lead.qualified_by = (
                self.action,
                self.act_by,
                self.qualified_by,
            )

    class ActedOn(Aggregate.Event):
        inquiry_id: UUID

        def apply(self, lead: Lead) -> None:
            lead.status, lead.inquiry_id, lead.acted_at = (
                LeadStatus.ACTED_ON,
                self.inquiry_id,
                self.timestamp,
            )

    @classmethod
    def register(
        cls,
        customer_id: UUID | None,
        source: str,
        summary: str,
        material: str,
        registered_by: str,
    ) -> Self:
        # OR-35: the important facts are written up and the material gathered goes with them.
        if not summary.strip() or not material.strip():
            raise RuleViolation(
                "OR-35", "a lead is reported with its important facts and the material gathered"
            )
        return cls._create(
            cls.Registered,
            customer_id=customer_id,
            source=source,
            summary=summary,
            material=material,
            registered_by=registered_by,
        )

    def qualify(
        self,
        valuable: bool,
        action: str,
        act_by: datetime | None,
        qualified_by: str,
        roles: Collection[str],
    ) -> None:
        # OR-35: the manager the lead is reported to judges it, once.
        if Role.SALES_MANAGER not in roles:
            raise RuleViolation("OR-35", "the sales manager judges the leads reported to them")
        if self.status is not LeadStatus.REPORTED:
            raise RuleViolation("OR-35", "the lead is judged already", status=self.status)
        # OR-35: a valuable lead is acted on at once, on a stated plan.
        if valuable and (not action.strip() or act_by is None):
            raise RuleViolation(
                "OR-35", "a valuable lead is given the action to take and the date to take it by"
            )
        self.trigger_event(
            self.Qualified,
            valuable=valuable,
            action=action,
            act_by=act_by,
            qualified_by=qualified_by,
        )

    def acted_on(self, inquiry_id: UUID) -> None:
        # OR-35: only a lead the manager found valuable turns into an inquiry, once.
        if self.status is not LeadStatus.QUALIFIED:
            raise RuleViolation(
                "OR-35",
                "an inquiry follows from a lead the sales manager found valuable",
                status=self.status,
            )
        self.trigger_event(self.ActedOn, inquiry_id=inquiry_id)
