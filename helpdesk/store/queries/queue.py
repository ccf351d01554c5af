"""The queue and intake reads: open calls, staff, handed-over calls, school look-up."""

from __future__ import annotations

import dataclasses
import datetime as dt
from functools import cache
from typing import Any

from sqlalchemy import Engine, Select, and_, exists, func, literal, select, text
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from helpdesk.domain.independence import CLAIMING_ROLES
from helpdesk.domain.queue import together
from helpdesk.domain.types import EventKind
from helpdesk.store.db.models import (
    OPEN_CONCERN,
    Concern,
    Event,
    Handover,
    Inspection,
    PauseDecision,
    Risk,
    School,
    Staff,
)
from helpdesk.store.db.read_models import by_name
from helpdesk.store.queries.decisions import awaiting
from helpdesk.store.queries.history import open_groups
from helpdesk.store.rows import ConcernListing, HandedOver, QueueRow, RefusedPause, SchoolLookup, StaffMember


def staff_member(engine: Engine, login: str) -> StaffMember | None:
    with engine.connect() as connection:
        row = connection.execute(
            select(col(Staff.login), col(Staff.name), col(Staff.role), col(Staff.region), col(Staff.active)).where(
                col(Staff.login) == login
            )
        ).first()
    return by_name(StaffMember, row) if row else None


def open_queue(engine: Engine) -> list[QueueRow]:
    """Waiting and claimed concerns: those at immediate risk first, then urgent, then oldest first."""
    with engine.connect() as connection:
        rows = {row.id: row for row in (by_name(QueueRow, found) for found in connection.execute(_open_queue()))}
        groups = open_groups(connection, list(rows))
    arranged = together(list(rows), groups)
    first_of: dict[frozenset[int], int] = {}
    for call in arranged:
        first_of.setdefault(frozenset(groups.get(call, {call})), call)
    return [
        dataclasses.replace(rows[call], linked_to=first)
        if call in groups and (first := first_of[frozenset(groups[call])]) != call
        else rows[call]
        for call in arranged
    ]


@cache
def _open_queue() -> Select[Any]:
    """The open queue's statement, built once (every console reads it on every change)."""
    holder = aliased(Staff)
    # the call's latest decision, if it is an exceptional pause neither countersigned nor refused
    # (one at most: only the latest can be)
    waiting = aliased(PauseDecision)
    statement: Select[*tuple[Any, ...]] = (
        select(
            col(Concern.id),
            col(Concern.received_at),
            col(Concern.urgent),
            col(Concern.status),
            col(Concern.urn),
            col(School.name).label("school"),
            col(Concern.category),
            col(Concern.caller_role),
            col(Concern.claimed_by),
            col(holder.name).label("claimed_by_name"),
            col(Concern.claimed_at),
            literal(None).label("linked_to"),
            col(waiting.id).label("awaiting_decision"),
            col(waiting.decided_at).label("awaiting_since"),
            col(Risk.id).is_not(None).label("at_risk"),
            and_(col(Risk.id).is_not(None), col(Risk.acknowledged_at).is_(None)).label("risk_unacknowledged"),
        )
        .join(School, col(School.urn) == col(Concern.urn))
        .outerjoin(holder, col(holder.login) == col(Concern.claimed_by))
        .outerjoin(waiting, and_(col(waiting.concern_id) == col(Concern.id), awaiting(waiting)))
        # the immediate-risk marker standing on the call (one at most: a unique partial index)
        .outerjoin(Risk, and_(col(Risk.concern_id) == col(Concern.id), col(Risk.lifted_at).is_(None)))
        .where(text(f"concern.{OPEN_CONCERN}"))  # the partial index's own predicate
        .order_by(col(Concern.priority), col(Concern.received_at), col(Concern.id))
    )
    return statement


def opened_by_since(login: str, concern_id: Any, since: Any) -> Any:
    """Whether `login` has opened the call since that moment (news stays news until they do)."""
    return exists().where(
        col(Event.concern_id) == concern_id,
        col(Event.actor) == login,
        col(Event.kind) == EventKind.VIEWED.value,
        col(Event.at) >= since,
    )


def handed_to(engine: Engine, login: str) -> list[HandedOver]:
    """The open calls handed to `login` by reassignment that they have not opened since: new to
    them until they do (read from their open calls, so it stays as small as the queue)."""
    by = aliased(Staff)
    opened_since = opened_by_since(login, col(Handover.concern_id), col(Handover.at))
    statement: Select[*tuple[Any, ...]] = (
        select(
            col(Concern.id).label("concern_id"),
            func.coalesce(col(by.name), col(Handover.by)).label("by_name"),
            col(Handover.at),
            col(Handover.reason),
            col(Concern.urn),
            col(School.name).label("school"),
        )
        .select_from(Concern)
        .join(Handover, col(Handover.concern_id) == col(Concern.id))
        .join(School, col(School.urn) == col(Concern.urn))
        .outerjoin(by, col(by.login) == col(Handover.by))
        .where(
            text(f"concern.{OPEN_CONCERN}"),
            col(Concern.claimed_by) == login,
            col(Handover.kind) == "reassigned",
            col(Handover.to_login) == login,
            col(Handover.at) >= col(Concern.claimed_at),  # the handover that gave them the call
            ~opened_since,
        )
        .order_by(col(Handover.at), col(Handover.id))
    )
    with engine.connect() as connection:
        return [by_name(HandedOver, row) for row in connection.execute(statement)]


