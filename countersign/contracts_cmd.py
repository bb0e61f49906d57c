"""`countersign contracts`: regenerate the AsyncAPI documents and record compatibility snapshots."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from contracts.compatibility import SNAPSHOT_DIR, write_snapshots
from countersign.console import console, errors, fail
from countersign.services import SPECS

contracts_app = typer.Typer(
    help="The public event contracts: AsyncAPI documents and compatibility snapshots.",
    no_args_is_help=True,
)


@contracts_app.command()
def generate(
    directory: Annotated[
        Path | None,
        typer.Option(help="Where to write SERVICE.yaml. Default: contracts/asyncapi."),
    ] = None,
) -> None:
    """Write every service's AsyncAPI document from the contracts and what it consumes (needs the
    development install: PyYAML)."""
    try:
        from contracts.asyncapi import ASYNCAPI_DIR, write_documents
    except ImportError as error:  # a production install writes no documents
        raise fail(
            f"the AsyncAPI documents are written with the development install: {error}"
        ) from error
    consumed = {name: spec.consumed() for name, spec in SPECS.items()}
    for path in write_documents(consumed, directory or ASYNCAPI_DIR):
        console.print(f"wrote {path}")


@contracts_app.command()
def snapshot(
    directory: Annotated[
        Path, typer.Option(help="Where the EventType.vN.json snapshots live.")
    ] = SNAPSHOT_DIR,
) -> None:
    """Record new contracts and compatible changes; refuse (exit 1) if any change is breaking."""
    report = write_snapshots(directory=directory)
    if report.breaking:
        for path, problems in sorted(report.breaking.items()):
            errors.print(Text(f"breaking change against {path.name}:", style="bold red"))
            for problem in problems:
                errors.print(f"  - {problem}")
        errors.print("Nothing written. Publish the change as a new schema_version instead.")
        raise typer.Exit(code=1)
    for path in report.written:
        console.print(f"wrote {path}")
    if not report.written:
        console.print("snapshots are up to date")
