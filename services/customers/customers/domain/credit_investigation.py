"""A credit investigation of a customer (CU-08, CU-09, CU-10): done internally, by an external
agency or both, on one standardised form; what an agency reports is assessed by the investigating
manager, and no open doubt is left when it completes."""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum
from typing import Self
from uuid import UUID

from kernel.roles import Role
from runtime.aggregate import Aggregate, RuleViolation

FORM_ITEMS = (
    "organisation",
    "responsible_persons",
    "assets",
    "liabilities",
    "industry_standing",
    "trading_history",
    "payment_behaviour",
    "business_condition",
)
"""CU-08: the standardised credit investigation form: every item answered, in every
investigation, so that none is missed and investigations compare."""


class InvestigationMethod(StrEnum):
    """CU-08: who investigates."""

    INTERNAL = "internal"
    EXTERNAL_AGENCY = "external_agency"
    BOTH = "both"


class InvestigationStatus(StrEnum):
    OPEN = "open"
    COMPLETED = "completed"


class CreditInvestigation(Aggregate):
    def __init__(self) -> None:
        self.customer_id: UUID
        self.method: InvestigationMethod
        self.investigator_id: str
        self.opened_by: str
        self.agency: str | None
        self.agency_chosen_because: str | None
        self.status = InvestigationStatus.OPEN
        self.answers: dict[str, str] = {}
        self.agency_report: str | None = None
        self.assessment: str | None = None
        self.assessed_by: str | None = None
        self.open_doubts: dict[UUID, str] = {}
        self.conclusion: str | None = None
        self.completed_by: str | None = None

    class Opened(Aggregate.Created):
        customer_id: UUID
        method: str
        investigator_id: str
        opened_by: str
        agency: str | None
        agency_chosen_because: str | None

        def apply(self, investigation: CreditInvestigation) -> None:
            super().apply(investigation)
            investigation.method = InvestigationMethod(self.method)

    class FormAnswered(Aggregate.Event):
        answers: dict[str, str]
        answered_by: str

        def apply(self, investigation: CreditInvestigation) -> None:
            investigation.answers.update(self.answers)

    class AgencyReportReceived(Aggregate.Event):
        report: str
        received_by: str

        def apply(self, investigation: CreditInvestigation) -> None:
            # CU-08: a new report needs the manager's assessment again.
            investigation.agency_report, investigation.assessment = self.report, None

    class ManagerAssessed(Aggregate.Event):
        assessment: str
        assessed_by: str

        def apply(self, investigation: CreditInvestigation) -> None:
            investigation.assessment, investigation.assessed_by = self.assessment, self.assessed_by

    class DoubtRaised(Aggregate.Event):
        doubt_id: UUID
        question: str
        raised_by: str

        def apply(self, investigation: CreditInvestigation) -> None:
            investigation.open_doubts[self.doubt_id] = self.question

    class DoubtResolved(Aggregate.Event):
        doubt_id: UUID
        resolution: str
        resolved_by: str

        def apply(self, investigation: CreditInvestigation) -> None:
            del investigation.open_doubts[self.doubt_id]

    class Completed(Aggregate.Event):
        conclusion: str
        completed_by: str

        def apply(self, investigation: CreditInvestigation) -> None:
            investigation.status = InvestigationStatus.COMPLETED
            investigation.conclusion, investigation.completed_by = (
                self.conclusion,
                self.completed_by,
            )

    @property
    def missing_items(self) -> list[str]:
        """CU-08: the form's items not answered yet."""
        return [item for item in FORM_ITEMS if item not in self.answers]

    @property
    def uses_agency(self) -> bool:
        return self.method is not InvestigationMethod.INTERNAL

    @classmethod
    def open(
        cls,
        customer_id: UUID,
        important_customer: bool,
        method: InvestigationMethod,
        investigator_id: str,
        opened_by: str,
        opener_roles: Collection[str],
        agency: str | None = None,
        agency_chosen_because: str | None = None,
    ) -> Self:
        """``important_customer``: grade A or flagged important (CU-01)."""
        # CU-09: the sales manager assigns the investigator of record.
        if Role.SALES_MANAGER not in opener_roles:
            raise RuleViolation("CU-09", "only the sales manager assigns a credit investigation")
        # CU-09: an important or large customer is investigated by the sales manager personally.
        if important_customer and investigator_id != opened_by:
            raise RuleViolation(
                "CU-09",
                "a grade-A or important customer is investigated by the sales manager personally",
                investigator=investigator_id,
            )
        if method is InvestigationMethod.INTERNAL:
            agency = agency_chosen_because = None
        # CU-08: an agency is chosen on capability, and the choice says why.
        elif not (
            agency and agency.strip() and agency_chosen_because and agency_chosen_because.strip()
        ):
            raise RuleViolation(
                "CU-08", "an external agency is named with the capability it was chosen for"
            )
        return cls._create(
            cls.Opened,
            customer_id=customer_id,
            method=method.value,
            investigator_id=investigator_id,
            opened_by=opened_by,
            agency=agency,
            agency_chosen_because=agency_chosen_because,
        )

    def _by_investigator(self, actor: str, doing: str) -> None:
        # CU-09: only the investigator of record investigates; everyone else is refused.
        if actor != self.investigator_id:
            raise RuleViolation(
                "CU-09",
                f"only the investigator of record {doing}",
                investigator=self.investigator_id,
            )
        if self.status is not InvestigationStatus.OPEN:
            raise RuleViolation("CU-08", "the investigation is already completed")

    def answer_form(self, answers: dict[str, str], answered_by: str) -> None:
        self._by_investigator(answered_by, "fills in the investigation form")
        # CU-08: the form is standardised: only its own items, each answered.
        unknown = sorted(set(answers) - set(FORM_ITEMS))
        if unknown:
            raise RuleViolation(
                "CU-08", "not an item of the investigation form", items=unknown, form=FORM_ITEMS
            )
        blank = sorted(item for item, answer in answers.items() if not answer.strip())
        if blank:
            raise RuleViolation(
                "CU-08", "an item of the form is answered, not left blank", items=blank
            )
        self.trigger_event(self.FormAnswered, answers=dict(answers), answered_by=answered_by)

    def receive_agency_report(self, report: str, received_by: str) -> None:
        self._by_investigator(received_by, "files the agency's report")
        if not self.uses_agency:
            raise RuleViolation("CU-08", "this investigation is done internally, without an agency")
        if not report.strip():
            raise RuleViolation("CU-08", "the agency's report has content")
        self.trigger_event(self.AgencyReportReceived, report=report, received_by=received_by)

    def assess_agency_report(
        self, assessment: str, assessed_by: str, roles: Collection[str]
    ) -> None:
        # CU-08: the investigating manager assesses what the agency reported.
        if Role.SALES_MANAGER not in roles:
            raise RuleViolation("CU-08", "the investigating manager assesses the agency's report")
        if self.status is not InvestigationStatus.OPEN:
            raise RuleViolation("CU-08", "the investigation is already completed")
        if self.agency_report is None:
            raise RuleViolation("CU-08", "no agency report to assess yet")
        if not assessment.strip():
            raise RuleViolation("CU-08", "the assessment has content")
        self.trigger_event(self.ManagerAssessed, assessment=assessment, assessed_by=assessed_by)

    def raise_doubt(self, doubt_id: UUID, question: str, raised_by: str) -> None:
        # CU-10: anyone may question the findings while the investigation is open.
        if self.status is not InvestigationStatus.OPEN:
            raise RuleViolation("CU-10", "the investigation is already completed")
        if not question.strip():
            raise RuleViolation("CU-10", "a doubt states its question")
        self.trigger_event(
            self.DoubtRaised, doubt_id=doubt_id, question=question, raised_by=raised_by
        )

    def resolve_doubt(self, doubt_id: UUID, resolution: str, resolved_by: str) -> None:
        self._by_investigator(resolved_by, "resolves a doubt")
        # CU-10: a doubt is resolved by finding out, with what was found.
        if doubt_id not in self.open_doubts:
            raise RuleViolation("CU-10", "no such open doubt", doubt_id=str(doubt_id))
        if not resolution.strip():
            raise RuleViolation("CU-10", "a doubt is resolved with what was found")
        self.trigger_event(
            self.DoubtResolved, doubt_id=doubt_id, resolution=resolution, resolved_by=resolved_by
        )

    def complete(self, conclusion: str, completed_by: str) -> None:
        self._by_investigator(completed_by, "completes the investigation")
        # CU-08: every item of the standardised form is answered.
        if self.missing_items:
            raise RuleViolation(
                "CU-08", "the investigation form is not complete", missing=self.missing_items
            )
        # CU-08: an agency's report is never adopted as is.
        if self.uses_agency and (self.agency_report is None or self.assessment is None):
            raise RuleViolation(
                "CU-08",
                "the agency's report is received and assessed by the investigating manager first",
            )
        # CU-10: no open doubt is left.
        if self.open_doubts:
            raise RuleViolation(
                "CU-10",
                "open doubts are resolved before the investigation completes",
                open_doubts=[str(d) for d in self.open_doubts],
            )
        if not conclusion.strip():
            raise RuleViolation("CU-08", "the investigation states its conclusion")
        self.trigger_event(self.Completed, conclusion=conclusion, completed_by=completed_by)
