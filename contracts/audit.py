"""A service's signed statement of its store's head, published on ``countersign.checkpoints``.

Not an integration event (no envelope, no aggregate): the message is the checkpoint itself,
keyed by the service's name. What the service signs, with its own Ed25519 key
(``service:<name>`` in the key ring), is the RFC 8785 canonical JSON of :meth:`signed_fields`.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from contracts.values import Digest, Instant, Name, Signature


class StoreCheckpoint(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    service: Name = Field(description="The service whose store this is")
    position: int = Field(ge=1, le=2**53 - 1, description="The newest notification id")
    head: Digest = Field(description="The store's log hash at that position (SHA-256, hex)")
    signed_at: Instant
    signer: Name = Field(description="The key that signed: service:<name>")
    signature: Signature = Field(description="Base64 Ed25519 over the signed fields' RFC 8785")

    def signed_fields(self) -> dict[str, Any]:
        return {
            "action": "store-checkpoint",
            "service": self.service,
            "position": self.position,
            "head": self.head,
            "signed_at": self.signed_at.isoformat(),
        }