def refusals_for(engine: Engine, login: str) -> list[RefusedPause]:
    """The exceptional pauses `login` decided on calls still open whose countersignature a
    supervisor refused since they last opened the call: news to them until they do."""
    by = aliased(Staff)
    opened_since = opened_by_since(login, col(PauseDecision.concern_id), col(PauseDecision.refused_at))
    statement: Select[*tuple[Any, ...]] = (
        select(
            col(PauseDecision.id).label("decision_id"),
            col(Concern.id).label("concern_id"),
            func.coalesce(col(by.name), col(PauseDecision.refused_by)).label("by_name"),
            col(PauseDecision.refused_at).label("at"),
            func.coalesce(col(PauseDecision.refusal_reason), "").label("reason"),
            col(Concern.urn),
            col(School.name).label("school"),
        )
        .select_from(Concern)
        .join(PauseDecision, col(PauseDecision.concern_id) == col(Concern.id))
        .join(School, col(School.urn) == col(Concern.urn))
        .outerjoin(by, col(by.login) == col(PauseDecision.refused_by))
        .where(
            text(f"concern.{OPEN_CONCERN}"),
            col(PauseDecision.decided_by) == login,
            col(PauseDecision.refused_by).is_not(None),
            ~opened_since,
        )
        .order_by(col(PauseDecision.refused_at), col(PauseDecision.id))
    )
    with engine.connect() as connection:
        return [by_name(RefusedPause, row) for row in connection.execute(statement)]


def list_concerns(engine: Engine, status: str | None = None, limit: int | None = None) -> list[ConcernListing]:
    statement: Select[*tuple[Any, ...]] = select(
        col(Concern.id),
        col(Concern.received_at),
        col(Concern.status),
        col(Concern.urgent),
        col(Concern.urn),
        col(School.name).label("school"),
        col(Concern.category),
        col(Concern.caller_role),
        col(Concern.claimed_by),
    ).join(School, col(School.urn) == col(Concern.urn))
    if status:
        statement = statement.where(col(Concern.status) == status)
    statement = statement.order_by(col(Concern.received_at), col(Concern.id))
    if limit:
        statement = statement.limit(limit)
    with engine.connect() as connection:
        return [by_name(ConcernListing, row) for row in connection.execute(statement)]


def events_since(engine: Engine, after_id: int) -> tuple[int, frozenset[str]]:
    """The newest event's id and the kinds of the events after `after_id` (what changed)."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(col(Event.kind), func.max(col(Event.id))).where(col(Event.id) > after_id).group_by(col(Event.kind))
        ).all()
    newest = max((int(last) for _, last in rows if last is not None), default=after_id)
    return newest, frozenset(kind for kind, _ in rows)


def latest_event_id(engine: Engine) -> int:
    """The newest audit event (0 before the first). Every change to the record writes one, so a
    reader that has seen this id has seen everything but presence, which writes none."""
    with engine.connect() as connection:
        return connection.scalar(select(func.max(col(Event.id)))) or 0


def demo_logins(engine: Engine) -> list[StaffMember]:
    """The active staff of a (demo) database, one of each role first: what `--as` can take."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(col(Staff.login), col(Staff.name), col(Staff.role), col(Staff.region), col(Staff.active))
            .where(col(Staff.active).is_(True))
            .order_by(col(Staff.role), col(Staff.login))
        ).all()
    return [by_name(StaffMember, row) for row in rows]


def claiming_staff(engine: Engine) -> list[StaffMember]:
    """Active seniors and supervisors: the people a call can be handed to."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(col(Staff.login), col(Staff.name), col(Staff.role), col(Staff.region), col(Staff.active))
            .where(col(Staff.active).is_(True), col(Staff.role).in_(CLAIMING_ROLES))
            .order_by(col(Staff.name))
        ).all()
    return [by_name(StaffMember, row) for row in rows]


def current_inspection_id(session: Session, urn: str, today: dt.date) -> int | None:
    """The school's inspection running today, else the next one this fortnight, else the latest."""
    candidates = session.execute(
        select(col(Inspection.id), col(Inspection.start_date), col(Inspection.end_date)).where(
            col(Inspection.urn) == urn
        )
    ).all()
    running = [c for c in candidates if c.start_date <= today <= c.end_date]
    upcoming = sorted(
        (c for c in candidates if today < c.start_date <= today + dt.timedelta(days=14)), key=lambda c: c.start_date
    )
    past = sorted((c for c in candidates if c.end_date < today), key=lambda c: c.end_date, reverse=True)
    for group in (running, upcoming, past):
        if group:
            return int(group[0].id)
    return None


def look_up_school(engine: Engine, urn: str, today: dt.date) -> SchoolLookup | None:
    """The school and its current inspection, for the intake form."""
    with Session(engine) as session:
        school = session.execute(
            select(col(School.urn), col(School.name), col(School.local_authority)).where(col(School.urn) == urn)
        ).first()
        if school is None:
            return None
        inspection_id = current_inspection_id(session, urn, today)
        described = None
        if inspection_id is not None:
            i = session.execute(
                select(
                    col(Inspection.reference),
                    col(Inspection.start_date),
                    col(Inspection.end_date),
                    col(Inspection.lead_inspector),
                ).where(col(Inspection.id) == inspection_id)
            ).one()
            lead = (
                session.scalar(select(col(Staff.name)).where(col(Staff.login) == i.lead_inspector)) or i.lead_inspector
            )
            described = f"{i.reference}, {i.start_date:%-d %b}–{i.end_date:%-d %b %Y}, lead {lead}"
    return SchoolLookup(school.urn, school.name, school.local_authority, described)
