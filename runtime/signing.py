"""Ed25519 signatures over a canonical encoding of the signed fields: employees' (XC-02), and
each service's over its store's checkpoints.

Every employee has a personal key pair. Clients sign; services verify against the public keys in
the key ring, so a signature cannot be made by the server on someone's behalf and cannot be
repudiated later. ``countersign keys init`` makes development keys for the development users.

What is signed is the fields' canonical JSON by a standard, RFC 8785 (JCS), so anyone can
reproduce the signed bytes with any conforming implementation. Each signed event records the
form its signature was made over; signatures made before RFC 8785 was adopted (JSON with sorted
keys, as orjson wrote it) keep verifying under their own form.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

import orjson
import rfc8785
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from nacl.exceptions import BadSignatureError
from nacl.signing import VerifyKey


class CanonicalForm(StrEnum):
    RFC8785 = "rfc8785"
    SORTED_JSON_V1 = "sorted-json-v1"
    """Before RFC 8785: sorted keys, no whitespace, UTF-8, as orjson wrote it."""


CURRENT_FORM = CanonicalForm.RFC8785
"""What new signatures are made over."""


_SAFE_INTEGER = 2**53 - 1


def _sorted_json_is_rfc8785(value: Any) -> bool:
    """Whether orjson's sorted-key output of ``value`` is byte for byte its RFC 8785 form:
    strings, booleans, null, integers in JSON's safe range, and arrays and objects of them whose
    keys are ASCII (UTF-16 and code point order then agree). Numbers with a fraction are where
    serialisers differ, so they take the reference implementation."""
    kind = type(value)
    if kind is str or value is None or kind is bool:  # exact types first: the common case
        return True
    if kind is dict:
        for key, inner in value.items():
            if type(key) is not str or not key.isascii():
                return False
            if type(inner) is not str and not _sorted_json_is_rfc8785(inner):
                return False
        return True
    if kind is list:
        return all(map(_sorted_json_is_rfc8785, value))
    if isinstance(value, bool | str):  # str enumerations
        return True
    if isinstance(value, int):
        return -_SAFE_INTEGER <= value <= _SAFE_INTEGER
    return False


def canonical(fields: Mapping[str, Any], form: str = CURRENT_FORM) -> bytes:
    """The same fields always give the same bytes."""
    if form == CanonicalForm.RFC8785:
        # The signed fields are text and whole numbers: orjson writes those as RFC 8785 does,
        # several times faster than the reference implementation, which takes everything else
        # (tests/runtime/test_signing.py checks that both agree).
        if isinstance(fields, dict) and _sorted_json_is_rfc8785(fields):
            try:
                return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
            except orjson.JSONEncodeError:
                pass  # a lone surrogate: the reference implementation says why
        return rfc8785.dumps(fields)
    if form == CanonicalForm.SORTED_JSON_V1:
        return orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)
    raise ValueError(f"unknown canonical form {form!r}")


def digest(fields: Mapping[str, Any]) -> str:
    """The SHA-256 of the fields' canonical form: a document version's hash."""
    return hashlib.sha256(canonical(fields)).hexdigest()


def sign(
    private_key: Ed25519PrivateKey, fields: Mapping[str, Any], form: str = CURRENT_FORM
) -> str:
    return base64.b64encode(private_key.sign(canonical(fields, form))).decode()


class KeyRingError(Exception):
    """The key ring is missing, or its ledger does not hold together; the message says where."""


KEY_LEDGER_FILE = "key-ledger.jsonl"
"""The key ring: every key ever added, rotated or revoked, one signed entry a line."""

KEY_CUSTODIAN = "key-custodian"
"""Who signs every entry of the key ledger; its first entry adds the custodian's own key."""

DEVELOPMENT_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
"""Development keys are valid from here: tests and demos sign at any instant they set."""


class KeyAction(StrEnum):
    ADD = "add"
    ROTATE = "rotate"
    REVOKE = "revoke"


@dataclass(frozen=True)
class KeyPeriod:
    """One public key of one user and when signatures made with it count: from ``valid_from``
    until its successor took over (``valid_until``) or it was revoked (``revoked_at``)."""

    user: str
    key: bytes
    valid_from: datetime
    valid_until: datetime | None = None
    revoked_at: datetime | None = None

    def valid_at(self, at: datetime) -> bool:
        ends = [end for end in (self.valid_until, self.revoked_at) if end is not None]
        return self.valid_from <= at and all(at < end for end in ends)

    @property
    def current(self) -> bool:
        return self.valid_until is None and self.revoked_at is None


