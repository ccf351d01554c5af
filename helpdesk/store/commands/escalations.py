"""Escalations: waiting calls past their target, follow-ups long overdue and exceptional pauses
long awaiting countersignature, raised once for everyone in one short write."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from helpdesk.clock import as_utc
from helpdesk.domain.alerts import AlertKind
from helpdesk.domain.escalation import (
    EscalationSubject,
    claim_escalation_due,
    countersignature_escalation_due,
    escalation_key,
    follow_up_escalation_due,
    minutes_over,
)
from helpdesk.domain.permissions import Permission
from helpdesk.domain.policy import Policy
from helpdesk.domain.types import ConcernStatus, EventKind
from helpdesk.store.acting import acting_member
from helpdesk.store.commands.alerts import raise_alert
from helpdesk.store.commands.pause import decision_awaiting
from helpdesk.store.db.audit import record_event
from helpdesk.store.db.models import Concern, Escalation, FollowUp, PauseDecision
from helpdesk.store.db.transaction import new_id, writing
from helpdesk.store.queries.policy import InForce, in_force


def escalate(
    engine: Engine,
    login: str,
    now: dt.datetime,
    policy: Policy,
    *,
    concern_ids: Sequence[int] = (),
    follow_up_ids: Sequence[int] = (),
    decision_ids: Sequence[int] = (),
    attempts: int = 3,
) -> list[int]:
    """Raise what is due and not yet raised, each with its event, in one short write. Every
    console sees the same calls fall due at the same moment: the first to take the write lock
    raises them all, and the others find them raised, by a read before they ask for the lock or
    by the check inside it, instead of each taking the lock once a call. What is not (or no
    longer) due, or raised already, is left alone. The new escalations' ids."""
    wanted = (
        [(EscalationSubject.CLAIM_TARGET, i) for i in concern_ids]
        + [(EscalationSubject.FOLLOW_UP, i) for i in follow_up_ids]
        + [(EscalationSubject.COUNTERSIGNATURE, i) for i in decision_ids]
    )
    with engine.connect() as connection:  # one statement: fifty consoles ask after each call
        pending = _not_raised(connection, wanted)
    if not pending:
        return []
    try:
        with writing(engine) as session:
            acting_member(session.connection(), login, Permission.OPEN_CALLS)
            applied = in_force(session, policy)
            return [
                raised
                for subject, subject_id in _not_raised(session.connection(), pending)
                if (raised := _raise(session, login, now, applied, subject, subject_id)) is not None
            ]
    except IntegrityError:  # another console raised one of them a moment before (PostgreSQL)
        if attempts <= 1:
            raise
        return escalate(
            engine,
            login,
            now,
            policy,
            concern_ids=concern_ids,
            follow_up_ids=follow_up_ids,
            decision_ids=decision_ids,
            attempts=attempts - 1,
        )


def _not_raised(
    connection: Connection, wanted: list[tuple[EscalationSubject, int]]
) -> list[tuple[EscalationSubject, int]]:
    keys = [escalation_key(subject, subject_id) for subject, subject_id in wanted]
    raised = set(connection.scalars(select(col(Escalation.key)).where(col(Escalation.key).in_(keys))))
    return [item for item, key in zip(wanted, keys, strict=True) if key not in raised]


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
    if subject == EscalationSubject.COUNTERSIGNATURE:
        decision = session.get(PauseDecision, subject_id)
        if decision is None or decision_awaiting(session, decision.concern_id) is not decision:
            return None
        decided = as_utc(decision.decided_at)
        if not countersignature_escalation_due(decided, now, policy):
            return None
        return decision.concern_id, decided + dt.timedelta(minutes=policy.escalate_countersignature_after_minutes)
    follow_up = session.get(FollowUp, subject_id)
    if follow_up is None or follow_up.done_at is not None:
        return None
    due = as_utc(follow_up.due_at)
    return (follow_up.concern_id, due) if follow_up_escalation_due(due, now, policy) else None


def _raise(
    session: Session, login: str, now: dt.datetime, applied: InForce, subject: EscalationSubject, subject_id: int
) -> int | None:
    """One escalation not raised yet, with its event, if it is due under the policy in force: its id."""
    due = _due_since(session, subject, subject_id, now, applied.policy)
    if due is None:
        return None
    concern_id, since = due
    follow_up_id = subject_id if subject == EscalationSubject.FOLLOW_UP else None
    decision_id = subject_id if subject == EscalationSubject.COUNTERSIGNATURE else None
    row = Escalation(
        key=escalation_key(subject, subject_id),
        subject=subject.value,
        concern_id=concern_id,
        follow_up_id=follow_up_id,
        decision_id=decision_id,
        raised_by=login,
        raised_at=now,
        policy_version=applied.version,
    )
    session.add(row)
    session.flush()
    raise_alert(session, AlertKind(subject.value), new_id(row), concern_id, now)  # by e-mail too
    details: dict[str, Any] = {"follow_up_id": follow_up_id} if follow_up_id else {}
    if decision_id:
        details["decision_id"] = decision_id
    if applied.version is not None:
        details["policy_version"] = applied.version
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
    return new_id(row)
