"""Read models are built from a row by the names of their fields, never by position: a select
labels each column with the field it fills, and adding a column is one label and one field."""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import cache
from typing import Any, TypeVar, cast

from helpdesk.clock import as_utc

Model = TypeVar("Model")


def by_name(model: type[Model], row: Any) -> Model:
    """`model` (a dataclass) from the row's columns of the same names. Times come back aware
    UTC and flags as booleans whatever the database returns (SQLite: naive times, 0 and 1)."""
    values = row._mapping
    fields: dict[str, Any] = {}
    for name, flag in _fields(cast(Any, model)):
        value = values[name]
        if isinstance(value, dt.datetime):
            value = as_utc(value)
        elif flag and value is not None:
            value = bool(value)
        fields[name] = value
    return model(**fields)


@cache
def _fields(model: Any) -> tuple[tuple[str, bool], ...]:
    """A read model's fields, and which are flags (read once a model: every row is built by them)."""
    return tuple((field.name, field.type in ("bool", bool)) for field in dataclasses.fields(model))
