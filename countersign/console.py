"""What every sub-command shares: where it prints, how it fails, which stores it reads."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from kernel.settings import KernelSettings

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)

DataDir = Annotated[
    Path | None,
    typer.Option(help="Folder of the SQLite stores. Default: COUNTERSIGN_DATA_DIR, else data."),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        help="PostgreSQL URL, empty for SQLite. Default: COUNTERSIGN_DATABASE_URL, else empty."
    ),
]


AsJson = Annotated[
    bool, typer.Option("--json", help="Print the report as JSON (for scripts), not as tables.")
]
KeysDir = Annotated[
    Path | None,
    typer.Option(
        help="Folder of the key ring (key-ledger.jsonl): the employees' and services' keys. "
        "Default: COUNTERSIGN_KEYS_DIR, else keys/ in the data dir."
    ),
]


def print_json(document: Any) -> None:
    """The report of a command given ``--json``: one JSON document on stdout, nothing else."""
    sys.stdout.write(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n")


def progress_bar(label: str, show: bool = True) -> Progress:
    """A progress bar counting events: ``label`` is the task's description (a template); not
    shown when ``show`` is false (a ``--json`` report)."""
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("events"),
        TimeElapsedColumn(),
        console=console,
        disable=not show,
    )


def fail(message: str) -> typer.Exit:
    """Print ``message`` as an error; raise the result to exit with code 1."""
    errors.print(Text("error: ", style="bold red") + Text(message), soft_wrap=True)
    return typer.Exit(code=1)


def store_settings(data_dir: Path | None, database_url: str | None) -> KernelSettings:
    """The environment's settings, with the stores the options name."""
    settings = KernelSettings()
    if data_dir is not None:
        settings.data_dir = data_dir
    if database_url is not None:
        settings.database_url = database_url
    return settings
