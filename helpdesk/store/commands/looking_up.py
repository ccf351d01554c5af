"""Looking a call up across the record (domain.search): by number, URN, phone number, inspection
reference, or words through the full-text index the database keeps (migration 0019); newest
first, a page at a time; closed calls only for those who may read them (a senior: the ones they
held); calls the information barrier keeps from the person left out. Every look-up is recorded
in the audit trail: who, what kind of field, how many results; never the words."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, literal, not_, or_, select, text
from sqlalchemy.orm import aliased
from sqlmodel import col

from helpdesk.clock import as_utc, london
from helpdesk.domain.permissions import Permission, may
from helpdesk.domain.search import LookUp, fts5_query, tsquery
from helpdesk.domain.types import ConcernStatus, EventKind
from helpdesk.store.acting import acting_member, tied_to
from helpdesk.store.db.audit import record_event
from helpdesk.store.db.models import Concern, Inspection, School, Staff
from helpdesk.store.db.transaction import writing
from helpdesk.store.rows import LookUpPage, LookUpRow

PAGE = 50
AT_MOST_READ = 2000  # word matches read past, a page, before the page is cut short (then: more)
NEWEST_WALKED = 5000  # PostgreSQL: calls walked newest first for a word before its index list is read


def look_up(engine: Engine, login: str, query: LookUp, now: dt.datetime, before: int | None = None) -> LookUpPage:
    """One page of the calls `query` finds, newest first, older than call `before` if given."""
    today = london(now).date()
    with engine.connect() as connection:
        member = acting_member(connection, login, Permission.OPEN_CALLS)
        allowed = _allowed(login, today, may(member.role, Permission.READ_CLOSED_CALLS))
        if query.words:
            found, more = _by_words(connection, query, allowed, before)
        else:
            found, more = _exactly(connection, query, allowed, before)
    with writing(engine) as session:
        record_event(
            session,
            actor=login,
            kind=EventKind.LOOKED_UP,
            at=now,
            what=query.kind,
            results=len(found),
            more=more or None,
        )
    return LookUpPage(query.typed, found, more)


def _allowed(login: str, today: dt.date, reads_closed: bool) -> Any:
    """The calls this person may see in a look-up (the same rule as opening one)."""
    closed_ok = literal(True) if reads_closed else col(Concern.claimed_by) == login
    return and_(or_(col(Concern.status) != ConcernStatus.CLOSED.value, closed_ok), not_(tied_to(login, today)))


def _rows(connection: Connection, condition: Any, matched: Any, limit: int) -> list[LookUpRow]:
    holder = aliased(Staff)
    rows = connection.execute(
        select(
            col(Concern.id),
            col(Concern.received_at),
            col(Concern.status),
            col(Concern.urn),
            col(School.name),
            col(Concern.category),
            func.coalesce(col(holder.name), col(Concern.claimed_by)),
            matched,
        )
        .join(School, col(School.urn) == col(Concern.urn))
        .outerjoin(holder, col(holder.login) == col(Concern.claimed_by))
        .where(condition)
        .order_by(col(Concern.id).desc())
        .limit(limit)
    ).all()
    return [LookUpRow(r[0], as_utc(r[1]), r[2], r[3], r[4], r[5], r[6], r[7]) for r in rows]


def _exactly(connection: Connection, query: LookUp, allowed: Any, before: int | None) -> tuple[list[LookUpRow], bool]:
    """A call number, a URN, a phone number: the indexes on the calls themselves."""
    conditions: list[tuple[Any, str]] = []
    if query.number:
        conditions.append((col(Concern.id) == query.number, "call number"))
    if query.urn:
        conditions.append((col(Concern.urn) == query.urn, "URN"))
    if query.phone:
        conditions.append((col(Concern.caller_phone) == query.phone, "caller's number"))
    found: dict[int, LookUpRow] = {}
    exhausted = True
    for condition, matched in conditions:

        def ids(cursor: int | None, n: int, condition: Any = condition) -> list[int]:
            older = [col(Concern.id) < cursor] if cursor else []
            statement = select(col(Concern.id)).where(condition, *older).order_by(col(Concern.id).desc()).limit(n)
            return [int(i) for i in connection.scalars(statement) if i is not None]

        rows, done = _page_of(connection, ids, allowed, literal(matched), before)
        for row in rows:
            found.setdefault(row.id, row)
        exhausted = exhausted and done
    ordered = sorted(found.values(), key=lambda row: -row.id)
    return ordered[:PAGE], len(ordered) > PAGE or not exhausted


def _page_of(
    connection: Connection, ids: Any, allowed: Any, matched: Any, before: int | None
) -> tuple[list[LookUpRow], bool]:
    """A page of the calls `ids(cursor, n)` gives (newest first, from an index alone), a slice at
    a time, each slice read for the rows this person may see, until the page is full or enough
    has been read past; and whether the ids ran out. (Asked in one statement, the rules of who
    may see a call would be weighed for every call the index finds, before the newest are kept.)"""
    found: dict[int, LookUpRow] = {}
    cursor, read = before, 0
    while len(found) <= PAGE and read < AT_MOST_READ:
        slice_ = ids(cursor, PAGE + 1)
        read += len(slice_)
        if slice_:
            for row in _rows(connection, and_(col(Concern.id).in_(slice_), allowed), matched, PAGE + 1):
                found.setdefault(row.id, row)
            cursor = slice_[-1]
        if len(slice_) <= PAGE:
            return sorted(found.values(), key=lambda row: -row.id), True
    return sorted(found.values(), key=lambda row: -row.id), False


def _word_ids(connection: Connection, q: str, before: int | None, n: int) -> list[int]:
    """Call ids the full-text index finds for `q`, newest first, older than `before`."""
    values = {"q": q, "before": before or 2**62, "n": n}
    if connection.dialect.name != "postgresql":
        statement = (
            "SELECT rowid FROM call_search WHERE call_search MATCH :q AND rowid < :before ORDER BY rowid DESC LIMIT :n"
        )
        return [int(i) for i in connection.scalars(text(statement), values)]
    # PostgreSQL's planner cannot tell a word in every call from a word in one (a prefix's
    # statistics say little), and either plan it may choose is slow for the other: walking the
    # calls newest first is quick for a common word and reads every call for a rare one; the
    # index's list of matches is quick for a rare word and sorts a million for a common one. So
    # both, each bounded: the newest calls walked first; if they hold too few matches, the word
    # is rare enough for the index's list, read with the walk ruled out.
    recent = [
        int(i)
        for i in connection.scalars(
            text(
                "SELECT concern_id FROM (SELECT concern_id, document FROM call_search WHERE concern_id < :before"
                " ORDER BY concern_id DESC LIMIT :window) AS newest WHERE document @@ to_tsquery('simple', :q)"
                " ORDER BY concern_id DESC LIMIT :n"
            ),
            values | {"window": NEWEST_WALKED},
        )
    ]
    if len(recent) >= n:
        return recent
    connection.execute(text("SET LOCAL enable_seqscan = off"))
    connection.execute(text("SET LOCAL enable_indexscan = off"))
    try:
        return [
            int(i)
            for i in connection.scalars(
                text(
                    "SELECT concern_id FROM call_search WHERE document @@ to_tsquery('simple', :q)"
                    " AND concern_id < :before ORDER BY concern_id DESC LIMIT :n"
                ),
                values,
            )
        ]
    finally:
        connection.execute(text("RESET enable_seqscan"))
        connection.execute(text("RESET enable_indexscan"))


def _by_words(connection: Connection, query: LookUp, allowed: Any, before: int | None) -> tuple[list[LookUpRow], bool]:
    """An inspection reference typed exactly, and the full-text index: the index gives call ids
    newest first, a slice at a time; each slice is read for the rows this person may see, until
    a page is full (or enough of the index has been read past: then there may be more)."""
    found: dict[int, LookUpRow] = {}
    inspections = list(
        connection.scalars(
            select(col(Inspection.id)).where(func.lower(col(Inspection.reference)) == query.typed.strip().lower())
        )
    )
    older = [col(Concern.id) < before] if before else []
    if inspections:  # (read first: asked of every call in one statement, SQLite would walk them all)
        matched = and_(col(Concern.inspection_id).in_(inspections), allowed, *older)
        for row in _rows(connection, matched, literal("inspection"), PAGE + 1):
            found[row.id] = row
    q = tsquery(query.words) if connection.dialect.name == "postgresql" else fts5_query(query.words)
    rows, exhausted = _page_of(
        connection, lambda cursor, n: _word_ids(connection, q, cursor, n), allowed, literal("words"), before
    )
    for row in rows:
        found.setdefault(row.id, row)
    ordered = sorted(found.values(), key=lambda row: -row.id)
    return ordered[:PAGE], len(ordered) > PAGE or not exhausted
