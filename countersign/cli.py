"""The `countersign` command. Each sub-command is a thin shell over a library function."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit, urlunsplit

import typer
from rich.table import Table

from contracts.topics import SERVICES
from countersign.audit_cmd import audit_app
from countersign.console import AsJson, console, fail, print_json
from countersign.contracts_cmd import contracts_app
from countersign.dashboards_cmd import dashboards_app
from countersign.demo import run_demo
from countersign.flows import FlowError
from countersign.keys_cmd import keys_app
from countersign.projections_cmd import projections_app
from countersign.replay_cmd import replay_app
from countersign.stack import (
    ConsoleSink,
    RestartPolicy,
    Stack,
    StackConfig,
    StackError,
    create_topics,
    topic_names,
)
from countersign.status_cmd import all_well, print_status, service_status
from runtime.settings import DEFAULT_HTTP_PORTS, Settings

app = typer.Typer(
    help="Countersign: event-sourced sales, delivery, field service and billing.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
app.add_typer(contracts_app, name="contracts", help="Public event contracts: AsyncAPI, snapshots.")
app.add_typer(keys_app, name="keys", help="The key ring: add, rotate, revoke keys (Ed25519).")
app.add_typer(audit_app, name="audit", help="The audit trail: verify the stores, trace a document.")
app.add_typer(projections_app, name="projections", help="Read models: rebuild from the events.")
app.add_typer(dashboards_app, name="dashboards", help="Grafana dashboards as code.")
app.add_typer(replay_app, name="replay")


def _print_version(wanted: bool) -> None:
    if wanted:
        console.print(f"countersign {version('countersign')}")
        raise typer.Exit()


@app.callback()
def main(
    _: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Print the installed version and exit.",
        ),
    ] = False,
) -> None:
    """Countersign: event-sourced sales, delivery, field service and billing."""


@app.command()
def up(
    data_dir: Annotated[
        Path,
        typer.Option(
            envvar="COUNTERSIGN_DATA_DIR",
            help="Folder for the SQLite event stores and the lock file.",
        ),
    ] = Path("data"),
    broker_port: Annotated[int, typer.Option(help="Port of the local Kafka broker.")] = 9092,
    database_url: Annotated[
        str,
        typer.Option(
            envvar="COUNTERSIGN_DATABASE_URL",
            help="PostgreSQL URL; empty for SQLite files in the data dir.",
        ),
    ] = "",
    services: Annotated[
        str,
        typer.Option(help="Comma-separated services to run; empty for the broker alone."),
    ] = ",".join(SERVICES),
) -> None:
    """Run everything on this machine: a local broker, the topics and the four services."""
    names = tuple(name.strip() for name in services.split(",") if name.strip())
    unknown = sorted(set(names) - set(SERVICES))
    if unknown:
        raise typer.BadParameter(
            f"unknown service(s) {', '.join(unknown)}; known: {', '.join(SERVICES)}",
            param_hint="--services",
        )
    settings = Settings()
    config = StackConfig(
        data_dir=data_dir,
        broker_port=broker_port,
        services=names,
        database_url=database_url,
        partitions=settings.topic_partitions,
        log_level=settings.log_level,
    )
    try:
        asyncio.run(_run_until_signalled(Stack(config, ConsoleSink(console))))
    except StackError as exc:
        raise fail(str(exc)) from None


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Where the services listen.")] = "127.0.0.1",
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each reaction.")] = 60.0,
    data_dir: Annotated[
        Path, typer.Option(envvar="COUNTERSIGN_DATA_DIR", help="The running stack's data dir.")
    ] = Path("data"),
) -> None:
    """Drive the skeleton flow through the running services, signing as the development users
    with the stack's development keys, and print each step."""
    urls = {service: f"http://{host}:{port}" for service, port in DEFAULT_HTTP_PORTS.items()}
    try:
        run_demo(urls, console.print, data_dir / "keys", timeout)
    except FlowError as exc:
        raise fail(str(exc)) from None
    console.print(
        "done: customer -> goods request -> credit gate -> shipment -> delivery -> vouchers"
        " -> invoice -> receipt -> payment"
    )


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def load(
    context: typer.Context,
    data_dir: Annotated[
        Path, typer.Option(envvar="COUNTERSIGN_DATA_DIR", help="The running stack's data dir.")
    ] = Path("data"),
    web: Annotated[
        bool, typer.Option(help="Locust's web UI (on :8089) instead of the terminal display.")
    ] = False,
) -> None:
    """Business traffic through the running services' APIs, run by Locust: whole flows (order
    to cash, service calls, complaints, returns) in the mix you choose (--mix
    order_to_cash=3,service_call=1), with Locust's live display and summary.

    Every other option is Locust's (--users, --spawn-rate, --run-time, --csv, ...; `countersign
    load --help-locust` lists them); exits 1 if any request or flow failed."""
    if "--help-locust" in context.args:
        arguments = ["--help"]
    else:
        arguments = [*context.args]
        if not web:
            arguments = ["--headless", *arguments]
        if not any(a.startswith("--keys-dir") for a in arguments):
            arguments += ["--keys-dir", str(data_dir / "keys")]
        if not any(a.startswith("--stop-timeout") for a in arguments):
            # At the end of the run, flows under way finish: the summary counts whole flows.
            arguments += ["--stop-timeout", "120"]
    locustfile = Path(__file__).with_name("locustfile.py")
    # Locust patches the standard library for gevent as it is imported: it gets a process of
    # its own rather than this one, which has imported ssl and httpx already.
    command = [sys.executable, "-m", "locust", "-f", str(locustfile), *arguments]
    raise typer.Exit(subprocess.call(command))


