"""Views: what queries answer, and the read tables that hold them.

A view is a pydantic model built by attribute from an aggregate (a command's answer, a lookup by
id) or from a read-table row (lists). Its fields are declared once: the read table a projection
fills is derived from the view (``ReadTable``), so the HTTP schema and the table cannot drift
apart. Lists page, filter and sort in SQL.
"""

from __future__ import annotations

import dataclasses
import inspect
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Generic, TypeVar, Union, get_args, get_origin
from uuid import UUID

from fastapi import Query
from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    Dialect,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    Uuid,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.sql.elements import ColumnElement

from runtime.aggregate import RuleViolation

V = TypeVar("V", bound="View")


class View(BaseModel):
    model_config = ConfigDict(from_attributes=True, frozen=True)


def _to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(Decimal("0.01"))


Money = Annotated[Decimal, Field(max_digits=16, decimal_places=2), AfterValidator(_to_cents)]
"""An amount of money, always shown with its two decimal places."""


def identity(name: str, description: str = "") -> Any:
    """A view's id field (its first): named ``name`` in the view and its table, ``id`` on the
    aggregate."""
    return Field(validation_alias=AliasChoices(name, "id"), description=description)


class Page(BaseModel, Generic[V]):
    items: list[V]
    total: int = Field(description="How many items match, over all pages")
    limit: int
    offset: int


class Amount(TypeDecorator[Decimal]):
    """A decimal stored exactly as an integer of its smallest unit (cents for scale 2), so sums
    and sorting are exact on SQLite as on PostgreSQL."""

    impl = BigInteger
    cache_ok = True

    def __init__(self, scale: int) -> None:
        super().__init__()
        self.scale = scale

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        units = value.scaleb(self.scale)
        if units != units.to_integral_value():
            raise ValueError(f"{value} has more than {self.scale} decimal places")
        return int(units)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(value).scaleb(-self.scale)


class Instant(TypeDecorator[datetime]):
    """A time-zone aware instant, stored in UTC (SQLite keeps no zone of its own)."""

    impl = String(32)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"a time-zone aware datetime is required, got {value}")
        return value.astimezone(UTC).isoformat(timespec="microseconds")

    def process_result_value(self, value: str | None, dialect: Dialect) -> datetime | None:
        return None if value is None else datetime.fromisoformat(value)


def _optional(annotation: Any) -> bool:
    return get_origin(annotation) in (Union, types.UnionType) and type(None) in get_args(annotation)


def _column_type(field: FieldInfo) -> Any:
    annotation = field.annotation
    if _optional(annotation):
        annotation = next(a for a in get_args(annotation) if a is not type(None))
    if get_origin(annotation) in (list, tuple, dict):
        return JSON()
    if not isinstance(annotation, type):
        raise TypeError(f"no column type for {annotation!r}")
    if issubclass(annotation, bool):
        return Boolean()
    if issubclass(annotation, int):
        return Integer() if not issubclass(annotation, Enum) else String(100)
    if issubclass(annotation, Enum | str):
        return String(_max_length(field))
    for python_type, column_type in (
        (UUID, Uuid()),
        (datetime, Instant()),
        (date, Date()),
    ):
        if issubclass(annotation, python_type):
            return column_type
    if issubclass(annotation, Decimal):
        return Amount(_decimal_places(field))
    raise TypeError(f"no column type for {annotation!r}")


def _max_length(field: FieldInfo) -> int | None:
    return next((m.max_length for m in field.metadata if hasattr(m, "max_length")), None)


def _decimal_places(field: FieldInfo) -> int:
    return next((m.decimal_places for m in field.metadata if getattr(m, "decimal_places", None)), 2)


@dataclass(frozen=True)
class PageRequest:
    """Which page of a list, sorted how, filtered how."""

    limit: int = 50
    offset: int = 0
    sort: str | None = None
    """A sortable field; a leading '-' sorts descending. None: the list's first sortable field."""
    filters: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """Column -> the value it must equal."""


