"""Escalations standing (everyone's console knows them, so raises each once)."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Engine, Select, literal, select, text
from sqlalchemy.orm import aliased
from sqlmodel import col

from helpdesk.domain.escalation import (
    EscalationSubject,
)
from helpdesk.domain.types import ConcernStatus
from helpdesk.store.db.models import OPEN_CONCERN, OPEN_FOLLOW_UP, Concern, Escalation, FollowUp, PauseDecision, School
from helpdesk.store.db.read_models import by_name
from helpdesk.store.queries.decisions import awaiting
from helpdesk.store.rows import OpenEscalation


def open_escalations(engine: Engine) -> list[OpenEscalation]:
    """Escalations still standing, oldest first. Read from what is still open (the waiting calls
    on the open-queue index, the open follow-ups on theirs), never from every escalation ever
    raised: a small list however long the record."""
    with engine.connect() as connection:
        found = [
            by_name(OpenEscalation, row) for statement in _open_escalations() for row in connection.execute(statement)
        ]
    return sorted(found, key=lambda escalation: escalation.id)


@cache
def _open_escalations() -> tuple[Select[Any], ...]:
    """The three reads of standing escalations, built once (every console reads them on every
    change)."""
    columns: tuple[Any, ...] = (
        col(Escalation.id),
        col(Escalation.key),
        col(Escalation.subject),
        col(Escalation.concern_id),
        col(Escalation.follow_up_id),
        col(Escalation.decision_id),
        col(Escalation.raised_at),
        col(Concern.urn),
        col(School.name).label("school"),
    )
    still_waiting = select(col(Concern.id)).where(  # on the open queue's index
        text(OPEN_CONCERN), col(Concern.status) == ConcernStatus.WAITING.value
    )
    waiting = (
        select(*columns, literal(None).label("what"))
        .select_from(Escalation)
        .join(Concern, col(Concern.id) == col(Escalation.concern_id))
        .join(School, col(School.urn) == col(Concern.urn))
        .where(
            col(Escalation.concern_id).in_(still_waiting.scalar_subquery()),
            col(Escalation.subject) == EscalationSubject.CLAIM_TARGET.value,
        )
    )
    still_open = select(col(FollowUp.id)).where(text(OPEN_FOLLOW_UP))  # on the open follow-ups' index
    overdue = (
        select(*columns, col(FollowUp.what))
        .select_from(Escalation)
        .join(FollowUp, col(FollowUp.id) == col(Escalation.follow_up_id))
        .join(Concern, col(Concern.id) == col(FollowUp.concern_id))
        .join(School, col(School.urn) == col(Concern.urn))
        .where(col(Escalation.follow_up_id).in_(still_open.scalar_subquery()))
    )
    latest = aliased(PauseDecision)
    unsigned = (
        select(*columns, literal(None).label("what"))
        .select_from(Escalation)
        .join(latest, col(latest.id) == col(Escalation.decision_id))
        .join(Concern, col(Concern.id) == col(latest.concern_id))
        .join(School, col(School.urn) == col(Concern.urn))
        .where(
            col(Escalation.concern_id).in_(select(col(Concern.id)).where(text(OPEN_CONCERN)).scalar_subquery()),
            col(Escalation.subject) == EscalationSubject.COUNTERSIGNATURE.value,
            awaiting(latest),
        )
    )
    return waiting, overdue, unsigned
