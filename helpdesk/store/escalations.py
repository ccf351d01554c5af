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
from sqlmodel import col

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
    for concern_id in concern_ids:
        if escalation_key(EscalationSubject.CLAIM_TARGET, concern_id) not in done:
            raised += _raise_claim(engine, login, now, policy, concern_id)
    for follow_up_id in follow_up_ids:
        if escalation_key(EscalationSubject.FOLLOW_UP, follow_up_id) not in done:
            raised += _raise_follow_up(engine, login, now, policy, follow_up_id)
    return raised


def _raise_claim(engine: Engine, login: str, now: dt.datetime, policy: Policy, concern_id: int) -> list[int]:
    try:
        with writing(engine) as session:
            concern = session.get(Concern, concern_id)
            if concern is None or concern.status != ConcernStatus.WAITING:
                return []
            received = as_utc(concern.received_at)
            if not claim_escalation_due(received, now, concern.urgent, policy):
                return []
            key = escalation_key(EscalationSubject.CLAIM_TARGET, concern_id)
            if session.scalar(select(col(Escalation.id)).where(col(Escalation.key) == key)) is not None:
                return []
            target = received + dt.timedelta(minutes=policy.claim_target_min(concern.urgent))
            row = Escalation(
                key=key,
                subject=EscalationSubject.CLAIM_TARGET.value,
                concern_id=concern_id,
                raised_by=login,
                raised_at=now,
            )
            session.add(row)
            session.flush()
            record_event(
                session,
                actor=login,
                kind=EventKind.ESCALATED,
                at=now,
                concern_id=concern_id,
                escalation_id=row.id,
                subject=row.subject,
                minutes_over=minutes_over(target, now),
            )
            return [new_id(row)]
    except IntegrityError:  # another console raised it a moment before (PostgreSQL)
        return []


def _raise_follow_up(engine: Engine, login: str, now: dt.datetime, policy: Policy, follow_up_id: int) -> list[int]:
    try:
        with writing(engine) as session:
            follow_up = session.get(FollowUp, follow_up_id)
            if follow_up is None or follow_up.done_at is not None:
                return []
            due = as_utc(follow_up.due_at)
            if not follow_up_escalation_due(due, now, policy):
                return []
            key = escalation_key(EscalationSubject.FOLLOW_UP, follow_up_id)
            if session.scalar(select(col(Escalation.id)).where(col(Escalation.key) == key)) is not None:
                return []
            row = Escalation(
                key=key,
                subject=EscalationSubject.FOLLOW_UP.value,
                concern_id=follow_up.concern_id,
                follow_up_id=follow_up_id,
                raised_by=login,
                raised_at=now,
            )
            session.add(row)
            session.flush()
            record_event(
                session,
                actor=login,
                kind=EventKind.ESCALATED,
                at=now,
                concern_id=follow_up.concern_id,
                escalation_id=row.id,
                subject=row.subject,
                follow_up_id=follow_up_id,
                minutes_over=minutes_over(due, now),
            )
            return [new_id(row)]
    except IntegrityError:
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
