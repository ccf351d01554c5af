"""What every command on one call starts with: the call locked for the transaction, the
member of staff's right to handle it, and what ties them to its inspection, school and body."""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Row, Select, bindparam, select
from sqlmodel import Session, col

from helpdesk.domain import call as call_rules
from helpdesk.domain.independence import Ties
from helpdesk.domain.refusals import Refused
from helpdesk.store.acting import acting_staff
from helpdesk.store.db.models import (
    Concern,
    Conflict,
    InspectionMember,
    ResponsibleBody,
    School,
    Staff,
)


def locked_call(session: Session, concern_id: int) -> tuple[Concern, call_rules.CallState]:
    """The concern, locked for this transaction (PostgreSQL: FOR UPDATE; SQLite: BEGIN IMMEDIATE)."""
    concern = session.scalar(select(Concern).where(col(Concern.id) == concern_id).with_for_update())
    if concern is None:
        raise Refused(f"There is no concern {concern_id}")
    holder_name = (
        session.scalar(select(col(Staff.name)).where(col(Staff.login) == concern.claimed_by))
        if concern.claimed_by
        else None
    )
    return concern, call_rules.CallState(concern.status, concern.claimed_by, holder_name)


def handled_call(session: Session, concern_id: int, login: str, doing: str) -> tuple[Concern, Staff]:
    member = acting_staff(session, login)
    concern, state = locked_call(session, concern_id)
    if reason := call_rules.handling_refusal(state, login, member.role, doing):
        raise Refused(reason)
    return concern, member


def tie_columns(login: BindParameter[str]) -> list[Any]:
    """What links `login` to the call in the same statement (`Concern`): their part in its
    inspection, a conflict with its school, and the name of its responsible body if they have a
    conflict with that."""
    part = (
        select(col(InspectionMember.part))
        .where(col(InspectionMember.inspection_id) == col(Concern.inspection_id), col(InspectionMember.login) == login)
        .limit(1)
        .scalar_subquery()
    )
    with_school = (
        select(col(Conflict.urn)).where(col(Conflict.login) == login, col(Conflict.urn) == col(Concern.urn)).exists()
    )
    body_name = (
        select(col(ResponsibleBody.name))
        .join(School, col(School.responsible_body_id) == col(ResponsibleBody.id))
        .join(Conflict, col(Conflict.responsible_body_id) == col(ResponsibleBody.id))
        .where(col(School.urn) == col(Concern.urn), col(Conflict.login) == login)
        .limit(1)
        .scalar_subquery()
    )
    return [part.label("part"), with_school.label("with_school"), body_name.label("body_name")]


def ties_of(row: Row[Any]) -> Ties:
    return Ties(inspection_part=row.part, conflict_with_school=bool(row.with_school), conflict_with_body=row.body_name)


@cache
def _ties_statement() -> Select[Any]:
    return select(*tie_columns(bindparam("login"))).where(col(Concern.id) == bindparam("concern_id"))


def ties(session: Session, login: str, concern: Concern) -> Ties:
    """What links this member of staff to the concern's inspection, school and responsible body
    (read after the session's autoflush: a change to the concern in this transaction counts)."""
    return ties_of(session.execute(_ties_statement(), {"login": login, "concern_id": concern.id}).one())
