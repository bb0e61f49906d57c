"""Store checkpoints: every service signs its store's head and publishes it; every other service
witnesses it in its own database.

Someone who can write one database can rewrite its events and recompute every hash of its chains
(``runtime.store.chain``). They cannot sign as the service (its private key is not in the
database) nor reach the other services' databases, where the signed heads they witnessed stay.
``countersign audit verify`` compares each store with the heads the others witnessed: a rewrite,
deletion or truncation of anything at or before a witnessed head shows.

A service publishes a checkpoint at most every ``checkpoint_seconds`` while its head moves (one
instance of it signs, when it runs replicas: ``runtime.leader``). A witness keeps each checkpoint
once per (service, position, head); the checkpoints are not events in its store, so witnessing
does not move its own head (two services would otherwise keep checkpointing each other's
witnessing forever). A service that was down reads the checkpoints it missed from the topic
when it is back (its consumer group's committed offsets).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaProducer, ConsumerRecord
from aiokafka.errors import KafkaError
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from faststream.kafka import KafkaBroker
from faststream.kafka.message import KafkaMessage
from pydantic import ValidationError
from sqlalchemy import BigInteger, Column, MetaData, String, Table, select

from contracts.audit import StoreCheckpoint
from contracts.topics import CHECKPOINTS_TOPIC
from runtime import clock, metrics
from runtime.application import ServiceApplication
from runtime.kafka import batch_subscriber
from runtime.leader import ServiceLock
from runtime.settings import Settings
from runtime.signing import KeyRing, service_key_id, sign

log = logging.getLogger(__name__)

WITNESSED = Table(
    "witnessed_checkpoints",
    MetaData(),
    Column("service", String(64), primary_key=True),
    Column("position", BigInteger, primary_key=True),
    Column("head", String(64), primary_key=True),
    Column("signed_at", String(40), nullable=False),
    Column("signer", String(100), nullable=False),
    Column("signature", String(200), nullable=False),
    Column("witnessed_at", String(40), nullable=False),
)


def sign_checkpoint(
    service: str, head: tuple[int, bytes], key: Ed25519PrivateKey, at: datetime
) -> StoreCheckpoint:
    unsigned = StoreCheckpoint(
        service=service,
        position=head[0],
        head=head[1].hex(),
        signed_at=at,
        signer=service_key_id(service),
        signature="AA==",
    )
    return unsigned.model_copy(update={"signature": sign(key, unsigned.signed_fields())})


def checkpoint_verifies(checkpoint: StoreCheckpoint, key_ring: KeyRing) -> bool:
    """Signed by the key of the service it speaks for, over exactly these fields."""
    return checkpoint.signer == service_key_id(checkpoint.service) and key_ring.verify(
        checkpoint.signer, checkpoint.signed_fields(), checkpoint.signature, at=checkpoint.signed_at
    )


def checkpoint_of(row: Mapping[str, Any]) -> StoreCheckpoint:
    """A witnessed row (its columns by name) as the checkpoint it records."""
    return StoreCheckpoint(
        service=row["service"],
        position=row["position"],
        head=row["head"],
        signed_at=datetime.fromisoformat(row["signed_at"]),
        signer=row["signer"],
        signature=row["signature"],
    )


class Checkpointer:
    """Signs and publishes the service's store head while it moves."""

    def __init__(
        self,
        application: ServiceApplication,
        producer: AIOKafkaProducer,
        settings: Settings,
        lock: ServiceLock,
    ) -> None:
        self._application = application
        self._producer = producer
        self._settings = settings
        self._lock = lock
        """One instance of the service signs its heads: its replicas' would be the same ones."""
        self._service = application.service_name
        self.last: StoreCheckpoint | None = None
        """The newest checkpoint the broker acknowledged."""

    async def run(self, producing: asyncio.Event) -> None:
        key = self._application.own_key
        if key is None:
            log.error(
                "no key %s in %s: this store's head is not signed, so a rewrite of its "
                "database can only be caught by its own chains",
                service_key_id(self._service),
                self._settings.keys_path,
            )
            return
        await producing.wait()
        while True:
            await asyncio.sleep(self._settings.checkpoint_seconds)
            try:
                if await asyncio.to_thread(self._lock.try_acquire):
                    await self.publish(key)
            except Exception:
                log.exception("could not checkpoint the store; trying again")

    async def publish(self, key: Ed25519PrivateKey) -> None:
        head = await asyncio.to_thread(self._application.store_head)
        if head is None or (self.last is not None and self.last.position == head[0]):
            return
        checkpoint = sign_checkpoint(self._service, head, key, clock.now())
        try:
            await self._producer.send_and_wait(
                CHECKPOINTS_TOPIC,
                key=self._service.encode(),
                value=checkpoint.model_dump_json().encode(),
            )
        except KafkaError as error:
            log.warning("checkpoint at %d not published yet: %r", head[0], error)
            return
        self.last = checkpoint
        metrics.CHECKPOINT_POSITION.set(head[0])
        metrics.CHECKPOINT_PUBLISHED_AT.set_to_current_time()


