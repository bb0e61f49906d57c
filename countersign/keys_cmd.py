"""`countersign keys`: the key ring's ledger (add, rotate, revoke, list) and the development keys.

Every change is a signed line of the key ledger (``runtime.signing.KeyLedger``), signed with the
key custodian's private key: in production the custodian keeps it away from the services' keys
folder (``--custodian-key``). An employee's own private key is made on their device and never
leaves it; the ledger takes its public key (``--public-key``). ``--generate`` makes the pair here,
for development and for the services' own keys.
"""

from __future__ import annotations

import getpass
import json
import tomllib
from pathlib import Path
from typing import Annotated

import typer
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from rich.table import Table

from contracts.topics import SERVICES
from countersign.console import AsJson, KeysDir, console, fail, print_json
from kernel.settings import KernelSettings
from runtime import clock
from runtime.signing import (
    KEY_CUSTODIAN,
    KEY_LEDGER_FILE,
    KeyAction,
    KeyLedger,
    KeyRingError,
    init_dev_keys,
    load_private_key,
    private_key_path,
    read_private_key,
    service_key_id,
    sign,
    write_private_key,
)

keys_app = typer.Typer(no_args_is_help=True, add_completion=False)

User = Annotated[str, typer.Argument(help="The employee's user id, or service:NAME for a service")]
Reason = Annotated[str, typer.Option(help="Why: recorded in the ledger")]
By = Annotated[
    str | None,
    typer.Option(help="Who makes the change, recorded in the ledger. Default: the login name"),
]
PublicKeyHex = Annotated[
    str | None, typer.Option(help="The new Ed25519 public key, 64 hex digits (from the employee)")
]
Generate = Annotated[
    bool,
    typer.Option(help="Make the key pair here and keep the private key in the keys folder"),
]
CustodianKey = Annotated[
    Path | None,
    typer.Option(
        help=f"The custodian's private key. Default: {KEY_CUSTODIAN}.pem in the keys folder"
    ),
]


def _keys_dir(keys_dir: Path | None) -> Path:
    return keys_dir or KernelSettings().keys_path


@keys_app.command("init")
def init(
    keys_dir: KeysDir = None,
    as_json: AsJson = False,
) -> None:
    """Development: a key pair for each development user and service without one, in the ledger."""
    settings = KernelSettings()
    users = [user["id"] for user in tomllib.loads(settings.users_file.read_text())["users"]]
    directory = _keys_dir(keys_dir)
    created = init_dev_keys(directory, [*users, *map(service_key_id, SERVICES)])
    if as_json:
        print_json({"keys_dir": str(directory), "created": created})
        return
    typer.echo(
        f"{len(created)} new key(s), {len(users)} users and {len(SERVICES)} services, "
        f"key ring in {directory / KEY_LEDGER_FILE}"
    )


def _change(
    action: KeyAction,
    user: str,
    keys_dir: Path | None,
    custodian_key: Path | None,
    by: str | None,
    reason: str,
    public_key: str | None = None,
    generate: bool = False,
) -> None:
    directory = _keys_dir(keys_dir)
    new_key: Ed25519PublicKey | None = None
    private: Ed25519PrivateKey | None = None
    if action != KeyAction.REVOKE:
        if (public_key is None) == (not generate):
            raise fail("give the new key with --public-key, or --generate it here (not both)")
        if generate:
            private = Ed25519PrivateKey.generate()
            new_key = private.public_key()
        else:
            try:
                new_key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key or ""))
            except ValueError:
                raise fail("--public-key must be an Ed25519 public key in 64 hex digits") from None
    custodian_path = custodian_key or private_key_path(directory, KEY_CUSTODIAN)
    if not custodian_path.exists():
        raise fail(f"the custodian's private key {custodian_path} is missing")
    try:
        ledger = KeyLedger.read(directory / KEY_LEDGER_FILE)
        ledger.append(
            action,
            user,
            key=new_key,
            by=by or getpass.getuser(),
            reason=reason,
            at=clock.now(),
            custodian=read_private_key(custodian_path),
        )
    except KeyRingError as exc:
        raise fail(str(exc)) from None
    if private is not None:
        # Kept only once the ledger took its public key.
        write_private_key(directory, user, private)
    typer.echo(f"{action} {user}: recorded in {directory / KEY_LEDGER_FILE}")


def _new_key_command(action: KeyAction, help_text: str) -> None:
    """``keys add`` and ``keys rotate``: the same options, a new key for USER from now on."""

    def new_key(
        user: User,
        reason: Reason,
        public_key: PublicKeyHex = None,
        generate: Generate = False,
        by: By = None,
        keys_dir: KeysDir = None,
        custodian_key: CustodianKey = None,
    ) -> None:
        _change(action, user, keys_dir, custodian_key, by, reason, public_key, generate)

    keys_app.command(str(action), help=help_text)(new_key)


_new_key_command(KeyAction.ADD, "Give USER, who holds no key, their key from now on.")
_new_key_command(
    KeyAction.ROTATE,
    "Replace USER's key from now on: what they signed with the old one keeps verifying.",
)


@keys_app.command("revoke")
def revoke(
    user: User,
    reason: Reason,
    by: By = None,
    keys_dir: KeysDir = None,
    custodian_key: CustodianKey = None,
) -> None:
    """Revoke USER's key from now on: any signature made with it later is refused."""
    _change(KeyAction.REVOKE, user, keys_dir, custodian_key, by, reason)


@keys_app.command("list")
def list_keys(keys_dir: KeysDir = None) -> None:
    """Every key of the key ring and its period, the ledger checked line by line first."""
    try:
        ledger = KeyLedger.read(_keys_dir(keys_dir) / KEY_LEDGER_FILE)
    except KeyRingError as exc:
        raise fail(str(exc)) from None
    table = Table("user", "public key", "valid from", "until", "revoked")
    for period in ledger.periods():
        table.add_row(
            period.user,
            period.key.hex()[:16] + "…",
            f"{period.valid_from:%Y-%m-%d %H:%M:%S}",
            f"{period.valid_until:%Y-%m-%d %H:%M:%S}" if period.valid_until else "",
            f"{period.revoked_at:%Y-%m-%d %H:%M:%S}" if period.revoked_at else "",
        )
    console.print(table)


@keys_app.command("sign")
def sign_fields(
    user: Annotated[str, typer.Argument(help="The development user who signs")],
    fields: Annotated[str, typer.Argument(help="The signing fields as JSON (from the API)")],
    keys_dir: KeysDir = None,
) -> None:
    """Print the base64 Ed25519 signature of USER over the RFC 8785 canonical JSON of FIELDS
    (what a client app does for its user)."""
    typer.echo(sign(load_private_key(_keys_dir(keys_dir), user), json.loads(fields)))
