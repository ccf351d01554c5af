"""The shape of every write: one session in one transaction on the writer engine (SQLite:
BEGIN IMMEDIATE), and the ids the database gives new rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, Select
from sqlmodel import Session, SQLModel

from helpdesk.store.db.engine import writer


@contextmanager
def writing(engine: Engine) -> Iterator[Session]:
    with Session(writer(engine)) as session, session.begin():
        yield session


def new_id(row: SQLModel) -> int:
    """The id the database gave a row just flushed."""
    found = getattr(row, "id", None)
    if found is None:
        raise RuntimeError(f"{type(row).__name__} has no id: it was not flushed")
    return int(found)


def count(session: Session, statement: Select[Any]) -> int:
    """A SELECT count(...) as a number (0 rather than None)."""
    return session.scalar(statement) or 0
