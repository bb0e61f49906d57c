"""Employees' signatures, and the seals of customers' answers, checked again from the stored
events alone (XC-02).

``SignatureChecker`` is the ``SignatureCheck`` that ``verify`` calls with each event whose chain
verified. For a signed event it decodes the body with the transcodings the services encode with,
rebuilds the signed fields with the very functions the services sign and verify with, and checks
the signature against the employee's public key. Any other event costs one dictionary lookup.

A policy version's ``Approved`` event holds only the signature: what the general manager signed is
in the ``Proposed`` event that opens the same stream. The checker keeps the last ``Proposed`` event
it saw (they come one right before the other, in notification order) and otherwise reads it from
the store; use one checker per store.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Mapping
from typing import Any
from uuid import UUID

from eventsourcing.persistence import JSONTranscoder

from kernel.approvals import Approvals
from kernel.approvals.domain import Approvable, SignedDecision, seal_fields, void_fields
from kernel.audit.verify import AuditedEvent, StoredEvents
from kernel.policy.domain import PolicyVersion, policy_signing_fields
from kernel.signing import CustomerSigning
from kernel.signing.domain import Signable, answer_seal_fields
from runtime.signing import CanonicalForm, KeyRing, service_key_id
from runtime.store.chain import unseal
from runtime.transcoding import new_transcoder

# A signed event's check: why its signature does not verify, or None.
_Handler = Callable[[AuditedEvent, Mapping[str, Any]], str | None]


class SignatureChecker:
    """Checks the employee signatures of one store's events, called in stream order."""

    def __init__(self, key_ring: KeyRing, store: StoredEvents | None = None) -> None:
        self._key_ring = key_ring
        self._store = store
        self._transcoder = _signed_events_transcoder()
        self.checked = 0
        """Signatures checked so far."""
        self._proposed: tuple[UUID, dict[str, Any]] | None = None
        # By the classes' qualified names, as topics end: a module moved later (its old topic
        # registered as an alias) still has its stored events checked.
        self._handlers: dict[str, tuple[str, _Handler]] = {
            Approvable.ApprovalGranted.__qualname__: (
                "ApprovalGranted",
                functools.partial(self._decision, "grant"),
            ),
            Approvable.ApprovalRejected.__qualname__: (
                "ApprovalRejected",
                functools.partial(self._decision, "reject"),
            ),
            Approvable.SignatureCaptured.__qualname__: ("SignatureCaptured", self._captured),
            Approvable.SignatureVoided.__qualname__: ("SignatureVoided", self._voided),
            Signable.CustomerSigned.__qualname__: ("CustomerSigned", self._customer_answer),
            Signable.SigningDeclined.__qualname__: ("SigningDeclined", self._customer_answer),
            PolicyVersion.Proposed.__qualname__: ("PolicyVersion.Proposed", self._policy_proposed),
            PolicyVersion.Approved.__qualname__: ("PolicyVersion.Approved", self._policy_approved),
        }
        # Stored topic -> its handler, or None: one dictionary lookup per event.
        self._by_topic: dict[str, tuple[str, _Handler] | None] = {}

    def wants(self, topic: str) -> bool:
        return self._handler(topic) is not None

    def _handler(self, topic: str) -> tuple[str, _Handler] | None:
        try:
            return self._by_topic[topic]
        except KeyError:
            found = self._by_topic[topic] = self._handlers.get(topic.partition(":")[2])
            return found

    def __call__(self, event: AuditedEvent) -> str | None:
        found = self._handler(event.topic)
        if found is None:
            return None
        kind, handler = found
        try:
            problem = handler(event, self._transcoder.decode(event.body))
        except (ValueError, KeyError, TypeError, AttributeError) as error:
            # A careful forger can store any body under a valid chain: name it, never crash.
            return f"{kind}: cannot rebuild the signed fields from the event ({error!r})"
        return None if problem is None else f"{kind}: {problem}"

    def _check(
        self,
        what: str,
        signer: str,
        fields: Mapping[str, Any],
        state: Mapping[str, Any],
        signature: str,
    ) -> str | None:
        self.checked += 1
        # Signatures from before the form was recorded were made over sorted-key JSON.
        form = state.get("canonical_form", CanonicalForm.SORTED_JSON_V1)
        # Against the key the signer held when the event was recorded: a later rotation leaves
        # it valid, a revocation before it does not.
        if self._key_ring.verify(signer, fields, signature, form, at=state["timestamp"]):
            return None
        return (
            f"the {what} of {signer} does not verify against the key {signer} held then "
            "(forged or altered, or no key of theirs valid at that instant in the key ring)"
        )

    def _decision(self, action: str, event: AuditedEvent, state: Mapping[str, Any]) -> str | None:
        signer = state["approver_id"]
        fields = SignedDecision(
            action,
            state["document_type"],
            event.originator_id,
            state["approval_id"],
            state["step"],
            state["subject_version_hash"],
            state["policy_version"],
            signer,
        ).fields()
        return self._check(f"{action} signature", signer, fields, state, state["signature"])

    def _captured(self, event: AuditedEvent, state: Mapping[str, Any]) -> str | None:
        signer = state["captured_by"]
        fields = seal_fields(
            state["document_type"],
            event.originator_id,
            state["document_version_hash"],
            state["capture"],
            signer,
        )
        return self._check("seal", signer, fields, state, state["seal"])

    def _customer_answer(self, event: AuditedEvent, state: Mapping[str, Any]) -> str | None:
        # Sealed by the service that owns the store, with its own key: no other may.
        signer, answer = state["sealed_by"], state["answer"]
        if signer != service_key_id(event.service):
            return f"sealed by {signer}, not by the service that owns the document"
        image = state.get("image")
        if image is not None and hashlib.sha256(image).hexdigest() != answer.image_hash:
            return "the stored signature image is not the one the seal names"
        fields = answer_seal_fields(
            state["document_type"],
            event.originator_id,
            state["document_version_hash"],
            state["request_id"],
            answer,
            signer,
        )
        return self._check("seal", signer, fields, state, state["seal"])

    def _voided(self, event: AuditedEvent, state: Mapping[str, Any]) -> str | None:
        signer = state["approved_by"]
        fields = void_fields(event.originator_id, state["signature_id"], state["reason"], signer)
        return self._check(
            "void approval signature", signer, fields, state, state["approval_signature"]
        )

    def _read_proposed(self, event: AuditedEvent) -> None:
        """The Proposed event that opens ``event``'s stream, read from the store (the range
        being verified may start after it)."""
        if self._store is None:
            return
        rows = self._store.stream(event.originator_id)
        if not rows or not rows[0][2].endswith(PolicyVersion.Proposed.__qualname__):
            return
        _, version, topic, state, position = rows[0]
        body = unseal(bytes(state))[2]
        opening = AuditedEvent(event.service, position, event.originator_id, version, topic, body)
        self._policy_proposed(opening, self._transcoder.decode(body))

    def _policy_proposed(self, event: AuditedEvent, state: Mapping[str, Any]) -> None:
        fields = policy_signing_fields(state["policy_key"], state["number"], state["digest"])
        self._proposed = (event.originator_id, fields)

    def _policy_approved(self, event: AuditedEvent, state: Mapping[str, Any]) -> str | None:
        if self._proposed is None or self._proposed[0] != event.originator_id:
            self._read_proposed(event)
        if self._proposed is None or self._proposed[0] != event.originator_id:
            return "its stream does not open with the Proposed event that holds the signed fields"
        signer = state["approved_by"]
        return self._check(
            "policy approval signature", signer, self._proposed[1], state, state["signature"]
        )


@functools.cache
def _signed_events_transcoder() -> JSONTranscoder:
    # The transcodings the services store signed events with, so the decoded values are the very
    # objects that were signed (UUID, datetime, the signature capture...). Should a signed field
    # ever use another one, decoding fails: the event fails, never passes.
    return new_transcoder(
        (*Approvals.feature.value_objects, *CustomerSigning.feature.value_objects)
    )


def checker_for(key_ring: KeyRing, store: StoredEvents) -> SignatureChecker:
    """A checker for ``store``: what a verifying process makes for each range it verifies
    (``functools.partial(checker_for, key_ring)`` crosses to it)."""
    return SignatureChecker(key_ring, store)
