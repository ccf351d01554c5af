"""What every command on one call starts with: the call locked for the transaction, and the
member of staff's right to handle it (what ties them to its inspection is in store.acting)."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from helpdesk.domain import call as call_rules
from helpdesk.domain.refusals import Refused
from helpdesk.store.acting import acting_staff
from helpdesk.store.db.models import (
    Concern,
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
