"""What every command on one call starts with: the call locked for the transaction, the
member of staff's right to handle it, and what ties them to its inspection, school and body."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Date, Row, Select, and_, bindparam, case, or_, select
from sqlmodel import Session, col

from helpdesk.domain import call as call_rules
from helpdesk.domain.independence import Ties
from helpdesk.domain.refusals import Refused
from helpdesk.store.acting import acting_staff
from helpdesk.store.db.models import (
    Concern,
    Conflict,
    Inspection,
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


def tie_columns(login: BindParameter[str], today: BindParameter[dt.date]) -> list[Any]:
    """What links `login` to the call in the same statement (`Concern`): their part (lead before
    team) in any inspection the call is about, whichever way it got there: the one linked to the
    call, and every inspection of its school in progress `today`; a conflict with its school; and
    the name of its responsible body if they have a conflict with that."""
    about_the_call = or_(
        col(InspectionMember.inspection_id) == col(Concern.inspection_id),
        and_(
            col(Inspection.urn) == col(Concern.urn),
            col(Inspection.start_date) <= today,
            col(Inspection.end_date) >= today,
        ),
    )
    part = (
        select(col(InspectionMember.part))
        .join(Inspection, col(Inspection.id) == col(InspectionMember.inspection_id))
        .where(col(InspectionMember.login) == login, about_the_call)
        .order_by(case((col(InspectionMember.part) == "lead", 0), else_=1))
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
    return select(*tie_columns(bindparam("login"), bindparam("today", type_=Date))).where(
        col(Concern.id) == bindparam("concern_id")
    )


def ties(session: Session, login: str, concern: Concern, today: dt.date) -> Ties:
    """What links this member of staff to the concern's inspections, school and responsible body
    (read after the session's autoflush: a change to the concern in this transaction counts)."""
    found = session.execute(_ties_statement(), {"login": login, "concern_id": concern.id, "today": today}).one()
    return ties_of(found)
