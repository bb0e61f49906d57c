"""The billing tests' service on a real store, with the development users' keys (the expense
chain's department head and management included) and every policy in force."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from billing.bootstrap import SPEC
from contracts.topics import SERVICES
from kernel.settings import KernelSettings
from runtime.signing import init_dev_keys, service_key_id
from tests.conftest import USERS
from tests.service_client import ServiceClient, service_client
from tests.signers import Signers

EXPENSE_USERS = ["dept-head", "management", "unit-leader", "technician", "accountant"]


@pytest.fixture
def signers(store_settings: KernelSettings) -> Signers:
    """The development keys, the expense chain's department head and management included."""
    keys = store_settings.keys_path
    init_dev_keys(keys, [*USERS, *EXPENSE_USERS, *map(service_key_id, SERVICES)])
    return Signers(keys)


@pytest.fixture
def client(store_settings: KernelSettings, signers: Signers) -> Iterator[ServiceClient]:
    with service_client(SPEC, store_settings) as client:
        signers.put_policies_in_force(client.app)
        yield client
