"""Which domain events a service publishes, as which public contract (invariant 6).

A contract is built from its domain event by attribute: the event's fields that the contract
names, and the aggregate id under the contract's ``aggregate_field`` unless the event states
that field itself. A domain event that maps to
no contract stays internal.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.utils import TopicError, resolve_topic

from contracts import IntegrationEvent


class _Attributes:
    """The event's attributes, with its aggregate id also under the contract's name for it when
    the event has no field of that name (an aggregate keyed apart from what the contract names,
    as billing's exposure of a customer, states it in its events)."""

    __slots__ = ("_event", "_id_field")

    def __init__(self, event: DomainEventProtocol[UUID], id_field: str) -> None:
        self._event = event
        self._id_field = id_field

    def __getattr__(self, name: str) -> Any:
        if name == self._id_field and not hasattr(self._event, name):
            return self._event.originator_id
        return getattr(self._event, name)


class Outbound:
    def __init__(self, contracts: Mapping[type, type[IntegrationEvent]]) -> None:
        self._contracts = dict(contracts)
        self._by_class: dict[type, type[IntegrationEvent] | None] = {}

    def including(self, *contracts: Mapping[type, type[IntegrationEvent]]) -> Outbound:
        """This mapping and ``contracts`` (what the features an application inherits publish)."""
        merged: dict[type, type[IntegrationEvent]] = {}
        for mapping in (*contracts, self._contracts):
            merged.update(mapping)
        return Outbound(merged)

    @property
    def published(self) -> tuple[type[IntegrationEvent], ...]:
        return tuple(dict.fromkeys(self._contracts.values()))

    def publishes(self, event: DomainEventProtocol[UUID]) -> bool:
        return self._contract_for(type(event)) is not None

    def publishes_topic(self, topic: str) -> bool:
        """Whether a stored event of ``topic`` is published, from its topic alone: the relay
        decodes only what it publishes. An unknown topic counts as published, so that decoding
        it names the problem."""
        try:
            return self._contract_for(resolve_topic(topic)) is not None
        except TopicError:
            return True

    def __call__(self, event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
        contract = self._contract_for(type(event))
        if contract is None:
            return None
        return contract.model_validate(
            _Attributes(event, contract.aggregate_field), from_attributes=True
        )

    def _contract_for(self, event_class: type) -> type[IntegrationEvent] | None:
        try:
            return self._by_class[event_class]
        except KeyError:
            found = next(
                (self._contracts[k] for k in event_class.__mro__ if k in self._contracts), None
            )
            self._by_class[event_class] = found
            return found
