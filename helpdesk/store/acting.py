"""The member of staff acting: every store entry point that reads or changes the record looks
them up in the same connection and asks `helpdesk.domain.permissions` whether they may."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, exists, or_, select
from sqlmodel import Session, col

from helpdesk.domain.permissions import Permission, account_refusal, closed_call_refusal, may, permission_refusal
from helpdesk.domain.refusals import Refused
from helpdesk.store.db.models import Concern, FollowUp, Staff
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


def openable_call(session: Session, member: Staff, concern_id: int) -> Concern:
    concern = session.get(Concern, concern_id)
    if concern is None:
        raise Refused(f"There is no concern {concern_id}")
    if reason := opening_refusal(session, member, concern_id, concern.status, concern.claimed_by):
        raise NotPermitted(reason)
    return concern


def opening_refusal(db: Session | Any, member: Any, concern_id: int, status: str, holder: str | None) -> str | None:
    """Why this member of staff may not open the call (domain.permissions.closed_call_refusal),
    asking whether they have an open follow-up on it only when nothing else lets them in."""
    if closed_call_refusal(member.role, status, holder == member.login) is None:
        return None
    return closed_call_refusal(member.role, status, holder == member.login, _follows(db, concern_id, member))


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
