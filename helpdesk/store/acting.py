"""The member of staff acting: every store entry point that reads or changes the record looks
them up in the same connection and asks `helpdesk.domain.permissions` whether they may."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Date, Engine, Row, Select, and_, bindparam, case, exists, or_, select, text
from sqlmodel import Session, col

from helpdesk.domain.independence import Ties, barrier_refusal
from helpdesk.domain.permissions import Permission, account_refusal, closed_call_refusal, may, permission_refusal
from helpdesk.domain.refusals import Refused
from helpdesk.store.db.models import (
    OPEN_CONCERN,
    Concern,
    Conflict,
    FollowUp,
    Inspection,
    InspectionMember,
    ResponsibleBody,
    School,
    Staff,
)
from helpdesk.store.db.read_models import by_name

if TYPE_CHECKING:
    from helpdesk.store.rows import StaffMember


class NotPermitted(Refused):
    """The login has no active staff account, or its role may not do this; str() says which."""


def acting_member(db: Connection | Session, login: str, permission: Permission | None = None) -> StaffMember:
    """The active staff member `login`, allowed `permission` (if given), or NotPermitted."""
    from helpdesk.store.rows import StaffMember

    row = db.execute(
        select(col(Staff.login), col(Staff.name), col(Staff.role), col(Staff.region), col(Staff.active)).where(
            col(Staff.login) == login
        )
    ).first()
    refuse_unless_allowed(login, row.role if row else None, bool(row and row.active), permission)
    return by_name(StaffMember, row)


def acting_staff(session: Session, login: str, permission: Permission | None = None) -> Staff:
    """The same check, answered with the Staff row itself (for commands that compare with it)."""
    member = session.get(Staff, login)
    refuse_unless_allowed(login, member.role if member else None, bool(member and member.active), permission)
    assert member is not None  # (refused above otherwise)
    return member


def refuse_unless_allowed(login: str, role: str | None, active: bool, permission: Permission | None) -> None:
    if reason := account_refusal(login, role is not None, active):
        raise NotPermitted(reason)
    if permission is not None and role is not None and (reason := permission_refusal(role, permission)):
        raise NotPermitted(reason)


def check_acting(engine: Engine, login: str, permission: Permission | None = None) -> None:
    """acting_member in a connection of its own, for reads that take no login themselves."""
    with engine.connect() as connection:
        acting_member(connection, login, permission)


def openable_call(session: Session, member: Staff, concern_id: int, today: dt.date) -> Concern:
    concern = session.get(Concern, concern_id)
    if concern is None:
        raise Refused(f"There is no concern {concern_id}")
    if reason := opening_refusal(session, member, concern_id, concern.status, concern.claimed_by, today):
        raise NotPermitted(reason)
    return concern


def opening_refusal(
    db: Session | Any, member: Any, concern_id: int, status: str, holder: str | None, today: dt.date
) -> str | None:
    """Why this member of staff may not open the call: the information barrier (they are tied to
    its inspection, school or body), or domain.permissions.closed_call_refusal, asking whether
    they have an open follow-up on it only when nothing else lets them in."""
    return barrier(db, member.login, concern_id, today) or closed_call_access(db, member, concern_id, status, holder)


def closed_call_access(db: Session | Any, member: Any, concern_id: int, status: str, holder: str | None) -> str | None:
    """domain.permissions.closed_call_refusal, asking whether they have an open follow-up on the
    call only when nothing else lets them in (the barrier apart)."""
    if closed_call_refusal(member.role, status, holder == member.login) is None:
        return None
    return closed_call_refusal(member.role, status, holder == member.login, _follows(db, concern_id, member))


def barrier(db: Session | Any, login: str, concern_id: int, today: dt.date) -> str | None:
    """Why the information barrier keeps the call from this member of staff, if it does."""
    found = db.execute(_ties_statement(), {"login": login, "concern_id": concern_id, "today": today}).first()
    return barrier_refusal(ties_of(found)) if found is not None else None


def refuse_if_barred(session: Session, login: str, concern_id: int, today: dt.date) -> None:
    """A supervisor's action on a call (countersigning, reviewing, handing it on) is refused to
    one the information barrier keeps the call from."""
    if reason := barrier(session, login, concern_id, today):
        raise NotPermitted(reason)


def restricted_calls(connection: Connection, login: str, today: dt.date) -> frozenset[int]:
    """The open calls the information barrier keeps from `login` (the queue shows them restricted)."""
    return frozenset(
        connection.scalars(select(col(Concern.id)).where(text(f"concern.{OPEN_CONCERN}"), tied_to(login, today)))
    )


def _follows(session: Session | Any, concern_id: int, member: Any) -> bool:
    """Whether this member of staff has an open follow-up to act on on the call (so may open it
    even once it is closed)."""
    if not may(member.role, Permission.FOLLOW_UP):
        return False
    mine = or_(col(FollowUp.owner).is_(None), col(FollowUp.owner) == member.login)
    return bool(
        session.scalar(
            select(exists().where(col(FollowUp.concern_id) == concern_id, col(FollowUp.done_at).is_(None), mine))
        )
    )


# --- ties and the information barrier ---------------------------------------------------


def tie_expressions(login: Any, today: Any) -> tuple[Any, Any, Any]:
    """What links `login` to the call in the same statement (`Concern`): their part (lead before
    team) in any inspection the call is about, whichever way it got there: the one linked to the
    call, and every inspection of its school in progress `today`; a conflict with its school; and
    the name of its responsible body if they have a conflict with that. The one definition of
    a tie: claims, handovers and the information barrier all read it."""
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
    return part, with_school, body_name


def tie_columns(login: Any, today: Any) -> list[Any]:
    part, with_school, body_name = tie_expressions(login, today)
    return [part.label("part"), with_school.label("with_school"), body_name.label("body_name")]


def tied_to(login: Any, today: Any) -> Any:
    """Whether `login` is tied to the call (`Concern`) in any of those ways: the calls the
    information barrier keeps from them."""
    part, with_school, body_name = tie_expressions(login, today)
    return or_(part.is_not(None), with_school, body_name.is_not(None))


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


def tied_among(connection: Connection, login: str, today: dt.date, concern_ids: Iterable[int]) -> frozenset[int]:
    """Which of these calls the information barrier keeps from `login` (a list of them, a page at a time)."""
    wanted = sorted(set(concern_ids))
    if not wanted:
        return frozenset()
    return frozenset(
        connection.scalars(select(col(Concern.id)).where(col(Concern.id).in_(wanted), tied_to(login, today)))
    )
