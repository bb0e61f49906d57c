"""The skeleton flow again, with every service's event store on a real PostgreSQL server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from countersign.stack import Stack
from tests.conftest import requires_postgres
from tests.e2e.conftest import running_stack
from tests.e2e.test_skeleton import (
    test_every_store_is_witnessed_and_verifies_after_the_flow,
    test_refused_command_names_the_rule_and_changes_nothing,
    test_skeleton_flow_customer_to_shipment_exposure_and_service_vouchers,
)

pytestmark = requires_postgres

__all__ = [
    "test_every_store_is_witnessed_and_verifies_after_the_flow",
    "test_refused_command_names_the_rule_and_changes_nothing",
    "test_skeleton_flow_customer_to_shipment_exposure_and_service_vouchers",
]


@pytest.fixture(scope="module")
async def stack(
    tmp_path_factory: pytest.TempPathFactory, module_postgres_url: str
) -> AsyncIterator[Stack]:
    root = tmp_path_factory.mktemp("pg-stack")
    async with running_stack(root, database_url=module_postgres_url) as running:
        yield running
