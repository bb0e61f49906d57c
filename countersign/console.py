"""What every sub-command shares: where it prints, how it fails, which stores it reads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

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


def progress_bar(label: str) -> Progress:
    """A progress bar counting events: ``label`` is the task's description (a template)."""
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("events"),
        TimeElapsedColumn(),
        console=console,
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
