"""`countersign audit`: verify the event stores' hash chains and employee signatures, and trace
a document's audit trail across the services."""

from __future__ import annotations

import contextlib
import functools
import sqlite3
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import orjson
import psycopg
import typer
from rich.progress import Progress
from rich.table import Table
from rich.text import Text

from contracts.topics import SERVICES
from countersign.console import (
    DatabaseUrl,
    DataDir,
    console,
    errors,
    fail,
    progress_bar,
    store_settings,
)
from kernel.audit.signatures import SignatureChecker
from kernel.audit.trail import DocumentNotFound, Trail, TrailEntry, document_trail
from kernel.audit.verify import StoredEvents, StoreError, StoreReport, open_store, verify
from kernel.settings import KernelSettings
from runtime.signing import PUBLIC_KEYS_FILE, KeyRing
from runtime.store.chain import ChainError

audit_app = typer.Typer(
    help="The audit trail: verify the event stores' hash chains and employee signatures, "
    "trace a document across the services.",
    no_args_is_help=True,
)
# Errors reading a store: the store's own, and a state without a chain header (the trail).
READ_ERRORS = (StoreError, ChainError, sqlite3.Error, psycopg.Error)


@audit_app.callback()
def audit() -> None:
    """The audit trail: verify the event stores, trace a document across the services."""
    # Without a callback, typer would make a lone command the group itself (`audit` instead of
    # `audit verify`).


@dataclass(frozen=True)
class Verified:
    report: StoreReport
    signatures: int
    """Employee signatures checked."""


@audit_app.command("verify")
def verify_command(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    keys_dir: Annotated[
        Path | None,
        typer.Option(
            help="Folder of the employees' public keys (public-keys.toml). "
            "Default: COUNTERSIGN_KEYS_DIR, else <data dir>/keys."
        ),
    ] = None,
) -> None:
    """Verify every hash chain and employee signature; exit 1 naming the first event that fails.

    The four stores, on SQLite or PostgreSQL. Signatures: approvals and rejections, captured
    signatures' seals, voids, and the general manager's approvals of the authority matrix.
    """
    settings = store_settings(data_dir, database_url)
    keys = keys_dir or settings.keys_path
    if not (keys / PUBLIC_KEYS_FILE).exists():
        errors.print(
            Text("warning: ", style="bold yellow")
            + Text(f"no {PUBLIC_KEYS_FILE} in {keys}: any signed event will fail to verify"),
            soft_wrap=True,
        )
    try:
        key_ring = KeyRing.load(keys)
    except (ValueError, KeyError) as exc:  # malformed TOML, no [public_keys], a bad key
        raise fail(f"cannot read the public keys in {keys}: {exc!r}") from None
    reports: dict[str, Verified | None] = {}
    with progress_bar("{task.description:<13}") as progress:
        for service in SERVICES:
            try:
                reports[service] = _verify_store(settings, service, key_ring, progress)
            except READ_ERRORS as exc:
                raise fail(f"cannot read the {service} store: {exc}") from None
    console.print(_summary(reports))
    failures = [
        r.report.failure for r in reports.values() if r is not None and r.report.failure is not None
    ]
    if failures:
        message = Text("audit failed: ", style="bold red") + Text(str(failures[0]))
        errors.print(message, soft_wrap=True)
        raise typer.Exit(code=1)


def _verify_store(
    settings: KernelSettings, service: str, key_ring: KeyRing, progress: Progress
) -> Verified | None:
    store = open_store(settings, service)
    if store is None:
        return None
    with contextlib.closing(store):
        task = progress.add_task(service, total=store.count())
        # One checker per store: it carries a policy stream's proposal to its approval.
        check = SignatureChecker(key_ring)
        report = verify(store, check, advance=functools.partial(progress.advance, task))
        return Verified(report, check.checked)


def _summary(reports: dict[str, Verified | None]) -> Table:
    table = Table(title="audit verify")
    table.add_column("service")
    table.add_column("streams", justify="right")
    table.add_column("events", justify="right")
    table.add_column("signatures", justify="right")
    table.add_column("result")
    for service, verified in reports.items():
        if verified is None:
            table.add_row(service, "-", "-", "-", Text("no store", style="dim"))
            continue
        report = verified.report
        counts = (f"{report.streams:,}", f"{report.events:,}", f"{verified.signatures:,}")
        if report.failure is None:
            table.add_row(service, *counts, Text("OK", style="green"))
        else:
            failure = report.failure
            result = Text(f"FAILED at {failure.stream} v{failure.version}", style="bold red")
            table.add_row(service, *counts, result)
    return table


