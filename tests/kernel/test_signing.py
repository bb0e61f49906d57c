"""The customer's signing channel at the domain level (XC-01, XC-02, SD-11): links used once, on
time, on the version they were issued for, and only when the document's rules allow signing."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from kernel.approvals.domain import Capacity
from kernel.signing.domain import (
    CustomerAnswer,
    Lapse,
    RequestStatus,
    SealedAnswer,
    Signable,
    SigningRequestState,
    SigningSheet,
)
from runtime import clock
from runtime.aggregate import RuleViolation
from runtime.unit_of_work import CommandContext, acting
from tests.signers import DRAWN, on_paper

SECRET_HASH = hashlib.sha256(b"secret").hexdigest()


class Visit(Signable):
    """A stand-in service report: the customer signs only once the work is completed (SD-11)."""

    document_type = "visit"

    def __init__(self) -> None:
        self.findings: str
        self.completed = False
        self.customer_signed_at: datetime | None = None

    class Opened(Signable.Created):
        findings: str

    class Completed(Signable.Event):
        def apply(self, visit: Visit) -> None:
            visit.completed = True

    class Reopened(Signable.Event):
        def apply(self, visit: Visit) -> None:
            visit.completed = False

    class Edited(Signable.Event):
        findings: str

        def apply(self, visit: Visit) -> None:
            visit.findings = self.findings

    class Accepted(Signable.Event):
        at: datetime

        def apply(self, visit: Visit) -> None:
            visit.customer_signed_at = self.at

    @classmethod
    def open(cls) -> Visit:
        return cls._create(cls.Opened, findings="pump seal worn")

    def approval_content(self) -> Mapping[str, Any]:
        return {"findings": self.findings}

    def signature_allowed(self, capacity: Capacity) -> None:
        if capacity is Capacity.CUSTOMER and not self.completed:
            raise RuleViolation("SD-11", "the customer signs only after the work is completed")

    def on_customer_signed(self, signed_at: datetime) -> None:
        self.trigger_event(self.Accepted, at=signed_at)

    def signing_sheet(self) -> SigningSheet:
        return SigningSheet("Service report", (("Findings", self.findings),))

    def complete(self) -> None:
        self.trigger_event(self.Completed)

    def reopen(self) -> None:
        self.trigger_event(self.Reopened)

    def edit(self, findings: str) -> None:
        self.trigger_event(self.Edited, findings=findings)
        self.content_changed()


@pytest.fixture(autouse=True)
def context() -> Iterator[None]:
    with acting(CommandContext(actor="tester")):
        yield


def answer(signed: bool = True, name: str = "Zhao Lan") -> CustomerAnswer:
    image_hash = hashlib.sha256(DRAWN).hexdigest() if signed else None
    return CustomerAnswer(signed, name, "all fine", image_hash, "10.0.0.7", "Mobile", clock.now())


def sealed(given: CustomerAnswer) -> SealedAnswer:
    return SealedAnswer(given, "service:desk", "seal")


def completed_with_link(hours: int = 24) -> tuple[Visit, SigningRequestState]:
    visit = Visit.open()
    visit.complete()
    now = clock.now()
    visit.request_customer_signature(
        uuid4(), SECRET_HASH, "Zhao Lan", "+86 139", "technician", now + timedelta(hours=hours), now
    )
    request = visit.signing_request(SECRET_HASH)
    assert request is not None
    return visit, request


def sign(visit: Visit, request: SigningRequestState, now: datetime | None = None) -> UUID:
    signature_id = uuid4()
    visit.customer_signs(signature_id, request, sealed(answer()), DRAWN, now or clock.now())
    return signature_id


def refusal(call: Any) -> RuleViolation:
    with pytest.raises(RuleViolation) as refused:
        call()
    return refused.value


def test_xc02_the_customer_signs_once_through_the_link_and_the_document_reacts() -> None:
    visit, request = completed_with_link()
    signature_id = sign(visit, request)

    assert request.status is RequestStatus.SIGNED
    signature = visit.signatures[signature_id]
    assert (signature.capacity, signature.method, signature.image) == ("customer", "e_sign", DRAWN)
    assert signature.document_version_hash == visit.version_hash
    assert visit.customer_signed_at is not None  # the document's own outcome
    used = refusal(lambda: sign(visit, request))
    assert (used.rule, "already been used" in used.reason) == ("XC-02", True)


def test_sd11_a_link_is_refused_for_a_document_not_signable_yet() -> None:
    visit = Visit.open()
    now = clock.now()
    refused = refusal(
        lambda: visit.request_customer_signature(
            uuid4(), SECRET_HASH, "Zhao Lan", "", "technician", now + timedelta(hours=1), now
        )
    )
    assert refused.rule == "SD-11"
    assert not visit.signing_requests


def test_sd11_the_document_s_rule_is_checked_again_when_the_customer_signs() -> None:
    visit, request = completed_with_link()
    visit.reopen()  # more work found: not signable until completed again

    assert refusal(lambda: sign(visit, request)).rule == "SD-11"
    assert not visit.signatures


def test_xc02_an_expired_link_is_refused_then_closed() -> None:
    visit, request = completed_with_link(hours=1)
    later = clock.now() + timedelta(hours=2)

    expired = refusal(lambda: sign(visit, request, now=later))
    assert (expired.rule, "expired" in expired.reason) == ("XC-02", True)
    assert visit.expire_signing_requests(clock.now()) is False  # not yet due
    assert visit.expire_signing_requests(later) is True
    assert (request.status, request.lapse) == (RequestStatus.EXPIRED, Lapse.EXPIRED)
    assert visit.expire_signing_requests(later) is False  # closed once


def test_xc01_xc02_a_change_to_the_document_closes_its_link() -> None:
    visit, request = completed_with_link()
    visit.edit("pump seal and bearing replaced")

    assert request.lapse is Lapse.DOCUMENT_CHANGED
    changed = refusal(lambda: sign(visit, request))
    assert (changed.rule, "changed" in changed.reason) == ("XC-02", True)


def test_xc01_a_link_to_another_version_is_refused_even_if_not_yet_closed() -> None:
    visit, request = completed_with_link()
    stale = replace(request, version_hash="0" * 64)
    assert refusal(lambda: sign(visit, stale)).rule == "XC-01"


def test_xc02_a_new_link_supersedes_the_open_one() -> None:
    visit, first = completed_with_link()
    now = clock.now()
    other_hash = hashlib.sha256(b"other").hexdigest()
    visit.request_customer_signature(
        uuid4(), other_hash, "Zhao Lan", "", "technician", now + timedelta(hours=1), now
    )
    assert first.lapse is Lapse.SUPERSEDED
    assert refusal(lambda: sign(visit, first)).rule == "XC-02"
    second = visit.signing_request(other_hash)
    assert second is not None
    sign(visit, second)


def test_xc02_a_paper_signature_closes_the_open_link() -> None:
    visit, request = completed_with_link()
    visit.capture_signature(uuid4(), on_paper(), "technician", "seal", clock.now())

    assert request.lapse is Lapse.SIGNED_ON_PAPER
    assert visit.customer_signed_at is not None


def test_xc02_a_declined_link_records_the_answer_and_is_used() -> None:
    visit, request = completed_with_link()
    visit.customer_declines(request, sealed(answer(signed=False)), clock.now())

    assert request.status is RequestStatus.DECLINED
    assert not visit.signatures and visit.customer_signed_at is None
    assert refusal(lambda: sign(visit, request)).rule == "XC-02"


def test_xc02_a_signature_needs_the_signer_s_name_and_drawing() -> None:
    visit, request = completed_with_link()
    for given in (answer(name="  "), replace(answer(), image_hash=None)):
        refused = refusal(
            lambda given=given: visit.customer_signs(
                uuid4(), request, sealed(given), DRAWN, clock.now()
            )
        )
        assert refused.rule == "XC-02"
    assert request.status is RequestStatus.OPEN
