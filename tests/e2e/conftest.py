"""One real stack per test module: Tansu, the topics and the four services, each its own process."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import pytest

from countersign.stack import FileSink, Stack, StackConfig
from tests.e2e.api import Api

REPO = Path(__file__).resolve().parents[2]


def stack_config(
    root: Path, *, extra_env: Mapping[str, str] | None = None, **options: object
) -> StackConfig:
    return StackConfig.on_free_ports(
        root / "data",
        modules={"orders": "tests.e2e.crashable_orders"},
        extra_env={
            "COUNTERSIGN_TEST_RELAY_CRASH_FILE": str(root / "crash-relay"),
            "PYTHONPATH": str(REPO),  # the stand-in orders module lives in tests/
            **(extra_env or {}),
        },
        **options,  # type: ignore[arg-type]
    )


@contextlib.asynccontextmanager
async def running_stack(
    root: Path, *, policies_in: tuple[str, ...] | None = None, **options: object
) -> AsyncIterator[Stack]:
    """The whole stack, healthy, with every policy in force in every service (or only in
    ``policies_in``)."""
    sink = FileSink(root / "logs")
    try:
        async with Stack(stack_config(root, **options), sink) as running:
            client = Api(running)
            await client.put_policies_in_force(*(policies_in or ()))
            await client.close()
            yield running
    finally:
        sink.close()
        print(f"service logs: {root / 'logs'}")


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with running_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture
async def api(stack: Stack) -> AsyncIterator[Api]:
    client = Api(stack)
    yield client
    await client.close()
