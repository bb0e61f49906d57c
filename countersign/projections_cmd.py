"""`countersign projections`: rebuild a service's read tables from its event store."""

from __future__ import annotations

from typing import Annotated

import typer

from countersign.console import (
    AsJson,
    DatabaseUrl,
    DataDir,
    console,
    fail,
    print_json,
    progress_bar,
    store_settings,
)
from countersign.services import SPECS
from runtime.projections import Progress as Caught

projections_app = typer.Typer(
    help="Read models: rebuild a service's projections from its events.", no_args_is_help=True
)


@projections_app.callback()
def projections() -> None:
    """Read models: rebuild a service's projections from its events."""


@projections_app.command()
def rebuild(
    service: Annotated[str, typer.Argument(help=f"One of: {', '.join(SPECS)}.")],
    name: Annotated[
        str | None, typer.Argument(help="One projection; all of the service's when omitted.")
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Empty the projections' tables and apply every stored event again.

    Safe while the service runs: the service and the rebuild take turns on each projection's
    position, so no event is applied twice; lists read partial tables until the rebuild ends.
    """
    spec = SPECS.get(service)
    if spec is None:
        raise fail(f"unknown service {service!r}; known: {', '.join(SPECS)}")
    app = spec.application(store_settings(data_dir, database_url))
    try:
        names = [name] if name else list(app.read_models.projections)
        unknown = set(names) - set(app.read_models.projections)
        if unknown:
            known = ", ".join(app.read_models.projections)
            raise fail(f"{service} has no projection {name!r}; it has: {known}")
        app.read_models.reset(names)
        with progress_bar(f"{service}: {', '.join(names)}", show=not as_json) as progress:
            task = progress.add_task("rebuild", total=app.recorder.max_notification_id() or 0)

            def advance(caught: Caught) -> None:
                progress.update(task, completed=caught.position, total=caught.head)

            read = app.read_models.catch_up(app.process_recorder, app.mapper, progress=advance)
    finally:
        app.close()
    if as_json:
        print_json({"service": service, "rebuilt": names, "events": read})
    else:
        console.print(f"rebuilt {', '.join(names)} from {read:,} events")
