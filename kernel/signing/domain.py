"""The customer's own signing channel (XC-02), as events in the signed document's own stream.

A document that extends :class:`Signable` can ask a customer's contact to sign one exact version
of it through a one-time link: the request records only the hash of the link's secret, expires,
is used once, and lapses when the document changes. The customer's answer (signed or declined)
is recorded verbatim with where it came from and sealed with the owning service's key; whether
signing is allowed at that moment is the document's own rule (``signature_allowed``: SD-11,
OR-22...). Pure domain code: the application makes the secret, hashes it and seals the answer.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any
from uuid import UUID

from kernel.approvals.domain import (
    Approvable,
    Capacity,
    Method,
    SignatureCapture,
    SignatureState,
)
from runtime.aggregate import Aggregate, RuleViolation
from runtime.signing import CURRENT_FORM


class RequestStatus(StrEnum):
    OPEN = "open"
    SIGNED = "signed"
    DECLINED = "declined"
    EXPIRED = "expired"


class Lapse(StrEnum):
    """Why a link closed without an answer."""

    EXPIRED = "expired"
    DOCUMENT_CHANGED = "document_changed"
    SUPERSEDED = "superseded"
    """A newer link was issued for the same document."""
    SIGNED_ON_PAPER = "signed_on_paper"


_LAPSED = {
    Lapse.EXPIRED: "the link has expired",
    Lapse.DOCUMENT_CHANGED: "the document changed after the link was issued",
    Lapse.SUPERSEDED: "a newer link was issued for this document",
    Lapse.SIGNED_ON_PAPER: "the customer's signature on paper was recorded instead",
}


@dataclass
class SigningRequestState:
    request_id: UUID
    token_hash: str
    version_hash: str
    contact_name: str
    requested_by: str
    expires_at: datetime
    status: RequestStatus = RequestStatus.OPEN
    lapse: Lapse | None = None


@dataclass(frozen=True)
class CustomerAnswer:
    """What the customer's contact did on the signing page, in their own words, and from where.
    ``image_hash`` is the SHA-256 of the drawn signature (PNG); a decline has none."""

    signed: bool
    typed_name: str
    comment: str
    image_hash: str | None
    client_address: str
    user_agent: str
    answered_at: datetime


@dataclass(frozen=True)
class SealedAnswer:
    """A customer's answer as the owning service sealed it with its key (``sealed_by``)."""

    answer: CustomerAnswer
    sealed_by: str
    seal: str


@dataclass(frozen=True)
class SigningSheet:
    """What the customer is shown to sign: rendered from the document itself, never free text."""

    title: str
    facts: tuple[tuple[str, str], ...]
    """Label, value."""
    table_headers: tuple[str, ...] = ()
    table_rows: tuple[tuple[str, ...], ...] = ()


def answer_seal_fields(
    document_type: str,
    document_id: UUID,
    version_hash: str,
    request_id: UUID,
    answer: CustomerAnswer,
    sealed_by: str,
) -> dict[str, Any]:
    """What the owning service seals: the customer's answer on exactly this version."""
    return {
        "document_type": document_type,
        "document_id": str(document_id),
        "version_hash": version_hash,
        "request_id": str(request_id),
        "signed": answer.signed,
        "typed_name": answer.typed_name,
        "comment": answer.comment,
        "image_hash": answer.image_hash,
        "client_address": answer.client_address,
        "user_agent": answer.user_agent,
        "answered_at": answer.answered_at.isoformat(),
        "sealed_by": sealed_by,
    }


