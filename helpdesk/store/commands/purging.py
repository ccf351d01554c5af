"""The retention purge: old, reviewed closed calls anonymised in short write transactions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, Engine, and_, case, exists, func, literal, or_, select, tuple_, update
from sqlmodel import Session, SQLModel, col

from helpdesk.domain.permissions import Permission
from helpdesk.domain.policy import Policy
from helpdesk.domain.refusals import Refused
from helpdesk.domain.review import purge_refusal
from helpdesk.domain.types import ConcernStatus, EventKind
from helpdesk.store.acting import acting_member
from helpdesk.store.db.audit import record_event
from helpdesk.store.db.engine import writer
from helpdesk.store.db.models import PERSONAL_COLUMNS, PURGED, Concern, Review, table_of
from helpdesk.store.db.seals import touch
from helpdesk.store.queries.policy import in_force
from helpdesk.store.queries.review import london_midnight
from helpdesk.store.rows import PurgePlan


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


BATCH = 200  # calls anonymised in one write transaction (a few milliseconds of the write lock)


def purge(engine: Engine, closed_before: dt.date, login: str, policy: Policy, now: dt.datetime) -> int:
    """Anonymise closed and reviewed calls closed before the date; the number of calls. The work
    goes in batches, each its own short write transaction with its own audit event, in order of
    closing, so that claims and notes carry on while a large purge runs; an interrupted purge
    leaves whole batches done, each recorded, and can be run again."""
    from helpdesk.clock import london

    with engine.connect() as connection:
        role = acting_member(connection, login).role
        applied = in_force(connection, policy)
    if reason := purge_refusal(closed_before, london(now).date(), applied.policy.retention_min_years, role):
        raise Refused(reason)
    done, after = 0, None
    while True:
        with Session(writer(engine)) as session, session.begin():
            acting_member(session, login, Permission.PURGE)  # still allowed, batch by batch
            if in_force(session, policy).version != applied.version:  # a new version loaded meanwhile
                raise Refused("a new version of the policy was loaded during the purge: run it again")
            batch = select(col(Concern.id), col(Concern.closed_at)).where(_eligible(closed_before))
            if after is not None:
                batch = batch.where(tuple_(col(Concern.closed_at), col(Concern.id)) > tuple_(*after))
            rows = session.execute(batch.order_by(col(Concern.closed_at), col(Concern.id)).limit(BATCH)).all()
            ids = [row.id for row in rows]
            if not ids and done:
                return done
            for table, replacements in PERSONAL_COLUMNS.items():
                key = getattr(table, "id" if table is Concern else "concern_id")
                if table is not Concern:  # the rows anonymised, for their digests in the batch's event
                    anonymised = table_of(table)
                    touch(session, anonymised.name, session.scalars(select(anonymised.c.id).where(key.in_(ids))))
                session.execute(update(table).where(key.in_(ids)).values(**_anonymised(table, replacements)))
            touch(session, "concern", ids)
            record_event(
                session,
                actor=login,
                kind=EventKind.PURGED,
                at=now,
                closed_before=closed_before.isoformat(),
                calls=len(ids),
                policy_version=applied.version,
            )
        done += len(ids)
        if len(ids) < BATCH:
            return done
        after = (rows[-1].closed_at, rows[-1].id)
