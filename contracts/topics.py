"""Topic names: one events topic per service, keyed by aggregate id, and its dead-letter topic;
one topic where every service publishes its store's signed checkpoints, keyed by service."""

from typing import Final

SERVICES: Final = ("customers", "orders", "service-desk", "billing")


ANY_SERVICE: Final = "any"
"""The producer of the kernel's contracts (approvals, signatures...): every service publishes
them, on its own events topic."""


def events_topic(service: str) -> str:
    return f"{service}.events"


def producer_topics(producer: str) -> tuple[str, ...]:
    """The events topics a contract of ``producer`` travels on."""
    return tuple(map(events_topic, SERVICES if producer == ANY_SERVICE else (producer,)))


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"


CHECKPOINTS_TOPIC: Final = "countersign.checkpoints"
