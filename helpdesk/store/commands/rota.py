"""The on-call rota: a supervisor's period put on it, or taken off it (domain.rota). Each is one
transaction with one audit event; an admin's import of a rota file is in admin.importers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select
from sqlmodel import col

from helpdesk.domain import rota
from helpdesk.domain.permissions import Permission
from helpdesk.domain.refusals import FieldsInvalid, Refused
from helpdesk.domain.types import EventKind
from helpdesk.store.acting import acting_staff
from helpdesk.store.db.audit import record_event
from helpdesk.store.db.models import OnCall, Staff
from helpdesk.store.db.transaction import new_id, writing


def add_on_call(engine: Engine, actor: str, now: dt.datetime, *, login: str, starts: str, ends: str) -> int:
    """Put `login` on call from `starts` to `ends` (YYYY-MM-DD HH:MM, London)."""
    errors: dict[str, str] = {}
    times: dict[str, dt.datetime] = {}
    for field, typed, label in (("starts", starts, "From"), ("ends", ends, "To")):
        try:
            times[field] = rota.london_time(typed, label)
        except rota.RotaTimeInvalid as invalid:
            errors[field] = str(invalid)
    login = login.strip()
    with writing(engine) as session:
        acting_staff(session, actor, Permission.MANAGE_ROTA)
        member = session.get(Staff, login) if login else None
        if not login:
            errors["login"] = "Choose the supervisor on call"
        elif len(times) == 2:
            errors |= rota.period_problems(
                login,
                member.role if member else None,
                bool(member and member.active),
                times["starts"],
                times["ends"],
                now,
            )
        if errors:
            raise FieldsInvalid(errors)
        period = OnCall(login=login, starts_at=times["starts"], ends_at=times["ends"], added_by=actor, added_at=now)
        session.add(period)
        session.flush()
        record_event(session, actor=actor, kind=EventKind.ON_CALL_ADDED, at=now, on_call_id=period.id)
        return new_id(period)


def remove_on_call(engine: Engine, actor: str, now: dt.datetime, period_id: int) -> None:
    """Take a period off the rota (kept, with who took it off and when); a period over is history."""
    with writing(engine) as session:
        acting_staff(session, actor, Permission.MANAGE_ROTA)
        period = session.scalar(select(OnCall).where(col(OnCall.id) == period_id).with_for_update())
        if period is None or period.removed_at is not None:
            raise Refused(f"There is no period {period_id} on the rota")
        if period.ends_at.replace(tzinfo=period.ends_at.tzinfo or dt.UTC) <= now:
            raise Refused("That period is over: the rota keeps what was")
        period.removed_by, period.removed_at = actor, now
        session.flush()
        record_event(session, actor=actor, kind=EventKind.ON_CALL_REMOVED, at=now, on_call_id=period.id)
