"""The on-call rota as the screens read it: the periods ahead, who is on call, gaps in cover."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from helpdesk.clock import as_utc
from helpdesk.domain import rota
from helpdesk.domain.permissions import Permission
from helpdesk.store.acting import acting_member
from helpdesk.store.db.models import OnCall, Staff
from helpdesk.store.rows import OnCallRow


def periods(connection: Connection, start: dt.datetime, end: dt.datetime) -> list[rota.Period]:
    """The periods on the rota (not taken off) that overlap `start` to `end`."""
    rows = connection.execute(
        select(col(OnCall.login), col(OnCall.starts_at), col(OnCall.ends_at)).where(
            col(OnCall.removed_at).is_(None), col(OnCall.ends_at) > start, col(OnCall.starts_at) < end
        )
    ).all()
    return [rota.Period(login, as_utc(starts), as_utc(ends)) for login, starts, ends in rows]


def gap_flag(engine: Engine, now: dt.datetime) -> str | None:
    """What the header says of a gap in on-call cover within the next day, if any."""
    with engine.connect() as connection:
        return rota.gap_flag(periods(connection, now, now + rota.FLAGGED_AHEAD), now)


def rota_ahead(
    engine: Engine, login: str, now: dt.datetime, days: int = 14
) -> tuple[list[OnCallRow], list[tuple[dt.datetime, dt.datetime]]]:
    """The periods from now to `days` ahead, soonest first, and the gaps in cover between them."""
    end = now + dt.timedelta(days=days)
    person, adder = aliased(Staff), aliased(Staff)
    with engine.connect() as connection:
        acting_member(connection, login, Permission.MANAGE_ROTA)
        rows = connection.execute(
            select(
                col(OnCall.id),
                col(OnCall.login),
                col(person.name),
                col(OnCall.starts_at),
                col(OnCall.ends_at),
                col(adder.name),
                col(OnCall.added_by),
            )
            .join(person, col(person.login) == col(OnCall.login))
            .outerjoin(adder, col(adder.login) == col(OnCall.added_by))
            .where(col(OnCall.removed_at).is_(None), col(OnCall.ends_at) > now, col(OnCall.starts_at) < end)
            .order_by(col(OnCall.starts_at), col(OnCall.id))
        ).all()
        gaps = rota.cover_gaps(periods(connection, now, end), now, end)
    return [
        OnCallRow(int(row[0] or 0), row[1], row[2], as_utc(row[3]), as_utc(row[4]), row[5] or row[6]) for row in rows
    ], gaps
