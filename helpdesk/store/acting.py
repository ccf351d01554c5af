"""The member of staff acting: every store entry point that reads or changes the record looks
them up in the same connection and asks `helpdesk.domain.permissions` whether they may."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, select
from sqlmodel import Session, col

from helpdesk.domain.permissions import Permission, account_refusal, permission_refusal
from helpdesk.domain.refusals import Refused
from helpdesk.store.models import Staff
from helpdesk.store.read_models import by_name

if TYPE_CHECKING:
    from helpdesk.store.queries import StaffMember


class NotPermitted(Refused):
    """The login has no active staff account, or its role may not do this; str() says which."""


def acting_member(db: Connection | Session, login: str, permission: Permission | None = None) -> StaffMember:
    """The active staff member `login`, allowed `permission` (if given), or NotPermitted."""
    from helpdesk.store.queries import StaffMember

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
