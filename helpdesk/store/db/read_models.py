"""Read models are built from a row by the names of their fields, never by position: a select
labels each column with the field it fills, and adding a column is one label and one field."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any, TypeVar

from helpdesk.clock import as_utc

Model = TypeVar("Model")


def by_name(model: type[Model], row: Any) -> Model:
    """`model` (a dataclass) from the row's columns of the same names. Times come back aware
    UTC and flags as booleans whatever the database returns (SQLite: naive times, 0 and 1)."""
    values = row._mapping
    fields: dict[str, Any] = {}
    for field in dataclasses.fields(model):  # type: ignore[arg-type]
        value = values[field.name]
        if isinstance(value, dt.datetime):
            value = as_utc(value)
        elif field.type in ("bool", bool) and value is not None:
            value = bool(value)
        fields[field.name] = value
    return model(**fields)
