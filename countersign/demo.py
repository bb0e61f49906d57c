"""`countersign demo`: drive one order-to-cash flow through the four running services' HTTP APIs
with the development tokens, reporting each step as it happens."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from countersign.approving import put_policies_in_force
from countersign.flows import Delivered, FlowClient, Report, order_to_cash


def run_demo(
    urls: Mapping[str, str], report: Report, keys_dir: Path, timeout: float = 60.0
) -> Delivered:
    """Policies in force in every service, then the order-to-cash flow
    (``countersign.flows.order_to_cash``), each step reported. Returns what it created."""
    client = FlowClient(urls, keys_dir, timeout)
    try:
        for service, url in urls.items():
            versions = put_policies_in_force(client.http, url, keys_dir)
            in_force = ", ".join(f"{key} v{version}" for key, version in sorted(versions.items()))
            report(f"{service:<10} {in_force} in force, signed by the general manager")
        return order_to_cash(client, report)
    finally:
        client.close()
