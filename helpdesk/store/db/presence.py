"""Presence: each console viewing a call sends a heartbeat; a session that goes away expires.

Heartbeats must not wake every console: a console that woke for each of fifty others' beats
every 15 seconds would cost the database the square of the consoles. So presence lives apart
from what the change feed watches. SQLite: in a file of its own beside the database
(`helpdesk-presence.sqlite` beside `helpdesk.sqlite`, made with the same mode), written through
an engine of its own, so the database's `data_version` does not move. PostgreSQL: in the
database, with no change notification on it (migration 0009). Consoles read who is viewing
when the record changes (opening a call is a recorded "viewed" event) and after each of their
own heartbeats, a fixed cost per console.
"""

from __future__ import annotations

import datetime as dt
import itertools
import secrets
import threading
import weakref
from collections import defaultdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, delete, event, select
from sqlmodel import Session, col

from helpdesk.store.db.engine import make_engine, sqlite_file, sqlite_url, writer
from helpdesk.store.db.models import Presence, Staff

HEARTBEAT_SECONDS = 15
EXPIRES_AFTER = dt.timedelta(seconds=45)
TIDY_EVERY = 4  # heartbeats of this console's between two tidyings of long-gone sessions
_BEATS = itertools.count()
RECORD = "record"  # the name the presence file gives the attached database (for staff names)

_ENGINES: weakref.WeakKeyDictionary[Engine, Engine] = weakref.WeakKeyDictionary()
_MAKING = threading.Lock()


def new_session_id() -> str:
    return secrets.token_hex(8)


def presence_file(database: Path) -> Path:
    """`helpdesk-presence.sqlite` beside `helpdesk.sqlite`."""
    return database.with_name(f"{database.stem}-presence{database.suffix or '.sqlite'}")


def presence_engine(engine: Engine) -> Engine:
    """Where presence is kept for the database behind `engine`: a file of its own beside a
    SQLite file (made, with its table, on first use), else the database itself."""
    database = sqlite_file(str(engine.url))
    if database is None:
        return engine
    with _MAKING:
        if engine not in _ENGINES:
            path = presence_file(database)
            made = make_engine(sqlite_url(path), create=True)  # the mode its folder gives

            @event.listens_for(made, "connect")
            def _attach_record(dbapi_connection: Any, _record: Any) -> None:
                # staff names come from the database itself, in the same statement (only read)
                dbapi_connection.execute(f"ATTACH DATABASE ? AS {RECORD}", (f"file:{quote(str(database))}?mode=rw",))

            # under the write lock: consoles that start together all try to make the table, and a
            # read that turns into a write fails at once in WAL mode (no busy wait) if another wrote
            Presence.metadata.create_all(writer(made), tables=[Presence.metadata.tables["presence"]])
            _ENGINES[engine] = made
        return _ENGINES[engine]


def beat(engine: Engine, session_id: str, login: str, concern_id: int | None, now: dt.datetime) -> None:
    """Say this session is here, looking at `concern_id` (or at no call)."""
    from sqlalchemy.dialects import postgresql, sqlite  # only when a call is first viewed

    where = presence_engine(engine)
    with Session(writer(where)) as session, session.begin():
        dialect_insert = postgresql.insert if where.dialect.name == "postgresql" else sqlite.insert
        statement = dialect_insert(Presence).values(
            session_id=session_id, login=login, concern_id=concern_id, seen_at=now
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["session_id"], set_={"concern_id": concern_id, "seen_at": now, "login": login}
            )
        )
        if next(_BEATS) % TIDY_EVERY == 0:  # tidy long-gone sessions, once a minute a console
            session.execute(delete(Presence).where(col(Presence.seen_at) < now - EXPIRES_AFTER * 4))


def leave(engine: Engine, session_id: str) -> None:
    with Session(writer(presence_engine(engine))) as session, session.begin():
        session.execute(delete(Presence).where(col(Presence.session_id) == session_id))


def open_consoles(engine: Engine, now: dt.datetime) -> list[str]:
    """Who has a console open (live heartbeats), by name, each once."""
    with presence_engine(engine).connect() as connection:
        rows = connection.execute(
            select(col(Staff.name), col(Presence.login))
            .outerjoin(Staff, col(Staff.login) == col(Presence.login))
            .where(col(Presence.seen_at) >= now - EXPIRES_AFTER)
            .order_by(col(Staff.name), col(Presence.login))
        ).all()
    return list(dict.fromkeys(name or login for name, login in rows))


def viewers(engine: Engine, now: dt.datetime) -> dict[int, list[str]]:
    """Names of the people currently viewing each call (live heartbeats only)."""
    with presence_engine(engine).connect() as connection:
        rows = connection.execute(
            select(col(Presence.concern_id), col(Staff.name), col(Presence.login))
            .outerjoin(Staff, col(Staff.login) == col(Presence.login))
            .where(col(Presence.concern_id).is_not(None), col(Presence.seen_at) >= now - EXPIRES_AFTER)
            .order_by(col(Presence.concern_id), col(Staff.name))
        ).all()
    found: dict[int, list[str]] = defaultdict(list)
    for concern_id, name, login in rows:
        if concern_id is not None and (name or login) not in found[concern_id]:
            found[concern_id].append(name or login)
    return dict(found)
