"""Follow-ups read: those on one call and those falling due for a member of staff."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, or_, select, text
from sqlalchemy.orm import aliased
from sqlmodel import col

from helpdesk.domain.permissions import Permission, may
from helpdesk.store.acting import acting_member, tied_to
from helpdesk.store.db.models import OPEN_FOLLOW_UP, Concern, FollowUp, School, Staff
from helpdesk.store.db.read_models import by_name
from helpdesk.store.rows import FollowUpRow


def _selected() -> Any:
    """Follow-ups with their owner's name and their call's school."""
    owner = aliased(Staff)
    return (
        select(
            *_columns(owner),
            col(Concern.urn),
            col(School.name).label("school"),
        )
        .join(Concern, col(Concern.id) == col(FollowUp.concern_id))
        .join(School, col(School.urn) == col(Concern.urn))
        .outerjoin(owner, col(owner.login) == col(FollowUp.owner))
    )


def _columns(owner: Any) -> list[Any]:
    return [
        col(FollowUp.id),
        col(FollowUp.concern_id),
        col(FollowUp.kind),
        col(FollowUp.what),
        col(FollowUp.owner),
        col(owner.name).label("owner_name"),
        col(FollowUp.due_at),
        col(FollowUp.phone),
        col(FollowUp.set_by),
        col(FollowUp.set_at),
        col(FollowUp.done_by),
        col(FollowUp.done_at),
        col(FollowUp.outcome),
        col(FollowUp.note),
    ]


def call_follow_ups(connection: Any, concern_id: int) -> list[FollowUpRow]:
    """Every follow-up on one call, open ones first by due time, then those done."""
    statement = (
        _selected()
        .where(col(FollowUp.concern_id) == concern_id)
        .order_by(col(FollowUp.done_at).is_not(None), col(FollowUp.due_at), col(FollowUp.id))
    )
    return [by_name(FollowUpRow, row) for row in connection.execute(statement)]


def follow_ups_due(engine: Engine, login: str, until: dt.datetime, today: dt.date) -> list[FollowUpRow]:
    """The open follow-ups this person may act on, falling due before `until`, soonest first:
    their own and those for any senior; a supervisor sees everyone's. None on a call the
    information barrier keeps from them (as of `today`)."""
    with engine.connect() as connection:
        member = acting_member(connection, login)
        if not may(member.role, Permission.FOLLOW_UP):
            return []
        statement = (
            _selected()
            .where(text(f"follow_up.{OPEN_FOLLOW_UP}"), col(FollowUp.due_at) < until, ~tied_to(login, today))
            .order_by(col(FollowUp.due_at), col(FollowUp.id))
        )
        if not may(member.role, Permission.HANDLE_ANY_CALL):
            statement = statement.where(or_(col(FollowUp.owner).is_(None), col(FollowUp.owner) == login))
        return [by_name(FollowUpRow, row) for row in connection.execute(statement)]