@audit_app.command("trail")
def trail_command(
    document_type: Annotated[str, typer.Argument(help="The document type, e.g. customer.")],
    document_id: Annotated[UUID, typer.Argument(help="The document's id.")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
) -> None:
    """A document's story in order, then what it caused in the other services.

    Who requested, approved or rejected it in which role under which policy version, and which
    version hash they saw; who signed it in what capacity; invalidations and voids. Then the
    events other services recorded under the same correlation ids. Exit 1 if not found.
    """
    settings = store_settings(data_dir, database_url)
    try:
        with _open_stores(settings) as stores:
            trail = document_trail(stores, document_type, document_id)
    except DocumentNotFound as exc:
        raise fail(str(exc)) from None
    except READ_ERRORS as exc:
        raise fail(f"cannot read the stores: {exc}") from None
    if as_json:
        sys.stdout.write(orjson.dumps(trail.as_json(), option=orjson.OPT_INDENT_2).decode())
        sys.stdout.write("\n")
    else:
        console.print(_trail_table(trail))


@contextlib.contextmanager
def _open_stores(settings: KernelSettings) -> Iterator[dict[str, StoredEvents]]:
    with contextlib.ExitStack() as opened:
        stores = {}
        for service in SERVICES:
            store = open_store(settings, service)
            if store is not None:
                stores[service] = opened.enter_context(contextlib.closing(store))
        yield stores


def _trail_table(trail: Trail) -> Table:
    table = Table(title=f"audit trail: {trail.document_type} {trail.document_id} ({trail.service})")
    table.add_column("#", justify="right")
    table.add_column("service", no_wrap=True)
    table.add_column("at (UTC)", no_wrap=True)
    table.add_column("actor", no_wrap=True)
    table.add_column("event", no_wrap=True)
    table.add_column("details")
    for entry in trail.events:
        table.add_row(Text(str(entry.version)), *_cells(entry))
    if trail.related:
        table.add_section()
    for entry in trail.related:
        # Another service's stream: its own version is not the document's.
        table.add_row(Text(""), *_cells(entry), style="cyan")
    return table


# The table leads with what an auditor asks (who decided which step in which role under which
# policy, on which version; who signed in what capacity, how; why) and leaves ids, redundant and
# empty fields to --json.
_FIRST = (
    "step",
    "approver_id",
    "approver_role",
    "policy_version",
    "subject_version_hash",
    "document_version_hash",
    "capture.signer_name",
    "capture.capacity",
    "capture.method",
    "reason",
)
_TABLE_OMITS = frozenset({"document_type", "step_order", "approval_id", "signature_id"})


def _cells(entry: TrailEntry) -> tuple[Text, ...]:
    at = entry.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    fields = _flat(entry.details)
    names = [n for n in _FIRST if n in fields] + [n for n in fields if n not in _FIRST]
    details = ", ".join(
        f"{name}={_text(fields[name])}"
        for name in names
        if name not in _TABLE_OMITS and fields[name] not in ("", None, [])
    )
    # Text, not markup: stored values may hold brackets.
    return tuple(
        Text(cell) for cell in (entry.service, at, entry.actor or "-", entry.event, details)
    )


def _flat(details: dict[str, Any]) -> dict[str, Any]:
    """A value object's fields (a signature capture) as ``capture.signer_name`` and so on; an
    approval step and the like, which have a name, keep it."""
    flat: dict[str, Any] = {}
    for name, value in details.items():
        if isinstance(value, dict) and "name" not in value:
            flat.update({f"{name}.{inner}": v for inner, v in value.items()})
        else:
            flat[name] = value
    return flat


def _text(value: Any) -> str:
    if isinstance(value, str):
        # Version hashes are SHA-256 hex: their first 12 digits tell them apart on screen.
        return value[:12] + "…" if len(value) == 64 else value
    if isinstance(value, dict):
        # An approval step and the like: its name says enough in a table.
        return str(value["name"]) if "name" in value else orjson.dumps(value).decode()
    if isinstance(value, list):
        return "[" + ", ".join(_text(v) for v in value) + "]"
    return str(value)
