"""`countersign status`: is each running service ready, is its relay flowing, and does any of
its consumers wait (a reaction not possible yet: a policy not in force)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
from rich.table import Table
from rich.text import Text

from countersign.console import console, errors


def service_status(urls: Mapping[str, str], timeout: float = 5.0) -> dict[str, dict[str, Any]]:
    """Each service's /ready, /relay and /inbox answers; ``{"error": ...}`` for one that does not
    answer."""
    found: dict[str, dict[str, Any]] = {}
    with httpx.Client(timeout=timeout) as http:
        for service, url in urls.items():
            try:
                found[service] = {
                    "ready": http.get(f"{url}/ready").json(),
                    "relay": http.get(f"{url}/relay").json(),
                    "inbox": http.get(f"{url}/inbox").json(),
                }
            except (httpx.HTTPError, ValueError) as error:
                found[service] = {"error": f"{url}: {error}"}
    return found


def all_well(found: Mapping[str, Mapping[str, Any]]) -> bool:
    """Every service answers and is ready, its relay is not stuck and no consumer waits."""
    return all(
        "error" not in status
        and status["ready"]["ready"]
        and status["relay"]["stuck"] is None
        and not status["inbox"]["waiting"]
        for status in found.values()
    )


def print_status(found: Mapping[str, Mapping[str, Any]]) -> bool:
    """Print the table, and what is stuck and why; True when all is well."""
    table = Table(title="countersign status")
    for column in ("service", "ready", "relay position", "lag", "stuck", "consumers"):
        table.add_column(column, justify="right" if column in ("relay position", "lag") else "left")
    for service, status in found.items():
        if "error" in status:
            table.add_row(service, Text("not answering", style="bold red"), "-", "-", "-", "-")
            continue
        ready, relay, waiting_topics = status["ready"], status["relay"], status["inbox"]["waiting"]
        waiting = ", ".join(ready["waiting_for"])
        stuck = relay["stuck"]
        table.add_row(
            service,
            Text("yes", style="green") if ready["ready"] else Text(f"waiting for {waiting}"),
            f"{relay['position']:,}" if relay["active"] else "standby",
            f"{relay['lag']:,}",
            Text(f"at {stuck['position']} since {stuck['since']}", style="bold red")
            if stuck
            else Text("no", style="green"),
            Text(f"waiting on {len(waiting_topics)} topic(s)", style="bold yellow")
            if waiting_topics
            else Text("flowing", style="green"),
        )
    console.print(table)
    for service, status in found.items():
        stuck = status.get("relay", {}).get("stuck")
        if stuck:
            _tell(
                service,
                f"cannot publish notification {stuck['position']} ({stuck['event']}) after "
                f"{stuck['attempts']} attempt(s): {stuck['error']}",
            )
        elif "error" in status:
            _tell(service, status["error"])
        for waiting in status.get("inbox", {}).get("waiting", []):
            _tell(
                service,
                f"keeps {waiting['topic']} waiting since {waiting['since']} "
                f"({waiting['attempts']} attempt(s)): {waiting['rule']}: {waiting['reason']}",
                style="bold yellow",
            )
    return all_well(found)


def _tell(service: str, what: str, style: str = "bold red") -> None:
    errors.print(Text(f"{service}: ", style=style) + Text(what), soft_wrap=True)
