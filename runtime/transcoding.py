"""The one set of JSON transcodings every store encodes events with, and the generic one for
value objects.

A value object is a frozen dataclass (an order line, an approval step). Each is stored as a JSON
object of its fields under its class name and rebuilt with pydantic, which turns JSON arrays back
into tuples and nested values into their types. The audit tools decode stored events with the same
transcoder, so what they check is exactly what the services stored.
"""

from __future__ import annotations

import base64
import dataclasses
from collections.abc import Iterable
from datetime import date
from typing import Any, TypeVar

import orjson
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Transcoding,
    UUIDAsHex,
)
from pydantic import BaseModel, TypeAdapter


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class BytesAsBase64(Transcoding):
    type = bytes
    name = "bytes_b64"

    def encode(self, obj: bytes) -> str:
        return base64.b64encode(obj).decode()

    def decode(self, data: str) -> bytes:
        return base64.b64decode(data)


class ValueObjectAsDict(Transcoding):
    """Any frozen dataclass, as a JSON object of its fields."""

    def __init__(self, value_type: type[Any]) -> None:
        if not (dataclasses.is_dataclass(value_type) and value_type.__dataclass_params__.frozen):  # type: ignore[attr-defined]
            raise TypeError(f"{value_type.__qualname__} is not a frozen dataclass")
        self.type = value_type
        self.name = value_type.__qualname__
        self._fields = tuple(f.name for f in dataclasses.fields(value_type))
        self._adapter = TypeAdapter(value_type)

    def encode(self, obj: Any) -> dict[str, Any]:
        return {name: getattr(obj, name) for name in self._fields}

    def decode(self, data: dict[str, Any]) -> Any:
        return self._adapter.validate_python(data)


def common_transcodings() -> list[Transcoding]:
    return [UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO(), BytesAsBase64()]


def register(transcoder: JSONTranscoder, value_objects: Iterable[type[Any]]) -> None:
    """Register the common transcodings and one for each value object type."""
    for transcoding in (*common_transcodings(), *map(ValueObjectAsDict, value_objects)):
        transcoder.register(transcoding)


class FastJSONTranscoder(JSONTranscoder):
    """The eventsourcing library's JSON transcoding, through orjson: several times faster than
    the standard library each way.

    Encoding first replaces every value the library would hand to its ``default`` hook (a UUID,
    a date, a value object...) by its ``{"_type_", "_data_"}`` object, because orjson would write
    some of them its own way; what is left is plain JSON data, written compact and in UTF-8 as
    the library writes it. Decoding revives the transcoded values innermost first, as the
    standard decoder's object hook would."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(self._plain(obj))

    def _plain(self, value: Any) -> Any:
        kind = type(value)
        if kind in _SCALARS:
            return value
        if kind is dict:
            return {
                key: inner if type(inner) in _SCALARS else self._plain(inner)
                for key, inner in value.items()
            }
        if kind is list or kind is tuple:
            return [inner if type(inner) in _SCALARS else self._plain(inner) for inner in value]
        transcoding = self.types.get(kind)
        if transcoding is not None:
            return {"_type_": transcoding.name, "_data_": self._plain(transcoding.encode(value))}
        # Subclasses of the JSON types (string enums, named tuples) are written as their base
        # type, as the standard library's encoder writes them.
        if isinstance(value, str | int | float):
            return value
        if isinstance(value, dict):
            return {key: self._plain(inner) for key, inner in value.items()}
        if isinstance(value, list | tuple):
            return [self._plain(inner) for inner in value]
        return self._encode_obj(value)  # raises: no transcoding registered for this type

    def decode(self, data: bytes) -> Any:
        return self._revive(orjson.loads(data))

    def _revive(self, value: Any) -> Any:
        # Exact type checks: a decoded document holds only dict, list and scalars, and
        # ``type(x) is dict`` costs a fraction of ``isinstance(x, dict | list)``.
        if type(value) is dict:
            for key, inner in value.items():
                kind = type(inner)
                if kind is dict or kind is list:
                    value[key] = self._revive(inner)
            return self._decode_obj(value) if "_type_" in value else value
        if type(value) is list:
            return [self._revive(v) if type(v) in _CONTAINERS else v for v in value]
        return value


_CONTAINERS = frozenset({dict, list})
_SCALARS = frozenset({str, int, float, bool, type(None)})


def new_transcoder(value_objects: Iterable[type[Any]]) -> JSONTranscoder:
    transcoder = FastJSONTranscoder()
    register(transcoder, value_objects)
    return transcoder


T = TypeVar("T")


def value_object(kind: type[T], source: BaseModel) -> T:
    """A value object built from a model with the same field names (a request body)."""
    adapter: TypeAdapter[T] = TypeAdapter(kind)
    return adapter.validate_python(source.model_dump())
