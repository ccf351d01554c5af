"""A school's history: calls about the same school, linked calls, and open groups in the queue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import Any

from sqlalchemy import Engine, Select, and_, or_, select, text
from sqlalchemy.orm import aliased
from sqlmodel import col

from helpdesk.clock import as_utc
from helpdesk.domain.permissions import Permission, may
from helpdesk.domain.types import ConcernStatus
from helpdesk.store.acting import acting_member, tied_to
from helpdesk.store.db.models import OPEN_CONCERN, CallLink, Concern, ResponsibleBody, School, Staff
from helpdesk.store.rows import RelatedCall, SchoolHistory


def _links_of(connection: Any, concern_id: int) -> dict[int, str]:
    """The calls linked to this one, and why."""
    return {
        (row.second_id if row.first_id == concern_id else row.first_id): row.kind
        for row in connection.execute(
            select(col(CallLink.first_id), col(CallLink.second_id), col(CallLink.kind)).where(
                or_(col(CallLink.first_id) == concern_id, col(CallLink.second_id) == concern_id)
            )
        )
    }


def _calls(login: str, today: dt.date) -> Select[*tuple[Any, ...]]:
    """The calls as the lists show them to `login`, each saying whether the information barrier
    keeps it from them (`today`: the day whose inspections in progress count)."""
    holder = aliased(Staff)
    return (
        select(
            tied_to(login, today).label("restricted"),
            col(Concern.id),
            col(Concern.received_at),
            col(Concern.status),
            col(Concern.category),
            col(Concern.urn),
            col(School.name).label("school"),
            col(holder.name).label("holder"),
            col(Concern.decision_in_force).label("decision"),
            col(Concern.outcome),
        )
        .join(School, col(School.urn) == col(Concern.urn))
        .outerjoin(holder, col(holder.login) == col(Concern.claimed_by))
    )


def related_calls(
    connection: Any, concern_id: int, urn: str, since: dt.datetime, outcomes: bool, login: str, today: dt.date
) -> list[RelatedCall]:
    """The other calls about this call's school or inspection that are open or were received
    since `since`, and every call linked to it: newest first."""
    links = _links_of(connection, concern_id)
    # an inspection is of one school, and a call is linked only to its own school's inspections:
    # the school's calls (on the urn index) hold every call about the inspection too
    about = col(Concern.urn) == urn
    statement = (
        _calls(login, today)
        .where(
            col(Concern.id) != concern_id,
            or_(
                and_(about, or_(text(f"concern.{OPEN_CONCERN}"), col(Concern.received_at) >= since)),
                col(Concern.id).in_(list(links)),
            ),
        )
        .order_by(col(Concern.received_at).desc(), col(Concern.id).desc())
        .limit(20)
    )
    return [_call(row, outcomes, links.get(row.id)) for row in connection.execute(statement)]


def _call(row: Any, outcomes: bool, link: str | None = None) -> RelatedCall:
    """A call as the lists show it; its outcome (free text) only to those who may read it, and
    nothing of what it is about to one the information barrier keeps it from."""
    if row.restricted:
        return RelatedCall(
            id=row.id,
            received_at=as_utc(row.received_at),
            status=row.status,
            category="",
            urn=row.urn,
            school=row.school,
            holder=row.holder,
            decision=None,
            outcome=None,
            link=link,
            restricted=True,
        )
    return RelatedCall(
        id=row.id,
        received_at=as_utc(row.received_at),
        status=row.status,
        category=row.category,
        urn=row.urn,
        school=row.school,
        holder=row.holder,
        decision=row.decision,
        outcome=row.outcome if outcomes and row.status == ConcernStatus.CLOSED else None,
        link=link,
    )


def open_groups(connection: Any, open_calls: Collection[int]) -> dict[int, set[int]]:
    """Open calls linked to one another, as groups: each open call in a link, with every open
    call it is linked to directly or through others. `open_calls`: the queue's, already read (the
    links are looked up by them, on the links' indexes, never by walking the calls)."""
    if not open_calls:
        return {}
    pairs = connection.execute(
        select(col(CallLink.first_id), col(CallLink.second_id)).where(
            col(CallLink.first_id).in_(open_calls), col(CallLink.second_id).in_(open_calls)
        )
    ).all()
    groups: dict[int, set[int]] = {}
    for a, b in pairs:
        merged = groups.get(a, {a}) | groups.get(b, {b})
        for member in merged:
            groups[member] = merged
    return groups


def school_history(engine: Engine, login: str, urn: str, today: dt.date, limit: int = 500) -> SchoolHistory | None:
    """Every call about the school and about the other schools of its responsible body, newest
    first. Outcomes (free text) only for those who may read closed calls; the calls the
    information barrier keeps from this person only as "restricted"."""
    with engine.connect() as connection:
        member = acting_member(connection, login, Permission.OPEN_CALLS)
        school: Any = connection.execute(
            select(col(School.name), col(School.responsible_body_id), col(ResponsibleBody.name).label("body"))
            .outerjoin(ResponsibleBody, col(ResponsibleBody.id) == col(School.responsible_body_id))
            .where(col(School.urn) == urn)
        ).first()
        if school is None:
            return None
        about = col(Concern.urn) == urn
        if school.responsible_body_id is not None:
            about = or_(
                about,
                col(Concern.urn).in_(
                    select(col(School.urn)).where(col(School.responsible_body_id) == school.responsible_body_id)
                ),
            )
        rows = connection.execute(
            _calls(login, today)
            .where(about)
            .order_by(col(Concern.received_at).desc(), col(Concern.id).desc())
            .limit(limit)
        ).all()
    calls = [_call(row, may(member.role, Permission.READ_CLOSED_CALLS)) for row in rows]
    return SchoolHistory(urn, school.name, school.body, calls)
