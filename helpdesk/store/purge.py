"""Retention: anonymise the personal data of old closed, reviewed calls. The audit trail and
every figure the statistics use are left as they are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, and_, case, exists, func, literal, or_, select, update
from sqlmodel import Session, SQLModel, col

from helpdesk.domain.policy import Policy
from helpdesk.domain.refusals import Refused
from helpdesk.domain.review import purge_refusal
from helpdesk.domain.types import ConcernStatus, EventKind
from helpdesk.store.audit import record_event
from helpdesk.store.engine import writer
from helpdesk.store.models import PERSONAL_COLUMNS, PURGED, Concern, Review, Staff
from helpdesk.store.review_queries import london_midnight


def _anonymised(table: type[SQLModel], replacements: dict[str, str | None]) -> dict[str, object]:
    """What each personal column becomes: "[purged]" where it held something (an empty or
    missing value stays as it was, so the record still shows what was never written)."""
    values: dict[str, object] = {}
    for name, replacement in replacements.items():
        column = getattr(table, name)
        if replacement == PURGED:
            values[name] = case((or_(column.is_(None), column == ""), column), else_=literal(PURGED))
        else:
            values[name] = replacement
    return values


@dataclass(frozen=True)
class PurgePlan:
    closed_before: dt.date
    calls: int


def _eligible(closed_before: dt.date) -> ColumnElement[bool]:
    return and_(
        col(Concern.status) == ConcernStatus.CLOSED,
        col(Concern.closed_at) < london_midnight(closed_before),
        exists().where(col(Review.concern_id) == col(Concern.id)),
        col(Concern.caller_name) != PURGED,
    )


def plan_purge(engine: Engine, closed_before: dt.date) -> PurgePlan:
    with engine.connect() as connection:
        return PurgePlan(
            closed_before,
            connection.scalar(select(func.count()).select_from(Concern).where(_eligible(closed_before))) or 0,
        )


def purge(engine: Engine, closed_before: dt.date, login: str, policy: Policy, now: dt.datetime) -> int:
    """Anonymise closed and reviewed calls closed before the date; the number of calls."""
    from helpdesk.clock import london

    with Session(writer(engine)) as session, session.begin():
        member = session.get(Staff, login)
        role = member.role if member is not None and member.active else "none"
        if reason := purge_refusal(closed_before, london(now).date(), policy.retention_min_years, role):
            raise Refused(reason)
        ids = list(session.scalars(select(col(Concern.id)).where(_eligible(closed_before))))
        for start in range(0, len(ids), 1000):
            chunk = ids[start : start + 1000]
            for table, replacements in PERSONAL_COLUMNS.items():
                key = getattr(table, "id" if table is Concern else "concern_id")
                session.execute(update(table).where(key.in_(chunk)).values(**_anonymised(table, replacements)))
        record_event(
            session, actor=login, kind=EventKind.PURGED, at=now, closed_before=closed_before.isoformat(), calls=len(ids)
        )
        return len(ids)
