"""Compatibility snapshots of the published contracts, and the check that guards them.

A snapshot is a contract's serialization-mode JSON schema (the shape the relay sends), committed as
``snapshots/<EventType>.v<N>.json``. A new schema must keep every message readable both ways: old
consumers read new messages, and replays read old messages with the new model. So removing a
property, changing its type, newly requiring one or dropping an allowed value is breaking; adding
an optional property, or one with a default (which the serialization schema lists as required,
since it is always sent), is not. A breaking change needs a new ``schema_version`` (its own
snapshot).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from contracts.envelope import IntegrationEvent
from contracts.registry import CONTRACTS

SNAPSHOT_DIR: Final = Path(__file__).parent / "snapshots"

Schema = Mapping[str, Any]


def contract_schema(contract: type[IntegrationEvent]) -> dict[str, Any]:
    return contract.model_json_schema(mode="serialization")


def snapshot_path(contract: type[IntegrationEvent], directory: Path = SNAPSHOT_DIR) -> Path:
    return directory / f"{contract.event_type}.v{contract.schema_version}.json"


def render(schema: Schema) -> str:
    """Canonical JSON, so an unchanged schema rewrites the same bytes."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def load_snapshot(
    contract: type[IntegrationEvent], directory: Path = SNAPSHOT_DIR
) -> dict[str, Any] | None:
    path = snapshot_path(contract, directory)
    if not path.exists():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def check(old_schema: Schema, new_schema: Schema) -> list[str]:
    """The breaking changes from ``old_schema`` to ``new_schema``, one sentence each."""
    return _Comparison(old_schema, new_schema).run()


@dataclass
class SnapshotReport:
    written: list[Path] = field(default_factory=list)
    breaking: dict[Path, list[str]] = field(default_factory=dict)


def write_snapshots(
    contracts: Iterable[type[IntegrationEvent]] = tuple(CONTRACTS.values()),
    directory: Path = SNAPSHOT_DIR,
) -> SnapshotReport:
    """Record new contracts and compatible changes; write nothing if any change is breaking."""
    report = SnapshotReport()
    pending: dict[Path, dict[str, Any]] = {}
    for contract in contracts:
        path = snapshot_path(contract, directory)
        schema = contract_schema(contract)
        old = load_snapshot(contract, directory)
        if old == schema:
            continue
        if old is not None and (problems := check(old, schema)):
            report.breaking[path] = problems
        pending[path] = schema
    if not report.breaking:
        directory.mkdir(parents=True, exist_ok=True)
        for path, schema in sorted(pending.items()):
            path.write_text(render(schema), encoding="utf-8")
            report.written.append(path)
    return report


# One alternative a value may take, with the model name it was reached through, if any.
_Option = tuple[str | None, Schema]


