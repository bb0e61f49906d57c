"""`countersign audit`: verify the hash chains and signatures of every service's event store."""

from __future__ import annotations

import contextlib
import functools
import sqlite3
from pathlib import Path
from typing import Annotated

import psycopg
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from chassis.audit.verify import StoreError, StoreReport, open_store, verify
from chassis.settings import Settings
from contracts.topics import SERVICES

audit_app = typer.Typer(
    help="The audit trail: verify the event stores' hash chains and signatures.",
    no_args_is_help=True,
)
console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


@audit_app.callback()
def audit() -> None:
    """The audit trail: verify the event stores' hash chains and signatures."""
    # Without a callback, typer would make a lone command the group itself (`audit` instead of
    # `audit verify`).


@audit_app.command("verify")
def verify_command(
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Folder of the SQLite stores. Default: COUNTERSIGN_DATA_DIR, else data."),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            help="PostgreSQL URL, empty for SQLite. Default: COUNTERSIGN_DATABASE_URL, else empty."
        ),
    ] = None,
) -> None:
    """Verify every hash chain in the four stores; exit 1 naming the first event that fails."""
    settings = Settings()
    if data_dir is not None:
        settings.data_dir = data_dir
    if database_url is not None:
        settings.database_url = database_url
    reports: dict[str, StoreReport | None] = {}
    with Progress(
        TextColumn("{task.description:<13}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("events"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        for service in SERVICES:
            try:
                reports[service] = _verify_store(settings, service, progress)
            except (StoreError, sqlite3.Error, psycopg.Error) as exc:
                reason = f"cannot read the {service} store: {exc}"
                errors.print(Text("error: ", style="bold red") + reason, soft_wrap=True)
                raise typer.Exit(code=1) from None
    console.print(_summary(reports))
    failures = [r.failure for r in reports.values() if r is not None and r.failure is not None]
    if failures:
        message = Text("audit failed: ", style="bold red") + Text(str(failures[0]))
        errors.print(message, soft_wrap=True)
        raise typer.Exit(code=1)


def _verify_store(settings: Settings, service: str, progress: Progress) -> StoreReport | None:
    store = open_store(settings, service)
    if store is None:
        return None
    with contextlib.closing(store):
        task = progress.add_task(service, total=store.count())
        return verify(store, advance=functools.partial(progress.advance, task))


def _summary(reports: dict[str, StoreReport | None]) -> Table:
    table = Table(title="audit verify")
    table.add_column("service")
    table.add_column("streams", justify="right")
    table.add_column("events", justify="right")
    table.add_column("result")
    for service, report in reports.items():
        if report is None:
            table.add_row(service, "-", "-", Text("no store", style="dim"))
        elif report.failure is None:
            table.add_row(
                service, f"{report.streams:,}", f"{report.events:,}", Text("OK", style="green")
            )
        else:
            failure = report.failure
            result = Text(f"FAILED at {failure.stream} v{failure.version}", style="bold red")
            table.add_row(service, f"{report.streams:,}", f"{report.events:,}", result)
    return table
