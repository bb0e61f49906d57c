"""History: what one command costs on an aggregate with 10, 1,000 and 10,000 prior events.

A command loads its aggregate from the store, changes it and commits one event. With snapshots
(``runtime.snapshots``, every 100 events) loading reads the newest snapshot and the events after
it; the baseline, measured in the same run on the same store, replays every event (snapshots
off). The aggregate is a meter whose every reading is an event, the shape of a product's service
history.

    python -m bench.history [--sizes 10,1000,10000] [--commands N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import Self
from uuid import UUID

from runtime.aggregate import Aggregate
from runtime.application import ServiceApplication, command
from runtime.settings import Settings
from runtime.signing import init_dev_keys, service_key_id
from runtime.unit_of_work import CommandContext

READER = CommandContext(actor="technician")


class Meter(Aggregate):
    def __init__(self) -> None:
        self.serial_number: str
        self.readings = 0
        self.last = 0

    class Installed(Aggregate.Created):
        serial_number: str

    class Read(Aggregate.Event):
        value: int

        def apply(self, meter: Meter) -> None:
            meter.readings += 1
            meter.last = self.value

    @classmethod
    def install(cls, serial_number: str) -> Self:
        return cls._create(cls.Installed, serial_number=serial_number)

    def read(self, value: int) -> None:
        self.trigger_event(self.Read, value=value)


class Meters(ServiceApplication):
    service_name = "bench-history"

    @command
    def install(self, context: CommandContext, serial_number: str) -> Meter:
        return Meter.install(serial_number)

    @command
    def read(self, context: CommandContext, meter_id: UUID, value: int) -> Meter:
        meter = self.get(Meter, meter_id, "meter")
        meter.read(value)
        return meter


def build(app: Meters, size: int) -> UUID:
    """A meter with ``size`` events."""
    meter = app.install(READER, f"SN-{size}")
    for value in range(size - 1):
        app.read(READER, meter.id, value)
    return meter.id


def command_latency(app: Meters, meter_id: UUID, commands: int) -> float:
    """The median latency of one command on the meter, in milliseconds."""
    timings = []
    for value in range(commands):
        started = time.perf_counter()
        app.read(READER, meter_id, value)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def main(argv: list[str] | None = None) -> float:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10,1000,10000")
    parser.add_argument("--commands", type=int, default=40)
    args = parser.parse_args(argv)
    sizes = [int(size) for size in args.sizes.split(",")]
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        init_dev_keys(data / "keys", [service_key_id(Meters.service_name)])
        with closing(Meters(Settings(data_dir=data))) as app:
            meters = {size: build(app, size) for size in sizes}
        results = {}
        for interval in (100, 0):  # with snapshots, then the replay baseline
            with closing(Meters(Settings(data_dir=data, snapshot_interval=interval))) as app:
                results[interval] = {
                    size: command_latency(app, meters[size], args.commands) for size in sizes
                }
    print(f"{'prior events':>12} {'with snapshots':>16} {'replaying all (baseline)':>26}")
    for size in sizes:
        print(f"{size:>12,} {results[100][size]:>13.2f} ms {results[0][size]:>23.2f} ms")
    first, last = sizes[0], sizes[-1]
    baseline = results[0][last] / results[0][first]
    print(f"growth from {first:,} to {last:,} prior events, replaying all: {baseline:.1f}x")
    ratio = results[100][last] / results[100][first]
    print(f"ratio={ratio:.2f}")
    return ratio


if __name__ == "__main__":
    main()
