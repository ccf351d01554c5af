"""Exports in the audit trail: who may export, and the event that records each export."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine


def check_may_export(engine: Engine, login: str) -> None:
    """Only those who may export do (the data is about people's health): see domain.permissions."""
    from helpdesk.domain.permissions import Permission
    from helpdesk.store.acting import acting_member

    with engine.connect() as connection:
        acting_member(connection, login, Permission.EXPORT)


def record_export(
    engine: Engine,
    login: str,
    what: str,
    start: dt.date,
    end: dt.date,
    redact: bool,
    count: int,
    now: dt.datetime,
    interrupted: bool = False,
) -> None:
    """Every export is in the audit trail: who took what, for which period."""
    from sqlmodel import Session

    from helpdesk.domain.types import EventKind
    from helpdesk.store.db.audit import record_event
    from helpdesk.store.db.engine import writer

    with Session(writer(engine)) as session, session.begin():
        record_event(
            session,
            actor=login,
            kind=EventKind.EXPORTED,
            at=now,
            what=what,
            start=start.isoformat(),
            end=end.isoformat(),
            redacted=redact,
            records=count,
            **interrupted_detail(interrupted),
        )


def interrupted_detail(interrupted: bool) -> dict[str, Any]:
    """An interrupted export says so in its event; a whole one says nothing more."""
    return {"interrupted": True} if interrupted else {}
