"""The public language between Countersign's services.

Integration events are versioned pydantic models, separate from each service's internal domain
events (ARCHITECTURE.md invariant 6). Every message on a topic is an :class:`Envelope` whose
``payload`` validates against the contract named by ``event_type`` and ``schema_version``.
"""

from contracts.envelope import Envelope, IntegrationEvent, UnknownContractError
from contracts.registry import CONTRACTS, contract_for, contracts_on_topic
from contracts.topics import (
    ANY_SERVICE,
    CHECKPOINTS_TOPIC,
    SERVICES,
    dlq_topic,
    events_topic,
    producer_topics,
)

__all__ = [
    "ANY_SERVICE",
    "CHECKPOINTS_TOPIC",
    "CONTRACTS",
    "SERVICES",
    "Envelope",
    "IntegrationEvent",
    "UnknownContractError",
    "contract_for",
    "contracts_on_topic",
    "dlq_topic",
    "events_topic",
    "producer_topics",
]