class _Comparison:
    """Walks both schemas side by side, each resolving ``$ref`` in its own ``$defs``."""

    def __init__(self, old: Schema, new: Schema) -> None:
        self._old_root, self._new_root = old, new
        self._problems: list[str] = []
        # A model met again (recursion, or reused by several fields) is compared once.
        self._seen: set[tuple[str, str]] = set()

    def run(self) -> list[str]:
        # A recursive model's schema is a bare ``$ref``: name it after the model referred to.
        root = _name(_options(self._old_root, self._old_root)[0])
        self._node(self._old_root, self._new_root, root)
        return self._problems

    def _node(self, old: Schema, new: Schema, path: str) -> None:
        old_options = _options(self._old_root, old)
        new_options = _options(self._new_root, new)
        old_types, new_types = _types(old_options), _types(new_options)
        if old_types != new_types:
            self._problems.append(
                f"{path}: type changed from {_union(old_types)} to {_union(new_types)}"
            )
            return
        self._values(old_options, new_options, path)
        for kind in ("object", "array"):
            old_of_kind = [o for o in old_options if _type_of(o[1]) == kind]
            new_of_kind = [n for n in new_options if _type_of(n[1]) == kind]
            self._alternatives(old_of_kind, new_of_kind, path)

    def _alternatives(self, old: list[_Option], new: list[_Option], path: str) -> None:
        if len(old) == 1 and len(new) == 1:
            pairs = [(old[0], new[0])]
        else:
            by_name = {_name(option): option for option in new}
            pairs = []
            for option in old:
                if (match := by_name.get(_name(option))) is None:
                    self._problems.append(f"{path}: alternative {_name(option)} removed")
                else:
                    pairs.append((option, match))
        for (old_name, old_schema), (new_name, new_schema) in pairs:
            if old_name and new_name:
                if (old_name, new_name) in self._seen:
                    continue
                self._seen.add((old_name, new_name))
            self._compound(old_schema, new_schema, path)

    def _values(self, old: list[_Option], new: list[_Option], path: str) -> None:
        old_values, new_values = _allowed_values(old), _allowed_values(new)
        if new_values is None:
            return
        if old_values is None:
            self._problems.append(f"{path}: now restricted to {_listing(new_values)}")
        elif removed := [v for v in old_values if v not in new_values]:
            self._problems.append(f"{path}: allowed value {_listing(removed)} removed")

    def _compound(self, old: Schema, new: Schema, path: str) -> None:
        old_properties: Schema = old.get("properties", {})
        new_properties: Schema = new.get("properties", {})
        old_required = set(old.get("required", ()))
        for name in old_properties:
            if name not in new_properties:
                self._problems.append(f"{path}.{name}: property removed")
        for name in new.get("required", ()):
            if name not in old_required:
                if name not in old_properties and "default" in new_properties.get(name, {}):
                    # Always sent from now on, and a replayed message without it reads its
                    # default: an added property with a default is optional to every reader.
                    continue
                what = "became required" if name in old_properties else "new required property"
                self._problems.append(f"{path}.{name}: {what}")
        for name, old_property in old_properties.items():
            if name in new_properties:
                self._node(old_property, new_properties[name], f"{path}.{name}")
        if "items" in old and "items" in new:
            self._node(old["items"], new["items"], f"{path}[]")
        old_extra, new_extra = old.get("additionalProperties"), new.get("additionalProperties")
        if isinstance(old_extra, Mapping) and isinstance(new_extra, Mapping):
            self._node(old_extra, new_extra, f"{path}{{}}")


def _options(root: Schema, node: Schema) -> list[_Option]:
    """The alternatives of ``node``: the members of a union (flattened), else the node itself."""
    name = None
    while "$ref" in node:
        # Local references only (``#/$defs/Model``), which is all pydantic writes.
        name = node["$ref"].rsplit("/", 1)[-1]
        node = root["$defs"][name]
    members = node.get("anyOf") or node.get("oneOf")
    if not members:
        return [(name, node)]
    return [option for member in members for option in _options(root, member)]


def _type_of(schema: Schema) -> str:
    if "type" in schema:
        kind = schema["type"]
        return _union(kind) if isinstance(kind, list) else str(kind)
    if "properties" in schema:
        return "object"
    if (values := _values_of(schema)) is not None:
        return _union({_json_type(v) for v in values})
    return "any"


def _types(options: list[_Option]) -> set[str]:
    """Type names, refined by format: ``string`` and ``string(uuid)`` are different types."""
    return {
        f"{_type_of(schema)}({schema['format']})" if "format" in schema else _type_of(schema)
        for _, schema in options
    }


def _values_of(schema: Schema) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    if "enum" in schema:
        return list(schema["enum"])
    if schema.get("type") == "null":
        return [None]
    return None


def _allowed_values(options: list[_Option]) -> list[Any] | None:
    """Every value the options allow, or None when any option allows more than a fixed set."""
    allowed: list[Any] = []
    for _, schema in options:
        if (values := _values_of(schema)) is None:
            return None
        allowed.extend(v for v in values if v not in allowed)
    return allowed


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


def _name(option: _Option) -> str:
    name, schema = option
    return name or str(schema.get("title", _type_of(schema)))


def _union(types: Iterable[str]) -> str:
    return " | ".join(sorted(types))


def _listing(values: list[Any]) -> str:
    return ", ".join(json.dumps(v) for v in values)
