"""The service's link to Kafka starts its consumers again when their group never assigns them."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from faststream.kafka import KafkaBroker

from runtime.kafka import KafkaLink


class _Producer:
    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass


class _Broker:
    """Stands in for a FastStream broker whose consumers' join completes or never does."""

    def __init__(self, joins: bool) -> None:
        self.joins = joins
        self.started = False
        self.stopped = False

    async def start(self) -> None:
        if not self.joins:
            await asyncio.Event().wait()  # a join the broker never completes
        self.started = True

    async def stop(self) -> None:
        self.stopped = True


async def test_consumers_never_assigned_are_stopped_and_started_afresh() -> None:
    made: list[list[_Broker]] = []

    def new_brokers() -> list[KafkaBroker]:
        # The first attempt's second consumer never gets its partitions; the next attempt does.
        brokers = [_Broker(joins=True), _Broker(joins=bool(made))]
        made.append(brokers)
        return cast(list[KafkaBroker], brokers)

    link = KafkaLink(cast(Any, _Producer()), new_brokers, first_delay=0.01, start_timeout=0.2)
    await asyncio.wait_for(link.connect(), timeout=10)

    assert link.consuming.is_set()
    first, second = made
    assert all(broker.stopped for broker in first)
    assert all(broker.started and not broker.stopped for broker in second)
    assert link.producing.is_set()


async def test_all_consumers_start_together() -> None:
    # Each join completes only once all three are under way: one after another would never end.
    all_joining = asyncio.Barrier(3)

    class Joining(_Broker):
        async def start(self) -> None:
            await all_joining.wait()
            self.started = True

    brokers = [Joining(joins=True) for _ in range(3)]
    link = KafkaLink(cast(Any, _Producer()), lambda: cast(list[KafkaBroker], brokers))
    await asyncio.wait_for(link.connect(), timeout=10)

    assert all(broker.started for broker in brokers)