class KeyRing:
    """Employees' and services' public keys, by user id, each with its period of validity: a
    signature counts when it verifies against the key its signer held at the instant it was
    made. A rotation ends the old key's period where the new one's begins, so what was signed
    before keeps verifying; a revocation ends it from then on.

    Verification goes through libsodium (PyNaCl), which verifies Ed25519 about twice as fast as
    OpenSSL does here: `audit verify` checks every signature ever made."""

    def __init__(self, periods: Iterable[KeyPeriod]) -> None:
        self.periods = tuple(periods)
        self._keys: dict[str, list[tuple[KeyPeriod, VerifyKey]]] = {}
        for period in self.periods:
            self._keys.setdefault(period.user, []).append((period, VerifyKey(period.key)))

    @classmethod
    def unbounded(cls, keys: Mapping[str, Ed25519PublicKey]) -> KeyRing:
        """Each user's one key, valid from the development epoch on (tests, benchmarks)."""
        return cls(KeyPeriod(user, _raw(key), DEVELOPMENT_EPOCH) for user, key in keys.items())

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent to the processes that verify in parallel as the periods (raw public keys).
        return KeyRing, (self.periods,)

    @classmethod
    def load(cls, directory: Path) -> KeyRing:
        """The key ring of the ledger in ``directory``, its chain and signatures checked."""
        return cls(KeyLedger.read(directory / KEY_LEDGER_FILE).periods())

    def verify(
        self,
        user_id: str,
        fields: Mapping[str, Any],
        signature: str,
        form: str = CURRENT_FORM,
        *,
        at: datetime,
    ) -> bool:
        """Whether ``user_id`` signed ``fields`` with the key they held at ``at``."""
        keys = [key for period, key in self._keys.get(user_id, ()) if period.valid_at(at)]
        if not keys:
            return False
        try:
            message, raw = canonical(fields, form), base64.b64decode(signature, validate=True)
        except (ValueError, TypeError):
            return False
        for key in keys:
            try:
                key.verify(message, raw)
            except (BadSignatureError, ValueError, TypeError):
                continue
            return True
        return False

    def periods_at(self, user_id: str, at: datetime) -> tuple[KeyPeriod, ...]:
        """The periods of ``user_id``'s keys that are valid at ``at``."""
        return tuple(period for period, _ in self._keys.get(user_id, ()) if period.valid_at(at))


