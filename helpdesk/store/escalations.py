"""Escalations: a console that sees a waiting call past its target, or a follow-up long overdue,
raises it once for everyone (the store checks the condition itself and the key keeps it to one);
each raise is an audit event, which wakes every console; supervisors' consoles alert."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from helpdesk.clock import as_utc
from helpdesk.domain.escalation import (
    EscalationSubject,
    claim_escalation_due,
    escalation_key,
    follow_up_escalation_due,
    minutes_over,
)
from helpdesk.domain.permissions import Permission
from helpdesk.domain.policy import Policy
from helpdesk.domain.types import ConcernStatus, EventKind
from helpdesk.store.acting import acting_member
from helpdesk.store.audit import record_event
from helpdesk.store.models import Concern, Escalation, FollowUp, School
from helpdesk.store.read_models import by_name
from helpdesk.store.transaction import new_id, writing


def escalate(
    engine: Engine,
    login: str,
    now: dt.datetime,
    policy: Policy,
    *,
    concern_ids: Sequence[int] = (),
    follow_up_ids: Sequence[int] = (),
) -> list[int]:
    """Raise what is due and not yet raised: each in a transaction of its own with one event.
    What is not (or no longer) due, or raised already, is left alone. The new escalations' ids."""
    raised: list[int] = []
    with engine.connect() as connection:
        acting_member(connection, login, Permission.OPEN_CALLS)
        done = set(
            connection.scalars(
                select(col(Escalation.key)).where(
                    col(Escalation.key).in_(
                        [escalation_key(EscalationSubject.CLAIM_TARGET, i) for i in concern_ids]
                        + [escalation_key(EscalationSubject.FOLLOW_UP, i) for i in follow_up_ids]
                    )
                )
            )
        )
    for subject, ids in ((EscalationSubject.CLAIM_TARGET, concern_ids), (EscalationSubject.FOLLOW_UP, follow_up_ids)):
        for subject_id in ids:
            if escalation_key(subject, subject_id) not in done:
                raised += _raise(engine, login, now, policy, subject, subject_id)
    return raised


def _due_since(
    session: Session, subject: EscalationSubject, subject_id: int, now: dt.datetime, policy: Policy
) -> tuple[int, dt.datetime] | None:
    """(the call, and the moment it fell past its target or due time) if the escalation is due
    now; else None. Read in the raising transaction: what a console saw may be over."""
    if subject == EscalationSubject.CLAIM_TARGET:
        concern = session.get(Concern, subject_id)
        if concern is None or concern.status != ConcernStatus.WAITING:
            return None
        received = as_utc(concern.received_at)
        if not claim_escalation_due(received, now, concern.urgent, policy):
            return None
        return subject_id, received + dt.timedelta(minutes=policy.claim_target_min(concern.urgent))
    follow_up = session.get(FollowUp, subject_id)
    if follow_up is None or follow_up.done_at is not None:
        return None
    due = as_utc(follow_up.due_at)
    return (follow_up.concern_id, due) if follow_up_escalation_due(due, now, policy) else None


def _raise(
    engine: Engine, login: str, now: dt.datetime, policy: Policy, subject: EscalationSubject, subject_id: int
) -> list[int]:
    """One escalation, with its event, if it is due and not raised yet."""
    key = escalation_key(subject, subject_id)
    try:
        with writing(engine) as session:
            due = _due_since(session, subject, subject_id, now, policy)
            if due is None or session.scalar(select(col(Escalation.id)).where(col(Escalation.key) == key)):
                return []
            concern_id, since = due
            follow_up_id = subject_id if subject == EscalationSubject.FOLLOW_UP else None
            row = Escalation(
                key=key,
                subject=subject.value,
                concern_id=concern_id,
                follow_up_id=follow_up_id,
                raised_by=login,
                raised_at=now,
            )
            session.add(row)
            session.flush()
            details = {"follow_up_id": follow_up_id} if follow_up_id else {}
            record_event(
                session,
                actor=login,
                kind=EventKind.ESCALATED,
                at=now,
                concern_id=concern_id,
                escalation_id=row.id,
                subject=row.subject,
                minutes_over=minutes_over(since, now),
                **details,
            )
            return [new_id(row)]
    except IntegrityError:  # another console raised it a moment before (PostgreSQL)
        return []


@dataclass(frozen=True)
class OpenEscalation:
    """An escalation whose cause lasts: the call still waits, or the follow-up is still open."""

    id: int
    key: str
    subject: str
    concern_id: int
    follow_up_id: int | None
    raised_at: dt.datetime
    urn: str
    school: str
    what: str | None  # the follow-up's


def open_escalations(engine: Engine) -> list[OpenEscalation]:
    """Escalations still standing, oldest first (a small list: calls waiting, follow-ups open)."""
    statement: Select[*tuple[Any, ...]] = (
        select(
            col(Escalation.id),
            col(Escalation.key),
            col(Escalation.subject),
            col(Escalation.concern_id),
            col(Escalation.follow_up_id),
            col(Escalation.raised_at),
            col(Concern.urn),
            col(School.name).label("school"),
            col(FollowUp.what),
        )
        .join(Concern, col(Concern.id) == col(Escalation.concern_id))
        .join(School, col(School.urn) == col(Concern.urn))
        .outerjoin(FollowUp, col(FollowUp.id) == col(Escalation.follow_up_id))
        .where(
            (
                (col(Escalation.subject) == EscalationSubject.CLAIM_TARGET.value)
                & (col(Concern.status) == ConcernStatus.WAITING.value)
            )
            | ((col(Escalation.subject) == EscalationSubject.FOLLOW_UP.value) & col(FollowUp.done_at).is_(None))
        )
        .order_by(col(Escalation.id))
    )
    with engine.connect() as connection:
        return [by_name(OpenEscalation, row) for row in connection.execute(statement)]
