"""The record bound to the trail: which tables are the record, which of their rows a transaction
created, changed or removed, and their digests as written, for the event that records the change
(see `domain.audit_chain.row_digest`). Rows changed through the ORM are noticed at each flush;
a command that changes rows with a bulk UPDATE names them (`touch`)."""

from __future__ import annotations

import datetime as dt
import heapq
import json
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    Connection,
    DateTime,
    Row,
    Select,
    String,
    Table,
    bindparam,
    event,
    select,
    text,
    tuple_,
    type_coerce,
)
from sqlmodel import Session, SQLModel, col

from helpdesk.domain.audit_chain import REMOVED, digest_in_order, row_digester, row_key
from helpdesk.store.db.models import (
    Advice,
    Alert,
    CallLink,
    Concern,
    Conflict,
    ContactAttempt,
    Escalation,
    Event,
    FollowUp,
    Handover,
    Inspection,
    InspectionMember,
    Notification,
    OnCall,
    PauseDecision,
    PolicyVersion,
    Review,
    Risk,
    RiskStep,
    Staff,
    table_of,
)

# the record: every table whose rows an event vouches for (reference data from the public
# schools extract, presence, settings and the figures' cache are not the record)
RECORD_MODELS: tuple[type[SQLModel], ...] = (
    Staff,
    Conflict,
    Inspection,
    InspectionMember,
    Concern,
    Advice,
    ContactAttempt,
    PauseDecision,
    Notification,
    Handover,
    Review,
    FollowUp,
    CallLink,
    Escalation,
    Risk,
    RiskStep,
    OnCall,
    Alert,
    PolicyVersion,
)
RECORD_TABLES: dict[str, Table] = {table_of(model).name: table_of(model) for model in RECORD_MODELS}
# Columns added to the record after rows were first sealed, by table: each is digested only when
# it holds a value, so the rows already on record (NULL there) keep the digests their events carry,
# and an upgrade that adds a column need not vouch for every row again. New columns of the
# record are added nullable and named here.
SEALED_WHEN_SET: dict[str, frozenset[str]] = {
    "pause_decision": frozenset({"refused_by", "refused_at", "refusal_reason", "policy_version"}),  # 0014, 0020
    "escalation": frozenset({"decision_id", "policy_version"}),  # 0014, 0020
    "inspection": frozenset({"wellbeing_name", "wellbeing_role", "wellbeing_phone"}),  # 0015
    "concern": frozenset({"told_judgement_unaffected_at", "told_may_be_accompanied_at"}),  # 0015
    "staff": frozenset({"email"}),  # 0018
}
TOUCHED = "touched rows"  # where a session keeps the rows its flushes changed, by table
CHUNK = 500

Touched = dict[str, set[tuple[Any, ...]]]  # table name: primary keys


def touch(session: Session, table: str, keys: Iterable[Any]) -> None:
    """Note rows changed without the ORM (a bulk UPDATE): their digests go in the session's next
    event. (A session's notes end with it; a bare Connection passes its rows to the event itself.)"""
    into = session.info.setdefault(TOUCHED, defaultdict(set))
    into[table].update(tuple(key) if isinstance(key, tuple | Row) else (key,) for key in keys)


def take_touched(session: Session) -> Touched:
    touched: Touched = session.info.pop(TOUCHED, {})
    return touched


@event.listens_for(Session, "after_flush")
def _note_flushed(session: Session, _context: Any) -> None:
    """Every record row a flush inserted, updated or deleted is noted on the session."""
    into = session.info.setdefault(TOUCHED, defaultdict(set))
    for instance in (*session.new, *session.dirty, *session.deleted):
        table = getattr(type(instance), "__tablename__", None)
        if table in RECORD_TABLES:
            mapper = instance.__mapper__
            into[table].add(tuple(mapper.primary_key_from_instance(instance)))


@event.listens_for(Session, "after_rollback")
def _forget_touched(session: Session) -> None:
    session.info.pop(TOUCHED, None)


def digests(connection: Connection, touched: Touched) -> dict[str, str]:
    """Each touched row's digest as it now stands in this transaction ("removed" if it is gone)."""
    sealed: dict[str, str] = {}
    for name in sorted(touched):
        table = RECORD_TABLES[name]
        keys = sorted(touched[name], key=lambda key: tuple(str(part) for part in key))
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            found = {row_key(name, key): digest for key, digest in rows_with_digests(connection, table, chunk)}
            for key in chunk:
                sealed[row_key(name, key)] = found.get(row_key(name, key), REMOVED)
    return sealed