def _raw(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


class KeyLedger:
    """The key ring's history, a signed ledger file: each line one change (a key added, rotated,
    revoked), with when, by whom and why, the hash of the line before it, and the key custodian's
    signature over all of that. Nothing is ever rewritten: a change is a new line.

    A file rather than events in a service's store: all four services and an auditor with no
    service running need the same key ring before anything else starts, and no service may
    depend on another's store. The hash chain shows a removed or reordered line; the custodian's
    signature shows an altered or added one, and whoever holds the ledger can check it alone."""

    def __init__(self, path: Path, entries: list[dict[str, Any]]) -> None:
        self.path = path
        self.entries = entries

    @classmethod
    def read(cls, path: Path) -> KeyLedger:
        if not path.exists():
            raise KeyRingError(f"the key ring {path} is missing")
        entries = []
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            try:
                entries.append(orjson.loads(line))
            except orjson.JSONDecodeError as error:
                raise KeyRingError(f"{path} line {number}: not JSON ({error})") from None
        ledger = cls(path, [])
        for entry in entries:
            ledger._admit(entry)
        return ledger

    @classmethod
    def open(cls, path: Path) -> KeyLedger:
        """The ledger at ``path``, or a new empty one to append to."""
        return cls.read(path) if path.exists() else cls(path, [])

    def periods(self) -> list[KeyPeriod]:
        periods: list[KeyPeriod] = []
        for entry in self.entries:
            at = datetime.fromisoformat(entry["at"])
            action, user = entry["action"], entry["user"]
            if action != KeyAction.ADD:
                index = next(i for i, p in enumerate(periods) if p.user == user and p.current)
                if action == KeyAction.ROTATE:
                    periods[index] = replace(periods[index], valid_until=at)
                else:
                    periods[index] = replace(periods[index], revoked_at=at)
            if action != KeyAction.REVOKE:
                periods.append(KeyPeriod(user, bytes.fromhex(entry["key"]), at))
        return periods

    def current_key(self, user: str) -> KeyPeriod | None:
        return next((p for p in self.periods() if p.user == user and p.current), None)

    def users(self) -> set[str]:
        return {entry["user"] for entry in self.entries}

    def append(
        self,
        action: KeyAction,
        user: str,
        *,
        key: Ed25519PublicKey | None,
        by: str,
        reason: str,
        at: datetime,
        custodian: Ed25519PrivateKey,
    ) -> dict[str, Any]:
        """Record one change, signed by the custodian; refused as the ledger would refuse it."""
        entry: dict[str, Any] = {
            "seq": len(self.entries) + 1,
            "at": at.astimezone(UTC).isoformat(),
            "action": str(action),
            "user": user,
            "key": None if key is None else _raw(key).hex(),
            "by": by,
            "reason": reason,
            "previous": self._head(),
            "signer": KEY_CUSTODIAN,
        }
        entry["signature"] = sign(custodian, entry)
        self._admit(entry)
        with self.path.open("a+b") as ledger:
            # Two custodians' changes at once: the second finds the file grown, and is refused.
            fcntl.flock(ledger, fcntl.LOCK_EX)
            ledger.seek(0)
            if len(ledger.read().splitlines()) != len(self.entries) - 1:
                self.entries.pop()
                raise KeyRingError(f"{self.path} changed meanwhile: make the change again")
            ledger.write(orjson.dumps(entry) + b"\n")
        return entry

    def _head(self) -> str:
        return hashlib.sha256(canonical(self.entries[-1])).hexdigest() if self.entries else ""

    def _admit(self, entry: dict[str, Any]) -> None:
        """Append ``entry`` in memory if it follows the ledger's rules; else say why not."""
        where = f"{self.path} entry {len(self.entries) + 1}"
        try:
            problem = self._problem(entry)
        except (KeyError, TypeError, ValueError) as error:
            problem = f"malformed ({error!r})"
        if problem is not None:
            raise KeyRingError(f"{where}: {problem}")
        self.entries.append(entry)

    def _problem(self, entry: dict[str, Any]) -> str | None:
        if entry["seq"] != len(self.entries) + 1 or entry["previous"] != self._head():
            return "out of sequence: a line was removed, reordered or altered before it"
        at, action, user = datetime.fromisoformat(entry["at"]), entry["action"], entry["user"]
        if at.tzinfo is None:
            return "its instant has no time zone"
        if self.entries and at < datetime.fromisoformat(self.entries[-1]["at"]):
            return "dated before the entry it follows"
        if action not in set(KeyAction):
            return f"unknown action {action!r}"
        periods = self.periods()
        current = next((p for p in periods if p.user == user and p.current), None)
        new_key = None if action == KeyAction.REVOKE else bytes.fromhex(entry["key"])
        # The custodian signs every change; the very first adds the custodian's own key.
        if not self.entries:
            if (action, user) != (KeyAction.ADD, KEY_CUSTODIAN):
                return f"the ledger must open by adding the {KEY_CUSTODIAN}'s key"
            signers = [KeyPeriod(KEY_CUSTODIAN, new_key or b"", at)]
        else:
            signers = [p for p in periods if p.user == KEY_CUSTODIAN]
        signed = {name: value for name, value in entry.items() if name != "signature"}
        ring = KeyRing(signers)
        if entry["signer"] != KEY_CUSTODIAN or not ring.verify(
            KEY_CUSTODIAN, signed, entry["signature"], at=at
        ):
            return f"not signed by the {KEY_CUSTODIAN}'s key of the time"
        if action == KeyAction.ADD and current is not None:
            return f"{user} already holds a key: rotate it"
        if action != KeyAction.ADD and current is None:
            return f"{user} holds no key to {action}"
        if action == KeyAction.REVOKE and user == KEY_CUSTODIAN:
            return f"the {KEY_CUSTODIAN}'s key is rotated, never revoked: it signs the ledger"
        if new_key is not None and any(p.key == new_key for p in periods):
            return "that public key was used before: a key is never given a second life"
        return None


def service_key_id(service: str) -> str:
    """A service's own key in the key ring: it signs its store's checkpoints
    (``runtime.witness``). The colon keeps it apart from every user id."""
    return f"service:{service}"


def require_key_ring(directory: Path, service: str) -> KeyRing:
    """What a running service needs of ``directory``: the key ring, to verify employees' and the
    other services' signatures, and its own private key, to sign its checkpoints, snapshots and
    customers' answers. Raises ``KeyRingError`` naming the file that is missing."""
    ring = KeyRing.load(directory)
    own = private_key_path(directory, service_key_id(service))
    if not own.exists():
        raise KeyRingError(f"the service's own key {own} is missing")
    return ring


def private_key_path(directory: Path, user_id: str) -> Path:
    return directory / f"{user_id}.pem"


def load_private_key(directory: Path, user_id: str) -> Ed25519PrivateKey:
    return read_private_key(private_key_path(directory, user_id))


def read_private_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


def write_private_key(directory: Path, user_id: str, key: Ed25519PrivateKey) -> None:
    path = private_key_path(directory, user_id)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def init_dev_keys(directory: Path, user_ids: Iterable[str]) -> list[str]:
    """Development: a key pair for each user that has none, added to the key ledger (opened
    with a development custodian's key where there is none), valid from the development epoch.
    Returns the users that got a new key."""
    directory.mkdir(parents=True, exist_ok=True)
    wanted = list(dict.fromkeys([KEY_CUSTODIAN, *user_ids]))
    created = []
    for user_id in wanted:
        if not private_key_path(directory, user_id).exists():
            write_private_key(directory, user_id, Ed25519PrivateKey.generate())
            created.append(user_id)
    ledger = KeyLedger.open(directory / KEY_LEDGER_FILE)
    custodian = load_private_key(directory, KEY_CUSTODIAN)
    known = ledger.users()
    at = max([DEVELOPMENT_EPOCH, *(datetime.fromisoformat(e["at"]) for e in ledger.entries[-1:])])
    for user_id in wanted:
        if user_id not in known:
            ledger.append(
                KeyAction.ADD,
                user_id,
                key=load_private_key(directory, user_id).public_key(),
                by="countersign keys init",
                reason="development key",
                at=at,
                custodian=custodian,
            )
    return [user_id for user_id in created if user_id != KEY_CUSTODIAN]
