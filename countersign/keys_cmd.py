"""`countersign keys`: development signing keys for the development users."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Annotated

import typer

from contracts.topics import SERVICES
from countersign.console import AsJson, KeysDir, print_json
from kernel.settings import KernelSettings
from runtime.signing import init_dev_keys, load_private_key, service_key_id, sign

keys_app = typer.Typer(no_args_is_help=True, add_completion=False)


def _keys_dir(keys_dir: Path | None) -> Path:
    return keys_dir or KernelSettings().keys_path


@keys_app.command("init")
def init(
    keys_dir: KeysDir = None,
    as_json: AsJson = False,
) -> None:
    """Create an Ed25519 key pair for every development user and every service that has none."""
    settings = KernelSettings()
    users = [user["id"] for user in tomllib.loads(settings.users_file.read_text())["users"]]
    directory = _keys_dir(keys_dir)
    created = init_dev_keys(directory, [*users, *map(service_key_id, SERVICES)])
    if as_json:
        print_json({"keys_dir": str(directory), "created": created})
        return
    typer.echo(
        f"{len(created)} new key(s), {len(users)} users and {len(SERVICES)} services, "
        f"public keys in {directory}"
    )


@keys_app.command("sign")
def sign_fields(
    user: Annotated[str, typer.Argument(help="The development user who signs")],
    fields: Annotated[str, typer.Argument(help="The signing fields as JSON (from the API)")],
    keys_dir: KeysDir = None,
) -> None:
    """Print the base64 Ed25519 signature of USER over the RFC 8785 canonical JSON of FIELDS
    (what a client app does for its user)."""
    typer.echo(sign(load_private_key(_keys_dir(keys_dir), user), json.loads(fields)))
