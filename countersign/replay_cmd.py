"""`countersign replay`: the analytical projections, rebuilt from the event stores into DuckDB."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from countersign.console import DatabaseUrl, DataDir, console, fail, progress_bar, store_settings


def replay(
    target: Annotated[
        Path, typer.Option(help="The DuckDB file analysts open (created when missing).")
    ] = Path("analytics.duckdb"),
    as_of: Annotated[
        datetime | None,
        typer.Option(
            help="Only events recorded up to this moment (ISO 8601; UTC unless it says).",
            formats=["%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"],
        ),
    ] = None,
    only: Annotated[
        list[str] | None, typer.Option(help="Rebuild this projection only (repeatable).")
    ] = None,
    export: Annotated[
        Path | None,
        typer.Option(help="Also write each table rebuilt as a file in this directory."),
    ] = None,
    export_format: Annotated[
        str, typer.Option(help="parquet (TABLE.parquet) or csv (TABLE.csv, with a header row).")
    ] = "parquet",
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Read the new events of the four stores into TARGET's `events` table (resuming where the
    last replay stopped), then write each analytical projection (docs/analytics.md) from them.
    The same events always give the same tables."""
    # DuckDB and pyarrow are the `analytics` extra: only this command needs them.
    from countersign.analytics.projections import PROJECTIONS
    from countersign.analytics.replay import ExportFormat
    from countersign.analytics.replay import replay as run
    from kernel.audit.verify import open_stores

    if export_format not in set(ExportFormat):
        raise fail(f"unknown export format {export_format}; known: parquet, csv")
    unknown = set(only or ()) - set(PROJECTIONS)
    if unknown:
        raise fail(
            f"unknown projection(s) {', '.join(sorted(unknown))}; known: {', '.join(PROJECTIONS)}"
        )
    if as_of is not None and as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    settings = store_settings(data_dir, database_url)
    with open_stores(settings) as stores, progress_bar("{task.description}") as bar:
        tasks = {
            service: bar.add_task(f"{service:<12}", total=store.count())
            for service, store in sorted(stores.items())
        }
        done = run(
            target,
            stores,
            as_of,
            only or (),
            advance=lambda service, n: bar.advance(tasks[service], n),
            export_to=export,
            export_format=ExportFormat(export_format),
        )
    for service, count in done.extracted.items():
        console.print(f"{service:<12} {count:>9,} new events")
    for name, rows in done.tables.items():
        console.print(f"{name:<24} {rows:>9,} rows")
    console.print(f"written to {target}" + (f" as of {as_of.isoformat()}" if as_of else ""))
    if export is not None:
        console.print(f"exported as {export_format} to {export}")