def rows_with_digests(
    connection: Connection, table: Table, keys: list[tuple[Any, ...]] | None = None
) -> Iterator[tuple[tuple[Any, ...], str]]:
    """(primary key, digest) of the table's rows: those with `keys`, or all of them."""
    stored_as_text = connection.dialect.name == "sqlite"
    names, at, everything, by_key, times = _statements(table.name, _BEFORE_LATER_COLUMNS.get(), stored_as_text)
    primary = list(table.primary_key.columns)
    if keys is None:
        statement, parameters = everything, {}
    elif len(primary) == 1:
        statement, parameters = by_key, {"keys": [key[0] for key in keys]}
    else:
        statement, parameters = everything.where(tuple_(*primary).in_(keys)), {}
    when_set = [names.index(name) for name in SEALED_WHEN_SET.get(table.name, ()) if name in names]
    dialect = connection.dialect
    parse = {i: table.c[names[i]].type.dialect_impl(dialect).result_processor(dialect, None) for i in times}
    digest, single = row_digester(table.name, names), at[0] if len(at) == 1 else None
    for row in connection.execute(statement, parameters):
        values = list(row)
        for i in times:  # SQLite's stored text of a time, read as it is: its UTC text made from it
            if values[i] is not None:
                values[i] = time_text(values[i], parse[i])
        key = (values[single],) if single is not None else tuple(values[i] for i in at)
        if when_set and any(values[i] is None for i in when_set):
            kept = [i for i in range(len(names)) if i not in when_set or values[i] is not None]
            yield key, digest_in_order(table.name, tuple(names[i] for i in kept), [values[i] for i in kept])
        else:
            yield key, digest(values)


_AS_STORED = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}")  # how SQLite keeps a time


def time_text(stored: str, parse: Any) -> str | dt.datetime:
    """A time as SQLite keeps it, for its digest: in the form every command writes, its UTC text
    at once (the very text the time read as a datetime would give: digits moved, not parsed;
    a row's digest is the same either way); in any other form, read as SQLAlchemy reads it."""
    if type(stored) is str and len(stored) == 26 and _AS_STORED.fullmatch(stored):
        return f"{stored[:10]}T{stored[11:]}Z"
    if parse is None:
        return stored
    moment: dt.datetime = parse(stored)
    return moment


_BEFORE_LATER_COLUMNS: ContextVar[bool] = ContextVar("before later columns", default=False)


@contextmanager
def before_later_columns() -> Iterator[None]:
    """For an upgrade that seals rows before the columns of SEALED_WHEN_SET exist: their rows are
    read without them (and digested as they will be while those columns hold NULL)."""
    token = _BEFORE_LATER_COLUMNS.set(True)
    try:
        yield
    finally:
        _BEFORE_LATER_COLUMNS.reset(token)


def before_later_columns_now() -> bool:
    """Whether an upgrade is sealing rows before the later columns exist (the event's time of
    recording among them: events are written then as they were before revision 0021)."""
    return _BEFORE_LATER_COLUMNS.get()


@cache
def _statements(
    name: str, without_later: bool = False, times_as_stored: bool = False
) -> tuple[tuple[str, ...], list[int], Select[Any], Select[Any], list[int]]:
    """A record table's columns in sorted order, where its primary key sits among them, its
    reads (all rows; rows by key) and where its times sit, built once: every command reads the
    rows it changed. With `times_as_stored`, times are read as the database keeps them."""
    table = RECORD_TABLES[name]
    primary = list(table.primary_key.columns)
    later = SEALED_WHEN_SET.get(name, frozenset()) if without_later else frozenset()
    columns = sorted((c for c in table.columns if c.name not in later), key=lambda column: column.name)
    names = tuple(column.name for column in columns)
    times = [i for i, column in enumerate(columns) if isinstance(column.type, DateTime)] if times_as_stored else []
    read = [
        type_coerce(column, String).label(column.name) if i in times else column for i, column in enumerate(columns)
    ]
    everything = select(*read).order_by(*primary)
    by_key = everything.where(primary[0].in_(bindparam("keys", expanding=True)))
    return names, [names.index(column.name) for column in primary], everything, by_key, times


# --- verifying -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RowProblem:
    """A row of the record that does not match what the trail says of it."""

    row: str  # "advice:41"
    event_id: int | None  # the event that last vouched for it, if any
    problem: str