@app.command()
def status(
    host: Annotated[str, typer.Option(help="Where the services listen.")] = "127.0.0.1",
    as_json: AsJson = False,
) -> None:
    """Whether each service is ready (its store, the broker, its relay and its consumers), and
    how far its relay published; what is stuck, and why. Exits 1 unless all is well."""
    urls = {service: f"http://{host}:{port}" for service, port in DEFAULT_HTTP_PORTS.items()}
    found = service_status(urls)
    if as_json:
        well = all_well(found)
        print_json({"ok": well, "services": found})
    else:
        well = print_status(found)
    if not well:
        raise typer.Exit(code=1)


@app.command("create-topics")
def create_topics_command(as_json: AsJson = False) -> None:
    """Create every service's topics on COUNTERSIGN_KAFKA_BOOTSTRAP (existing ones are kept)."""
    settings = Settings()
    try:
        asyncio.run(create_topics(settings.kafka_bootstrap, settings.topic_partitions))
    except StackError as exc:
        raise fail(str(exc)) from None
    if as_json:
        print_json({"bootstrap": settings.kafka_bootstrap, "topics": topic_names()})
    else:
        console.print(f"topics ready on {settings.kafka_bootstrap}")


async def _run_until_signalled(stack: Stack) -> None:
    """Start the stack, then keep it up until SIGINT or SIGTERM; either one stops it cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    starting = asyncio.create_task(stack.up())
    signalled = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({starting, signalled}, return_when=asyncio.FIRST_COMPLETED)
        if starting.done():
            starting.result()
            console.print(_where_everything_listens(stack))
            supervising = asyncio.create_task(stack.supervise(RestartPolicy()))
            try:
                await signalled
            finally:
                supervising.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await supervising
        else:
            starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await starting
        console.print("stopping...")
    finally:
        signalled.cancel()
        await stack.close()


def _where_everything_listens(stack: Stack) -> Table:
    config = stack.config
    table = Table(title="countersign is up (Ctrl-C stops everything)")
    table.add_column("what")
    table.add_column("where")
    table.add_row("Kafka broker (Tansu, in memory)", stack.bootstrap)
    for service in config.services:
        url = stack.url(service)
        table.add_row(f"{service} API", url)
        table.add_row(f"{service} docs", f"{url}/docs")
        table.add_row(f"{service} metrics", f"{url}/metrics")
    storage = _without_password(config.database_url) or f"SQLite in {config.data_dir.resolve()}"
    table.add_row("event stores", storage)
    return table


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


if __name__ == "__main__":
    app()
