"""`countersign audit`: verify the event stores' chains, employee signatures and witnessed heads,
export the heads to keep off-site, and trace a document's audit trail across the services."""

from __future__ import annotations

import functools
import os
import sqlite3
import sys
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Annotated, Any
from uuid import UUID

import orjson
import psycopg
import typer
from rich.table import Table
from rich.text import Text

from contracts.audit import StoreCheckpoint
from contracts.topics import SERVICES
from countersign.console import (
    AsJson,
    DatabaseUrl,
    DataDir,
    KeysDir,
    console,
    errors,
    fail,
    print_json,
    progress_bar,
    store_settings,
)
from countersign.services import SPECS
from kernel.audit.signatures import checker_for
from kernel.audit.trail import DocumentNotFound, Trail, TrailEntry, document_trail
from kernel.audit.verify import (
    StoreError,
    StoreReport,
    by_position,
    open_stores,
    store_location,
    verify_stores,
)
from kernel.audit.witnesses import (
    CrossCheck,
    ExportError,
    collect,
    cross_check,
    export,
    load_export,
    newest_heads,
)
from kernel.settings import KernelSettings
from runtime.signing import KeyRing, KeyRingError
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


@dataclass
class Verified:
    report: StoreReport
    witnessed: CrossCheck


@audit_app.command("verify")
def verify_command(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    keys_dir: KeysDir = None,
    against: Annotated[
        Path | None,
        typer.Option(help="Also check the stores against heads exported by `audit heads`."),
    ] = None,
    workers: Annotated[
        int, typer.Option(min=1, help="Processes that verify ranges in parallel. Default: cores.")
    ] = os.cpu_count() or 1,
    as_json: AsJson = False,
) -> None:
    """Verify every chain, employee signature and witnessed head; exit 1 naming what fails.

    The four stores, on SQLite or PostgreSQL: each event's hash and its link in its stream, the
    store's log of all events in order, the signatures (approvals and rejections, captured
    signatures' seals, voids, the general manager's policy approvals), and each store against
    the heads its service signed that the other services witnessed (and ``--against`` an
    export), and every snapshot rebuilt from the events. Reports how many of each store's
    newest events no witness has seen yet.
    """
    settings = store_settings(data_dir, database_url)
    keys, key_ring = _key_ring(settings, keys_dir)
    exported: list[tuple[str, StoreCheckpoint]] = []
    if against is not None:
        try:
            exported_at, heads = load_export(against)
        except ExportError as exc:
            raise fail(str(exc)) from None
        name = f"the export {against.name}" + (
            f" of {exported_at:%Y-%m-%d %H:%M}" if exported_at else ""
        )
        exported = [(name, head) for head in heads]
    locations = [store_location(settings, service) for service in SERVICES]
    try:
        with open_stores(settings) as stores:
            collected = collect(stores, key_ring, exported)
            totals = {service: store.count() for service, store in stores.items()}
        with progress_bar("{task.description:<13}", show=not as_json) as progress:
            tasks = {s: progress.add_task(s, total=total) for s, total in totals.items()}
            reports = verify_stores(
                locations,
                functools.partial(checker_for, key_ring),
                workers,
                lambda service, n: progress.advance(tasks[service], n),
            )
        with open_stores(settings) as stores:
            verified = {
                service: None
                if report is None
                else Verified(
                    report, cross_check(stores[service], report, collected.heads.get(service, []))
                )
                for service, report in reports.items()
            }
    except READ_ERRORS as exc:
        raise fail(f"cannot read the stores: {exc}") from None
    failures = sorted(
        (
            f
            for v in verified.values()
            if v is not None
            for f in (*v.report.failures, *v.witnessed.failures)
        ),
        key=by_position,
    )
    sound = [s for s, v in verified.items() if v is not None and not v.report.failures]
    snapshots, snapshot_problems = _snapshots(settings.model_copy(update={"keys_dir": keys}), sound)
    if as_json:
        print_json(
            {
                "ok": not failures and not snapshot_problems,
                "stores": {service: _verified_json(v) for service, v in verified.items()},
                "snapshots_rebuilt": snapshots,
                "failures": [str(failure) for failure in failures],
                "snapshot_problems": snapshot_problems,
                "warnings": collected.problems,
            }
        )
        if failures or snapshot_problems:
            raise typer.Exit(code=1)
        return
    console.print(_summary(verified))
    for problem in collected.problems:
        errors.print(Text("warning: ", style="bold yellow") + Text(problem), soft_wrap=True)
    for service, checked in snapshots.items():
        console.print(f"{service}: {checked:,} snapshots rebuilt from the events")
    if failures or snapshot_problems:
        for failure in failures[:_LISTED_FAILURES]:
            errors.print(
                Text("audit failed: ", style="bold red") + Text(str(failure)), soft_wrap=True
            )
        if len(failures) > _LISTED_FAILURES:
            errors.print(f"... and {len(failures) - _LISTED_FAILURES} more", soft_wrap=True)
        for problem in snapshot_problems[:_LISTED_FAILURES]:
            errors.print(Text("audit failed: ", style="bold red") + Text(problem), soft_wrap=True)
        raise typer.Exit(code=1)