@dataclass(frozen=True)
class RecordReport:
    rows: int  # rows of the record checked
    problems: list[RowProblem]  # the first of them, in table order
    total: int  # how many there are in all


def record_mentions(connection: Connection) -> Iterator[tuple[int, dict[str, str]]]:
    """Each event's id and the digests of the rows of the record it vouches for (its `rows`
    detail), oldest first."""
    after = 0
    statement = (
        select(col(Event.id), col(Event.details))
        .where(col(Event.id) > bindparam("after"), col(Event.details).like('%"rows":%'))
        .order_by(col(Event.id))
        .limit(CHUNK * 10)
    )
    while True:
        chunk = cast(list[tuple[int, str]], connection.execute(statement, {"after": after}).all())
        for event_id, details in chunk:
            rows = json.loads(details).get("rows")
            if isinstance(rows, dict):
                yield event_id, rows
        if len(chunk) < CHUNK * 10:
            return
        after = chunk[-1][0]


def check_record(
    connection: Connection, mentions: Iterator[tuple[int, dict[str, str]]], shown: int = 20
) -> RecordReport:
    """Compare every row of the record with the digest its latest event carries. `mentions`
    gives each event's id and its `rows` detail, oldest first. The work is done in temporary
    tables keyed by row (the latest digest said of each, each row's digest now), so memory stays
    flat however large the record."""
    keyed = " WITHOUT ROWID" if connection.dialect.name == "sqlite" else ""
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE sealed (row_key TEXT PRIMARY KEY, event_id INTEGER NOT NULL, digest TEXT NOT NULL){keyed}"
    )
    connection.exec_driver_sql(
        f"CREATE TEMPORARY TABLE standing (row_key TEXT PRIMARY KEY, digest TEXT NOT NULL){keyed}"
    )
    mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
    put_sealed = (  # oldest first: the latest event's digest is the one kept
        f"INSERT INTO sealed VALUES ({mark}, {mark}, {mark}) "
        "ON CONFLICT (row_key) DO UPDATE SET event_id = excluded.event_id, digest = excluded.digest"
    )
    put_standing = f"INSERT INTO standing VALUES ({mark}, {mark})"
    try:
        said: list[tuple[str, int, str]] = []
        for event_id, rows in mentions:
            said.extend((row, event_id, digest) for row, digest in rows.items())
            if len(said) >= CHUNK * 10:
                connection.exec_driver_sql(put_sealed, said)
                said = []
        if said:
            connection.exec_driver_sql(put_sealed, said)
        checked = 0
        for name, table in RECORD_TABLES.items():
            found: list[tuple[str, str]] = []
            for key, digest in rows_with_digests(connection, table):
                found.append((row_key(name, key), digest))
                if len(found) >= CHUNK * 10:
                    connection.exec_driver_sql(put_standing, found)
                    checked, found = checked + len(found), []
            if found:
                connection.exec_driver_sql(put_standing, found)
                checked += len(found)
        counted = [0]

        def each_problem() -> Iterator[tuple[str, str, int | None]]:
            for kind, row, event_id in connection.execute(text(_PROBLEMS), {"removed": REMOVED}):
                counted[0] += 1
                yield row, kind, event_id

        first = heapq.nsmallest(shown, each_problem())  # the first rows by name, and how many in all
        return RecordReport(
            checked, [RowProblem(row, event_id, _SAID[kind]) for row, kind, event_id in first], counted[0]
        )
    finally:
        connection.exec_driver_sql("DROP TABLE IF EXISTS sealed")
        connection.exec_driver_sql("DROP TABLE IF EXISTS standing")


_SAID = {
    "changed": "it differs from the digest its latest event carries: changed outside the commands",
    "unaccounted": "no event accounts for it: it was put in outside the commands",
    "removed": "it is gone, but no event removed it: deleted outside the commands",
}

_PROBLEMS = """
    SELECT 'changed', standing.row_key, sealed.event_id
      FROM standing JOIN sealed ON sealed.row_key = standing.row_key
     WHERE sealed.digest <> standing.digest
    UNION ALL
    SELECT 'unaccounted', standing.row_key, NULL
      FROM standing WHERE NOT EXISTS (SELECT 1 FROM sealed WHERE sealed.row_key = standing.row_key)
    UNION ALL
    SELECT 'removed', sealed.row_key, sealed.event_id
      FROM sealed
     WHERE sealed.digest <> :removed AND NOT EXISTS (SELECT 1 FROM standing WHERE standing.row_key = sealed.row_key)
"""