class Witness:
    """Keeps the other services' signed checkpoints in this service's database."""

    def __init__(self, application: ServiceApplication, settings: Settings) -> None:
        self._application = application
        self._settings = settings
        self._service = application.service_name
        self._key_ring = KeyRing.load(settings.keys_path)
        self._newest_signed: dict[str, float] = {}
        with application.read_models.writing() as db:
            WITNESSED.create(db, checkfirst=True)

    def subscribe(self, broker: KafkaBroker) -> None:
        subscriber = batch_subscriber(
            broker, CHECKPOINTS_TOPIC, f"{self._service}.witness", self._settings
        )

        async def handle_batch(
            records: tuple[ConsumerRecord[bytes, bytes], ...], message: KafkaMessage
        ) -> bool:
            await asyncio.to_thread(self.witness, [record.value or b"" for record in records])
            return True

        subscriber(handle_batch)

    def witness(self, messages: Sequence[bytes]) -> int:
        """Keep the valid checkpoints of other services; returns how many were new."""
        checkpoints = [c for c in map(self._valid, messages) if c is not None]
        if not checkpoints:
            return 0
        now = clock.now().isoformat()
        new = 0
        with self._application.read_models.writing() as db:
            for checkpoint in checkpoints:
                key = (checkpoint.service, checkpoint.position, checkpoint.head)
                known = db.execute(
                    select(WITNESSED.c.position).where(
                        WITNESSED.c.service == key[0],
                        WITNESSED.c.position == key[1],
                        WITNESSED.c.head == key[2],
                    )
                ).first()
                if known is not None:
                    continue
                db.execute(
                    WITNESSED.insert().values(
                        service=checkpoint.service,
                        position=checkpoint.position,
                        head=checkpoint.head,
                        signed_at=checkpoint.signed_at.isoformat(),
                        signer=checkpoint.signer,
                        signature=checkpoint.signature,
                        witnessed_at=now,
                    )
                )
                new += 1
                signed_at = checkpoint.signed_at.timestamp()
                if signed_at > self._newest_signed.get(checkpoint.service, 0.0):
                    self._newest_signed[checkpoint.service] = signed_at
                    metrics.CHECKPOINT_WITNESSED_SIGNED_AT.labels(checkpoint.service).set(signed_at)
        metrics.CHECKPOINTS_WITNESSED.inc(new)
        return new

    def _valid(self, message: bytes) -> StoreCheckpoint | None:
        try:
            checkpoint = StoreCheckpoint.model_validate_json(message)
        except ValidationError as error:
            log.warning("ignored a malformed checkpoint: %s", error)
            return None
        if checkpoint.service == self._service:
            return None
        if not checkpoint_verifies(checkpoint, self._key_ring):
            # A service's key may be newer than this process: read the key ring once more.
            self._key_ring = KeyRing.load(self._settings.keys_path)
            if not checkpoint_verifies(checkpoint, self._key_ring):
                log.warning(
                    "ignored a checkpoint of %s at %d: its signature does not verify",
                    checkpoint.service,
                    checkpoint.position,
                )
                return None
        return checkpoint