class ReadTable(Generic[V]):
    """A read table whose rows are ``view``s: one column per field, the first field the key.

    Projections write it (``insert``, ``update``), queries page through it: sorted by any of
    ``sortable`` (the first by default), filtered by equality on ``filters``. Both are indexed.
    """

    def __init__(
        self,
        view: type[V],
        name: str,
        *,
        sortable: tuple[str, ...],
        filters: tuple[str, ...] = (),
    ) -> None:
        self.view = view
        self.sortable = sortable
        self.filters = filters
        self.query = self._query_parameters()
        """A FastAPI dependency: the list's query parameters (paging, sorting, its filters,
        typed and bounded as the view's fields) as a PageRequest."""
        fields = view.model_fields.items()
        self.key = next(iter(view.model_fields))
        self.table = Table(
            name,
            MetaData(),
            *(
                Column(
                    field_name,
                    _column_type(field),
                    primary_key=field_name == self.key,
                    nullable=_optional(field.annotation),
                    index=field_name in (*sortable, *filters),
                    comment=field.description,
                )
                for field_name, field in fields
            ),
        )

    def insert(self, db: Connection, event: Any, **values: Any) -> None:
        """A new row for ``event``'s aggregate: each column from ``values``, else the event's
        field of that name; the key is the aggregate id and a ``version`` column its version."""
        row = {}
        for column in self.table.columns:
            name = column.name
            if name in values:
                row[name] = values[name]
            elif name == self.key:
                row[name] = event.originator_id
            elif name == "version":
                row[name] = event.originator_version
            else:
                row[name] = getattr(event, name)
        db.execute(insert(self.table).values(row))

    def update(self, db: Connection, event: Any, **values: Any) -> None:
        """Change the row of ``event``'s aggregate (its ``version`` column too, if it has one)."""
        columns = self.table.c
        if "version" in columns:
            values["version"] = event.originator_version
        statement = update(self.table).where(columns[self.key] == event.originator_id)
        db.execute(statement.values(**values))

    def delete(self, db: Connection, event: Any) -> None:
        columns = self.table.c
        db.execute(delete(self.table).where(columns[self.key] == event.originator_id))

    def get(self, db: Connection, key: Any) -> V | None:
        found = db.execute(select(self.table).where(self.table.c[self.key] == key)).first()
        return None if found is None else self.view.model_validate(found)

    def page(self, db: Connection, request: PageRequest, *where: ColumnElement[bool]) -> Page[V]:
        """The page ``request`` asks for, of the rows that also meet ``where``."""
        columns = self.table.c
        unknown = set(request.filters) - set(self.filters)
        if unknown:
            raise TypeError(f"{self.table.name} does not filter on {sorted(unknown)}")
        chosen = [columns[name] == value for name, value in request.filters.items()]
        query = select(self.table).where(*where, *chosen)
        sort = request.sort or self.sortable[0]
        if sort.removeprefix("-") not in self.sortable:
            raise RuleViolation("INPUT", f"cannot sort by {sort!r}", sortable=list(self.sortable))
        column = columns[sort.removeprefix("-")]
        order = column.desc() if sort.startswith("-") else column.asc()
        total = db.execute(select(func.count()).select_from(query.subquery())).scalar_one()
        query = query.order_by(order, columns[self.key])
        rows = db.execute(query.limit(request.limit).offset(request.offset))
        return Page[self.view](  # type: ignore[name-defined]
            items=[self.view.model_validate(row) for row in rows],
            total=total,
            limit=request.limit,
            offset=request.offset,
        )

    def _query_parameters(self) -> Callable[..., PageRequest]:
        fields = self.view.model_fields
        parameters = [
            _query("limit", int, 50, Query(ge=1, le=500, description="Items per page")),
            _query("offset", int, 0, Query(ge=0, le=1_000_000, description="Items to skip")),
            _query(
                "sort",
                str | None,
                None,
                Query(
                    pattern=f"^-?({'|'.join(self.sortable)})$",
                    description=f"One of {', '.join(self.sortable)} (the first by default); "
                    "a leading '-' sorts descending",
                ),
            ),
            *(
                _query(name, _or_none(fields[name].annotation), None, Query())
                for name in self.filters
            ),
        ]

        def query(**values: Any) -> PageRequest:
            chosen = {name: values[name] for name in self.filters if values[name] is not None}
            return PageRequest(values["limit"], values["offset"], values["sort"], chosen)

        query.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        return query


def _or_none(annotation: Any) -> Any:
    return annotation | None


def _query(name: str, annotation: Any, default: Any, query: Any) -> inspect.Parameter:
    return inspect.Parameter(
        name,
        inspect.Parameter.KEYWORD_ONLY,
        default=default,
        annotation=Annotated[annotation, query],
    )
