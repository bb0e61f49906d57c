"""Employees' keys with a life: the key ledger gives each public key its period, a rotation
leaves what was signed before valid, a revocation refuses what is signed after; the ledger shows
any line altered, removed or not signed by the key custodian; a service does not start without
its keys and names the missing file."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from countersign.keys_cmd import keys_app
from customers.bootstrap import SPEC
from kernel.settings import KernelSettings
from runtime.service import build_app
from runtime.signing import (
    KEY_CUSTODIAN,
    KEY_LEDGER_FILE,
    KeyAction,
    KeyLedger,
    KeyRing,
    KeyRingError,
    init_dev_keys,
    load_private_key,
    private_key_path,
    service_key_id,
    sign,
)

FIELDS = {"document": "contract", "step": "gm"}
START = datetime(2026, 3, 2, 9, tzinfo=UTC)


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    init_dev_keys(tmp_path, ["gm", "finance"])
    return tmp_path


def change(
    keys: Path, action: KeyAction, user: str, at: datetime, key: Ed25519PrivateKey | None = None
) -> None:
    KeyLedger.read(keys / KEY_LEDGER_FILE).append(
        action,
        user,
        key=None if key is None else key.public_key(),
        by="it-security",
        reason="a test",
        at=at,
        custodian=load_private_key(keys, KEY_CUSTODIAN),
    )


def test_a_new_key_leaves_what_the_old_one_signed_valid(keys: Path) -> None:
    old, new = load_private_key(keys, "gm"), Ed25519PrivateKey.generate()
    change(keys, KeyAction.ROTATE, "gm", START, new)
    ring = KeyRing.load(keys)
    before, after = START - timedelta(seconds=1), START + timedelta(seconds=1)

    assert ring.verify("gm", FIELDS, sign(old, FIELDS), at=before)
    assert not ring.verify("gm", FIELDS, sign(old, FIELDS), at=after)
    assert ring.verify("gm", FIELDS, sign(new, FIELDS), at=after)
    assert not ring.verify("gm", FIELDS, sign(new, FIELDS), at=before)
    # Another user's key is no one else's.
    assert not ring.verify("finance", FIELDS, sign(new, FIELDS), at=after)


def test_a_revoked_key_s_later_signatures_are_refused(keys: Path) -> None:
    key = load_private_key(keys, "finance")
    change(keys, KeyAction.REVOKE, "finance", START)
    ring = KeyRing.load(keys)

    assert ring.verify("finance", FIELDS, sign(key, FIELDS), at=START - timedelta(seconds=1))
    assert not ring.verify("finance", FIELDS, sign(key, FIELDS), at=START)
    # A revoked user may be given a new key, never the old one again.
    change(keys, KeyAction.ADD, "finance", START + timedelta(days=1), Ed25519PrivateKey.generate())
    with pytest.raises(KeyRingError, match="never given a second life"):
        change(keys, KeyAction.ROTATE, "finance", START + timedelta(days=2), key)


def test_the_ledger_refuses_changes_that_do_not_follow_its_rules(keys: Path) -> None:
    with pytest.raises(KeyRingError, match="gm already holds a key: rotate it"):
        change(keys, KeyAction.ADD, "gm", START, Ed25519PrivateKey.generate())
    with pytest.raises(KeyRingError, match="nobody holds no key to rotate"):
        change(keys, KeyAction.ROTATE, "nobody", START, Ed25519PrivateKey.generate())
    with pytest.raises(KeyRingError, match="rotated, never revoked"):
        change(keys, KeyAction.REVOKE, KEY_CUSTODIAN, START)
    change(keys, KeyAction.REVOKE, "gm", START)
    with pytest.raises(KeyRingError, match="dated before the entry it follows"):
        change(keys, KeyAction.REVOKE, "finance", START - timedelta(days=1))
    # None of the refused changes was written.
    assert [e["action"] for e in KeyLedger.read(keys / KEY_LEDGER_FILE).entries[-1:]] == ["revoke"]


def test_only_the_key_custodian_signs_the_ledger(keys: Path) -> None:
    ledger = KeyLedger.read(keys / KEY_LEDGER_FILE)
    with pytest.raises(KeyRingError, match="not signed by the key-custodian's key"):
        ledger.append(
            KeyAction.ROTATE,
            "gm",
            key=Ed25519PrivateKey.generate().public_key(),
            by="gm",
            reason="gm would rather choose their own",
            at=START,
            custodian=load_private_key(keys, "gm"),
        )
    # The custodian's key rotates like any other; the new one signs from then on.
    successor = Ed25519PrivateKey.generate()
    change(keys, KeyAction.ROTATE, KEY_CUSTODIAN, START, successor)
    with pytest.raises(KeyRingError, match="not signed by the key-custodian's key"):
        change(keys, KeyAction.REVOKE, "gm", START + timedelta(days=1))
    KeyLedger.read(keys / KEY_LEDGER_FILE).append(
        KeyAction.REVOKE,
        "gm",
        key=None,
        by="it-security",
        reason="left the company",
        at=START + timedelta(days=1),
        custodian=successor,
    )


def _lines(keys: Path) -> list[dict[str, object]]:
    return [orjson.loads(line) for line in (keys / KEY_LEDGER_FILE).read_bytes().splitlines()]


def _write(keys: Path, lines: list[dict[str, object]]) -> None:
    (keys / KEY_LEDGER_FILE).write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))


def test_an_altered_line_of_the_ledger_is_found(keys: Path) -> None:
    lines = _lines(keys)
    lines[2]["key"] = Ed25519PrivateKey.generate().public_key().public_bytes_raw().hex()
    _write(keys, lines)
    with pytest.raises(KeyRingError, match="entry 3: not signed by the key-custodian's key"):
        KeyRing.load(keys)


def test_a_removed_line_of_the_ledger_is_found(keys: Path) -> None:
    change(keys, KeyAction.REVOKE, "gm", START)
    _write(keys, _lines(keys)[:-2] + _lines(keys)[-1:])
    with pytest.raises(KeyRingError, match="out of sequence"):
        KeyRing.load(keys)


def test_the_cli_adds_rotates_and_revokes_and_records_who_and_why(tmp_path: Path) -> None:
    init_dev_keys(tmp_path, [])
    runner = CliRunner()
    employee = Ed25519PrivateKey.generate().public_key().public_bytes_raw().hex()
    common = ["--by", "it-security", "--keys-dir", str(tmp_path)]
    for arguments in (
        ["add", "zhou-hui", "--public-key", employee, "--reason", "joined finance"],
        ["rotate", "zhou-hui", "--generate", "--reason", "new laptop"],
        ["revoke", "zhou-hui", "--reason", "left the company"],
    ):
        done = runner.invoke(keys_app, [*arguments, *common])
        assert done.exit_code == 0, done.output

    recorded = [(e["action"], e["by"], e["reason"]) for e in _lines(tmp_path)[1:]]
    assert recorded == [
        ("add", "it-security", "joined finance"),
        ("rotate", "it-security", "new laptop"),
        ("revoke", "it-security", "left the company"),
    ]
    periods = [p for p in KeyRing.load(tmp_path).periods if p.user == "zhou-hui"]
    assert periods[0].key.hex() == employee and periods[0].valid_until == periods[1].valid_from
    assert periods[1].revoked_at is not None
    listed = runner.invoke(keys_app, ["list", "--keys-dir", str(tmp_path)])
    assert listed.exit_code == 0 and "zhou-hui" in listed.stdout

    twice = runner.invoke(keys_app, ["revoke", "zhou-hui", "--reason", "again", *common])
    assert twice.exit_code == 1
    assert "zhou-hui holds no key to revoke" in twice.stderr
    neither = runner.invoke(keys_app, ["rotate", "gm", "--reason", "no key given", *common])
    assert neither.exit_code == 1
    assert "--public-key" in neither.stderr


def test_a_service_does_not_start_without_its_key_ring_and_names_the_file(tmp_path: Path) -> None:
    settings = KernelSettings(data_dir=tmp_path)
    ledger = settings.keys_path / KEY_LEDGER_FILE
    missing = re.escape(f"the key ring {ledger} is missing")
    with pytest.raises(KeyRingError, match=missing), TestClient(build_app(SPEC, settings)):
        pass

    init_dev_keys(settings.keys_path, ["gm"])  # no key of the service's own
    own = private_key_path(settings.keys_path, service_key_id(SPEC.name))
    missing = re.escape(f"the service's own key {own} is missing")
    with pytest.raises(KeyRingError, match=missing), TestClient(build_app(SPEC, settings)):
        pass


def test_a_change_made_on_a_ledger_read_before_another_change_is_refused(keys: Path) -> None:
    stale = KeyLedger.read(keys / KEY_LEDGER_FILE)
    change(keys, KeyAction.REVOKE, "gm", START)
    with pytest.raises(KeyRingError, match="changed meanwhile"):
        stale.append(
            KeyAction.REVOKE,
            "finance",
            key=None,
            by="it-security",
            reason="a second custodian's terminal",
            at=START,
            custodian=load_private_key(keys, KEY_CUSTODIAN),
        )
    assert [e["user"] for e in KeyLedger.read(keys / KEY_LEDGER_FILE).entries[-1:]] == ["gm"]
