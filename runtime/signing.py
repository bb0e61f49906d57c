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
import hashlib
import tomllib
from collections.abc import Iterable, Mapping
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

PUBLIC_KEYS_FILE = "public-keys.toml"


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


class KeyRing:
    """Employees' and services' public keys, by user id.

    Verification goes through libsodium (PyNaCl), which verifies Ed25519 about twice as fast as
    OpenSSL does here: `audit verify` checks every signature ever made."""

    def __init__(self, keys: Mapping[str, Ed25519PublicKey]) -> None:
        self._raw = {
            user: key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            for user, key in keys.items()
        }
        self._keys = {user: VerifyKey(raw) for user, raw in self._raw.items()}

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent to the processes that verify in parallel as the raw public keys.
        return _key_ring_of, (self._raw,)

    @classmethod
    def load(cls, directory: Path) -> KeyRing:
        path = directory / PUBLIC_KEYS_FILE
        if not path.exists():
            return cls({})
        data = tomllib.loads(path.read_text())
        return cls(
            {
                user: Ed25519PublicKey.from_public_bytes(bytes.fromhex(key))
                for user, key in data["public_keys"].items()
            }
        )

    def verify(
        self,
        user_id: str,
        fields: Mapping[str, Any],
        signature: str,
        form: str = CURRENT_FORM,
    ) -> bool:
        key = self._keys.get(user_id)
        if key is None:
            return False
        try:
            key.verify(canonical(fields, form), base64.b64decode(signature, validate=True))
        except (BadSignatureError, ValueError, TypeError):
            return False
        return True


def _key_ring_of(raw: Mapping[str, bytes]) -> KeyRing:
    return KeyRing({user: Ed25519PublicKey.from_public_bytes(key) for user, key in raw.items()})


def service_key_id(service: str) -> str:
    """A service's own key in the key ring: it signs its store's checkpoints
    (``runtime.witness``). The colon keeps it apart from every user id."""
    return f"service:{service}"


def private_key_path(directory: Path, user_id: str) -> Path:
    return directory / f"{user_id}.pem"


def load_private_key(directory: Path, user_id: str) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(
        private_key_path(directory, user_id).read_bytes(), password=None
    )
    assert isinstance(key, Ed25519PrivateKey)
    return key


def init_dev_keys(directory: Path, user_ids: Iterable[str]) -> list[str]:
    """Create a key pair for each user that has none; rewrite the public key file. Returns the
    users that got a new key."""
    directory.mkdir(parents=True, exist_ok=True)
    created = []
    public: dict[str, str] = {}
    for user_id in user_ids:
        path = private_key_path(directory, user_id)
        if not path.exists():
            key = Ed25519PrivateKey.generate()
            path.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            path.chmod(0o600)
            created.append(user_id)
        public[user_id] = (
            load_private_key(directory, user_id)
            .public_key()
            .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            .hex()
        )
    lines = ["# Employees' Ed25519 public keys (hex), by user id.", "[public_keys]"]
    lines += [f'"{user}" = "{key}"' for user, key in sorted(public.items())]
    (directory / PUBLIC_KEYS_FILE).write_text("\n".join(lines) + "\n")
    return created
