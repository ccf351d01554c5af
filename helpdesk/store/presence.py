"""Presence: each console viewing a call sends a heartbeat; a session that goes away expires."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict

from sqlalchemy import Engine, delete, select
from sqlmodel import Session, col

from helpdesk.store.engine import writer
from helpdesk.store.models import Presence, Staff

HEARTBEAT_SECONDS = 15
EXPIRES_AFTER = dt.timedelta(seconds=45)


def new_session_id() -> str:
    return secrets.token_hex(8)


def beat(engine: Engine, session_id: str, login: str, concern_id: int | None, now: dt.datetime) -> None:
    """Say this session is here, looking at `concern_id` (or at no call)."""
    from sqlalchemy.dialects import postgresql, sqlite  # only when a call is first viewed

    with Session(writer(engine)) as session, session.begin():
        dialect_insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
        statement = dialect_insert(Presence).values(
            session_id=session_id, login=login, concern_id=concern_id, seen_at=now
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["session_id"], set_={"concern_id": concern_id, "seen_at": now, "login": login}
            )
        )
        session.execute(
            delete(Presence).where(col(Presence.seen_at) < now - EXPIRES_AFTER * 4)
        )  # tidy long-gone sessions


def leave(engine: Engine, session_id: str) -> None:
    with Session(writer(engine)) as session, session.begin():
        session.execute(delete(Presence).where(col(Presence.session_id) == session_id))


def viewers(engine: Engine, now: dt.datetime) -> dict[int, list[str]]:
    """Names of the people currently viewing each call (live heartbeats only)."""
    with engine.connect() as connection:
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
