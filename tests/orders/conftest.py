"""The orders API on a real store with every policy in force, and the sales order's flow on it
(for the test modules that do not bring their own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kernel.settings import KernelSettings
from orders.bootstrap import SPEC
from tests.orders.order_flow import OrderFlow
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers


@pytest.fixture
def client(store_settings: KernelSettings) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        Signers(store_settings.keys_path).put_policies_in_force(client.app)
        yield client


@pytest.fixture
def flow(client: ServiceClient, store_settings: KernelSettings) -> OrderFlow:
    return OrderFlow(client, Signers(store_settings.keys_path))
