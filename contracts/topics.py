"""Topic names: one events topic per service, keyed by aggregate id, and its dead-letter topic;
one topic where every service publishes its store's signed checkpoints, keyed by service."""

from typing import Final

SERVICES: Final = ("customers", "orders", "service-desk", "billing")


def events_topic(service: str) -> str:
    return f"{service}.events"


def dlq_topic(topic: str) -> str:
    return f"{topic}.dlq"


CHECKPOINTS_TOPIC: Final = "countersign.checkpoints"
