"""Customer signing commands, for any service whose application inherits them (XC-02).

An employee asks for a customer's signature and gets a one-time link to pass on; the link's
secret is shown once and only its hash is stored. Whoever holds the link, and nothing else, opens
the page and answers it; the service seals the answer with its own key, since the customer has
none.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from kernel.approvals.commands import ApprovalCommands
from kernel.signing.domain import (
    CustomerAnswer,
    SealedAnswer,
    Signable,
    SigningRequestState,
    answer_seal_fields,
)
from runtime import clock
from runtime.aggregate import NotFound, RuleViolation
from runtime.application import command
from runtime.ids import new_id
from runtime.signing import service_key_id, sign
from runtime.unit_of_work import CommandContext

_TOKEN = re.compile(r"^([0-9a-f]{32})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class SigningLink:
    """A link issued to a customer's contact: ``token`` is shown this once, never stored."""

    request_id: UUID
    token: str
    expires_at: datetime
    document_version_hash: str


@dataclass(frozen=True)
class PageAnswer:
    """What the signing page posts, and where it came from."""

    signed: bool
    typed_name: str
    comment: str
    image: bytes | None
    """The drawn signature, PNG."""
    client_address: str
    user_agent: str


@dataclass(frozen=True)
class LinkedDocument:
    document: Signable
    request: SigningRequestState


def token_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class SigningCommands(ApprovalCommands):
    def signable(self, document_id: UUID) -> Signable:
        return self.get(Signable, document_id, "document")

    def _sealing_key(self) -> Ed25519PrivateKey:
        """The key this service seals its customers' answers with (``service:<name>``)."""
        key = self.own_key
        if key is None:
            raise RuntimeError(
                f"no key {service_key_id(self.service_name)} in {self.settings.keys_path}: "
                "customers' signatures cannot be sealed"
            )
        return key

    @command
    def request_customer_signature(
        self,
        context: CommandContext,
        document_id: UUID,
        contact_name: str,
        contact: str,
        open_for: timedelta,
    ) -> SigningLink:
        document = self.signable(document_id)
        secret = secrets.token_urlsafe(32)
        request_id, now = new_id(), clock.now()
        document.request_customer_signature(
            request_id,
            token_hash(secret),
            contact_name,
            contact,
            context.actor,
            now + open_for,
            now,
        )
        return SigningLink(
            request_id, f"{document.id.hex}.{secret}", now + open_for, document.version_hash
        )

    def linked(self, token: str) -> LinkedDocument:
        """The document and request a link opens, if it may still be answered (XC-02)."""
        found = _TOKEN.match(token)
        if found is not None:
            document = self.find(Signable, UUID(found[1]))
            request = None if document is None else document.signing_request(token_hash(found[2]))
            if document is not None and request is not None:
                document.check_link(request, clock.now())
                return LinkedDocument(document, request)
        raise NotFound("signing link", "?")

    @command
    def answer_signing_request(
        self, context: CommandContext, token: str, posted: PageAnswer
    ) -> UUID | None:
        """Record the customer's answer, sealed with this service's key; returns the signature's
        id when they signed."""
        linked = self.linked(token)
        document, request = linked.document, linked.request
        now = clock.now()
        answer = CustomerAnswer(
            signed=posted.signed,
            typed_name=posted.typed_name,
            comment=posted.comment,
            image_hash=None if posted.image is None else hashlib.sha256(posted.image).hexdigest(),
            client_address=posted.client_address,
            user_agent=posted.user_agent,
            answered_at=now,
        )
        sealed_by = service_key_id(self.service_name)
        fields = answer_seal_fields(
            document.document_type,
            document.id,
            request.version_hash,
            request.request_id,
            answer,
            sealed_by,
        )
        sealed = SealedAnswer(answer, sealed_by, sign(self._sealing_key(), fields))
        if not posted.signed:
            document.customer_declines(request, sealed, now)
            return None
        if posted.image is None:
            raise RuleViolation("XC-02", "a signature is drawn, not only typed")
        signature_id = new_id()
        document.customer_signs(signature_id, request, sealed, posted.image, now)
        return signature_id

    @command
    def expire_signing_requests(self, context: CommandContext, document_id: UUID) -> bool:
        return self.signable(document_id).expire_signing_requests(clock.now())