def _snapshots(settings: KernelSettings, services: list[str]) -> tuple[dict[str, int], list[str]]:
    """Each service's snapshots rebuilt from its events (only where its chains verified): how
    many, and what did not match."""
    checked, problems = {}, []
    for service in services:
        with closing(SPECS[service].application(settings)) as app:
            report = app.snapshot_cache.verify()
        checked[service] = report.checked
        problems += [f"{service}: {problem}" for problem in report.problems]
    return checked, problems


def _verified_json(verified: Verified | None) -> dict[str, Any] | None:
    """A store's line of the summary, for ``--json`` (None: the service has no store)."""
    if verified is None:
        return None
    report, witnessed = verified.report, verified.witnessed
    return {
        "ok": not report.failures and not witnessed.failures,
        "streams": report.streams,
        "events": report.events,
        "signatures": report.signatures,
        "witnessed_up_to": witnessed.witnessed_up_to,
        "not_yet_witnessed": witnessed.unwitnessed,
    }


_LISTED_FAILURES = 10


def _key_ring(settings: KernelSettings, keys_dir: Path | None) -> tuple[Path, KeyRing]:
    keys = keys_dir or settings.keys_path
    try:
        return keys, KeyRing.load(keys)
    except KeyRingError as exc:  # missing, or a ledger that does not hold together
        raise fail(f"{exc}: no signature can be checked without it") from None


def _summary(verified: dict[str, Verified | None]) -> Table:
    table = Table(title="audit verify")
    table.add_column("service")
    table.add_column("streams", justify="right")
    table.add_column("events", justify="right")
    table.add_column("signatures", justify="right")
    table.add_column("witnessed up to", justify="right")
    table.add_column("not yet witnessed", justify="right")
    table.add_column("result")
    for service, found in verified.items():
        if found is None:
            table.add_row(service, *["-"] * 5, Text("no store", style="dim"))
            continue
        report, witnessed = found.report, found.witnessed
        counts = (
            f"{report.streams:,}",
            f"{report.events:,}",
            f"{report.signatures:,}",
            f"{witnessed.witnessed_up_to:,}" if witnessed.witnessed_up_to else "-",
            f"{witnessed.unwitnessed:,}",
        )
        first = min([*report.failures, *witnessed.failures], key=by_position, default=None)
        if first is None:
            table.add_row(service, *counts, Text("OK", style="green"))
        else:
            where = f"position {first.position}"
            if first.stream is not None:
                where += f", {first.stream} v{first.version}"
            table.add_row(service, *counts, Text(f"FAILED at {where}", style="bold red"))
    return table


@audit_app.command("heads")
def heads_command(
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    keys_dir: KeysDir = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file, not stdout.")
    ] = None,
) -> None:
    """Export each store's newest head that its service signed and another service witnessed,
    to keep off-site: `audit verify --against FILE` later checks the stores against it."""
    settings = store_settings(data_dir, database_url)
    _, key_ring = _key_ring(settings, keys_dir)
    try:
        with open_stores(settings) as stores:
            collected = collect(stores, key_ring)
    except READ_ERRORS as exc:
        raise fail(f"cannot read the stores: {exc}") from None
    for problem in collected.problems:
        errors.print(Text("warning: ", style="bold yellow") + Text(problem), soft_wrap=True)
    document = export(newest_heads(collected))
    if output is None:
        sys.stdout.write(document.decode() + "\n")
    else:
        output.write_bytes(document + b"\n")
        errors.print(f"{len(newest_heads(collected))} head(s) written to {output}")


@audit_app.command("trail")
def trail_command(
    document_type: Annotated[str, typer.Argument(help="The document type, e.g. customer.")],
    document_id: Annotated[UUID, typer.Argument(help="The document's id.")],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """A document's story in order, then what it caused in the other services.

    Who requested, approved or rejected it in which role under which policy version, and which
    version hash they saw; who signed it in what capacity; invalidations and voids. Then the
    events other services recorded under the same correlation ids. Exit 1 if not found.
    """
    settings = store_settings(data_dir, database_url)
    try:
        with open_stores(settings) as stores:
            trail = document_trail(stores, document_type, document_id)
    except DocumentNotFound as exc:
        raise fail(str(exc)) from None
    except READ_ERRORS as exc:
        raise fail(f"cannot read the stores: {exc}") from None
    if as_json:
        print_json(trail.as_json())
    else:
        console.print(_trail_table(trail))


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
