"""Every published contract, looked up by (event type, schema version)."""

from __future__ import annotations

from contracts import billing, customers, governance, orders, service_desk
from contracts.envelope import IntegrationEvent, UnknownContractError
from contracts.topics import producer_topics

CONTRACTS: dict[tuple[str, int], type[IntegrationEvent]] = {
    (model.event_type, model.schema_version): model
    for module in (customers, orders, service_desk, billing, governance)
    for model in module.PUBLISHED
}


def contract_for(event_type: str, schema_version: int) -> type[IntegrationEvent]:
    try:
        return CONTRACTS[(event_type, schema_version)]
    except KeyError:
        raise UnknownContractError(f"{event_type} v{schema_version}") from None


def contracts_on_topic(topic: str) -> list[type[IntegrationEvent]]:
    return [model for model in CONTRACTS.values() if topic in producer_topics(model.producer)]
