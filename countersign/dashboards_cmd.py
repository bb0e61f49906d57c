"""`countersign dashboards`: write the Grafana dashboards built in ``countersign.dashboards``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from countersign.console import console, fail

DASHBOARDS_DIR = Path(__file__).resolve().parents[1] / "deploy" / "grafana" / "dashboards"

dashboards_app = typer.Typer(help="Grafana dashboards as code.", no_args_is_help=True)


@dashboards_app.command()
def generate(
    directory: Annotated[Path, typer.Option(help="Where to write NAME.json.")] = DASHBOARDS_DIR,
) -> None:
    """Write every dashboard (needs the development install: grafana-foundation-sdk)."""
    try:
        from countersign.dashboards import generate as write_dashboards
    except ImportError as error:  # a production install has no dashboard builder
        raise fail(f"the dashboards are built with the development install: {error}") from error
    for path in write_dashboards(directory):
        console.print(f"wrote {path}")
