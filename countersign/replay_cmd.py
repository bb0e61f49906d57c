"""`countersign replay`: the analytical projections, rebuilt from the event stores into DuckDB;
`countersign replay export`: any of its tables as Parquet or CSV files."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from countersign.console import DatabaseUrl, DataDir, console, fail, progress_bar, store_settings

replay_app = typer.Typer(add_completion=False)


@replay_app.callback(invoke_without_command=True)
def replay(
    ctx: typer.Context,
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
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Analytical projections from the event stores, into DuckDB (docs/analytics.md).

    Without a command: read the new events of the four stores into TARGET's `events` table
    (resuming where the last replay stopped), then write each analytical projection from them.
    The same events always give the same tables. `export` writes its tables as files."""
    if ctx.invoked_subcommand is not None:
        return
    # DuckDB and pyarrow are the `analytics` extra: only this command needs them.
    from countersign.analytics.projections import PROJECTIONS
    from countersign.analytics.replay import replay as run
    from kernel.audit.verify import open_stores

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
        )
    for service, count in done.extracted.items():
        console.print(f"{service:<12} {count:>9,} new events")
    for name, rows in done.tables.items():
        console.print(f"{name:<24} {rows:>9,} rows")
    console.print(f"written to {target}" + (f" as of {as_of.isoformat()}" if as_of else ""))


@replay_app.command("export")
def export(
    directory: Annotated[Path, typer.Argument(help="Where the files are written.")],
    target: Annotated[
        Path, typer.Option(help="The DuckDB file `countersign replay` wrote.")
    ] = Path("analytics.duckdb"),
    form: Annotated[
        str,
        typer.Option(
            "--format", help="parquet (TABLE.parquet) or csv (TABLE.csv, with a header row)."
        ),
    ] = "parquet",
    only: Annotated[
        list[str] | None,
        typer.Option(help="Export this table only (repeatable; any table, `events` too)."),
    ] = None,
) -> None:
    """Write the tables of TARGET (every projection when no --only) as files in DIRECTORY, rows
    in the table's order, for tools that do not read DuckDB."""
    import duckdb

    from countersign.analytics.replay import ExportFormat, tables_to_export
    from countersign.analytics.replay import export as write

    if form not in set(ExportFormat):
        raise fail(f"unknown export format {form}; known: parquet, csv")
    if not target.exists():
        raise fail(f"{target} does not exist: run `countersign replay` first")
    with contextlib.closing(duckdb.connect(str(target), read_only=True)) as db:
        try:
            written = tables_to_export(db, only or ())
        except KeyError as error:
            raise fail(str(error.args[0])) from None
        write(db, written, directory, ExportFormat(form))
    for name in written:
        console.print(f"{name:<24} -> {directory / f'{name}.{form}'}")
