"""A service's HTTP API on a real store, without a broker: for tests of its routes and lists.
Projections are caught up by hand, as the running service does after each commit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient

from kernel.settings import KernelSettings
from runtime.application import ServiceApplication
from runtime.service import ServiceSpec, build_app


class ServiceClient:
    def __init__(self, spec: ServiceSpec, settings: KernelSettings) -> None:
        self.app: ServiceApplication = spec.application(settings)
        # Serving this application: no broker, no relay, no background work.
        self.http = TestClient(build_app(spec, settings, application=self.app))

    def call(self, method: str, path: str, user: str, body: Any = None) -> Any:
        """``user`` calls the route with their development token; returns the response."""
        headers = {"Authorization": f"Bearer dev-{user}"}
        return self.http.request(method, path, json=body, headers=headers)

    def ok(self, method: str, path: str, user: str, body: Any = None) -> Any:
        response = self.call(method, path, user, body)
        assert response.status_code < 300, response.text
        return response.json()

    def page(self, path: str, user: str) -> Any:
        """A list page, once the projections have seen every committed event."""
        self.app.catch_up_projections()
        return self.ok("GET", path, user)


@contextmanager
def service_client(spec: ServiceSpec, settings: KernelSettings) -> Iterator[ServiceClient]:
    client = ServiceClient(spec, settings)
    try:
        yield client
    finally:
        client.app.close()