class Signable(Approvable):
    """Base for documents the customer signs through their own channel (XC-02)."""

    class SigningRequested(Aggregate.Event):
        request_id: UUID
        document_type: str
        document_version_hash: str
        contact_name: str
        contact: str
        """Where the link was sent (a phone number, an address), as the employee gave it."""
        requested_by: str
        token_hash: str
        """SHA-256 of the link's secret: the secret itself is never stored."""
        expires_at: datetime

        def apply(self, document: Signable) -> None:
            document.signing_requests[self.request_id] = SigningRequestState(
                self.request_id,
                self.token_hash,
                self.document_version_hash,
                self.contact_name,
                self.requested_by,
                self.expires_at,
            )

    class CustomerAnswered(Aggregate.Event):
        """What the customer gave on their signing page; ``seal`` is the owning service's."""

        request_id: UUID
        document_type: str
        document_version_hash: str
        answer: CustomerAnswer
        sealed_by: str
        seal: str
        canonical_form: str

    class CustomerSigned(CustomerAnswered):
        signature_id: UUID
        image: bytes

        def apply(self, document: Signable) -> None:
            document.signing_requests[self.request_id].status = RequestStatus.SIGNED
            document.signatures[self.signature_id] = SignatureState(
                Capacity.CUSTOMER,
                self.answer.typed_name,
                Method.E_SIGN,
                self.document_version_hash,
                self.answer.answered_at,
                self.sealed_by,
                self.image,
            )

    class SigningDeclined(CustomerAnswered):
        """The customer declined to sign, saying why in ``answer.comment``."""

        def apply(self, document: Signable) -> None:
            document.signing_requests[self.request_id].status = RequestStatus.DECLINED

    class SigningExpired(Aggregate.Event):
        """A link closed unanswered: expired, superseded, or its document changed."""

        request_id: UUID
        lapse: Lapse

        def apply(self, document: Signable) -> None:
            request = document.signing_requests[self.request_id]
            request.status, request.lapse = RequestStatus.EXPIRED, self.lapse

    # -- what subclasses provide

    def signing_sheet(self) -> SigningSheet:
        """The document as the customer sees it on the signing page."""
        raise NotImplementedError

    # -- state

    @property
    def signing_requests(self) -> dict[UUID, SigningRequestState]:
        found: dict[UUID, SigningRequestState] = self.__dict__.setdefault("_signing_requests", {})
        return found

    def _open_requests(self) -> list[SigningRequestState]:
        return [r for r in self.signing_requests.values() if r.status is RequestStatus.OPEN]

    def _lapse(self, request: SigningRequestState, lapse: Lapse) -> None:
        self.trigger_event(Signable.SigningExpired, request_id=request.request_id, lapse=lapse)

    def signing_request(self, token_hash: str) -> SigningRequestState | None:
        """The request whose link's secret hashes to ``token_hash``."""
        return next(
            (
                r
                for r in self.signing_requests.values()
                if hmac.compare_digest(r.token_hash, token_hash)
            ),
            None,
        )

    # -- commands

    def request_customer_signature(
        self,
        request_id: UUID,
        token_hash: str,
        contact_name: str,
        contact: str,
        requested_by: str,
        expires_at: datetime,
        now: datetime,
    ) -> None:
        # The document's own rule first: nobody is asked to sign what may not be signed yet
        # (SD-11: asking before the work is done is itself forbidden).
        self.signature_allowed(Capacity.CUSTOMER)
        if expires_at <= now:
            raise RuleViolation("XC-02", "a signing link must stay open for some time")
        # XC-02: one live link per document, so the customer cannot sign it twice.
        for request in self._open_requests():
            self._lapse(request, Lapse.SUPERSEDED)
        self.trigger_event(
            Signable.SigningRequested,
            request_id=request_id,
            document_type=self.document_type,
            document_version_hash=self.version_hash,
            contact_name=contact_name,
            contact=contact,
            requested_by=requested_by,
            token_hash=token_hash,
            expires_at=expires_at,
        )

    def check_link(self, request: SigningRequestState, now: datetime) -> None:
        """XC-02: a link is used once, before it expires, on the version it was issued for."""
        if request.status in (RequestStatus.SIGNED, RequestStatus.DECLINED):
            raise RuleViolation(
                "XC-02",
                f"this link has already been used: the customer {request.status.value} "
                "and a signature is never changed",
                status=request.status.value,
            )
        if request.lapse is not None:
            raise RuleViolation("XC-02", f"{_LAPSED[request.lapse]}; ask for a new link")
        if now > request.expires_at:
            raise RuleViolation(
                "XC-02",
                f"{_LAPSED[Lapse.EXPIRED]}; ask for a new link",
                expired_at=request.expires_at.isoformat(),
            )
        if request.version_hash != self.version_hash:
            raise RuleViolation(
                "XC-01",
                f"{_LAPSED[Lapse.DOCUMENT_CHANGED]}; ask for a new link",
                link_version_hash=request.version_hash,
                current_version_hash=self.version_hash,
            )

    def customer_signs(
        self,
        signature_id: UUID,
        request: SigningRequestState,
        sealed: SealedAnswer,
        image: bytes,
        now: datetime,
    ) -> None:
        self.check_link(request, now)
        self.signature_allowed(Capacity.CUSTOMER)
        answer = sealed.answer
        if not answer.signed or not answer.typed_name.strip() or not answer.image_hash:
            raise RuleViolation("XC-02", "a signature gives the signer's name and their drawing")
        self._record(
            Signable.CustomerSigned, request, sealed, signature_id=signature_id, image=image
        )
        self.on_customer_signed(answer.answered_at)

    def customer_declines(
        self, request: SigningRequestState, sealed: SealedAnswer, now: datetime
    ) -> None:
        self.check_link(request, now)
        if sealed.answer.signed or not sealed.answer.typed_name.strip():
            raise RuleViolation("XC-02", "a declined signature gives the contact's name")
        self._record(Signable.SigningDeclined, request, sealed)

    def _record(
        self,
        event_class: type[Signable.CustomerAnswered],
        request: SigningRequestState,
        sealed: SealedAnswer,
        **more: Any,
    ) -> None:
        self.trigger_event(
            event_class,
            request_id=request.request_id,
            document_type=self.document_type,
            document_version_hash=request.version_hash,
            answer=sealed.answer,
            sealed_by=sealed.sealed_by,
            seal=sealed.seal,
            canonical_form=CURRENT_FORM,
            **more,
        )

    def expire_signing_requests(self, now: datetime) -> bool:
        """Close the links past their time; returns whether any closed."""
        late = [r for r in self._open_requests() if now > r.expires_at]
        for request in late:
            self._lapse(request, Lapse.EXPIRED)
        return bool(late)

    def content_changed(self) -> None:
        """A changed document invalidates its approval and every link to its former version."""
        super().content_changed()
        current = self.version_hash
        for request in self._open_requests():
            if request.version_hash != current:
                self._lapse(request, Lapse.DOCUMENT_CHANGED)

    def capture_signature(
        self,
        signature_id: UUID,
        capture: SignatureCapture,
        captured_by: str,
        seal: str,
        now: datetime,
    ) -> None:
        super().capture_signature(signature_id, capture, captured_by, seal, now)
        if capture.capacity is Capacity.CUSTOMER:  # signed on paper: the open link is moot
            for request in self._open_requests():
                self._lapse(request, Lapse.SIGNED_ON_PAPER)
