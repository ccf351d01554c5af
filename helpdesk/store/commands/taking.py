"""Taking a call and handing it on: claim (one conditional UPDATE, of two racing claims exactly
one wins), release and reassignment."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Date,
    Engine,
    Integer,
    Row,
    Select,
    Update,
    bindparam,
    func,
    select,
    update,
)
from sqlmodel import Session, col

from helpdesk.clock import london, london_time, microseconds_between
from helpdesk.domain import call as call_rules
from helpdesk.domain import limits
from helpdesk.domain.contact import (
    validate_free_text,
)
from helpdesk.domain.independence import Ties, independence_refusal
from helpdesk.domain.refusals import FieldsInvalid, Refused
from helpdesk.domain.types import ConcernStatus, EventKind
from helpdesk.store.acting import acting_staff, refuse_if_barred, refuse_unless_allowed, tie_columns, ties, ties_of
from helpdesk.store.commands.follow_ups import hand_on_follow_ups
from helpdesk.store.commands.on_a_call import locked_call
from helpdesk.store.db.audit import record_event, record_event_and_commit
from helpdesk.store.db.engine import writer
from helpdesk.store.db.models import (
    Concern,
    Handover,
    Staff,
)
from helpdesk.store.db.transaction import writing


class ClaimRefused(Refused):
    """The concern could not be claimed; str() says why in plain words."""


@cache
def _claim_check_statement() -> Select[Any]:
    """The claim's one read, built once (a claim under load spends its time in SQLAlchemy
    building and keying statements, not in the database): the claimant's role and whether
    active, the call's status, inspection and receipt time, and what ties them to it."""
    login: BindParameter[str] = bindparam("login")
    return (
        select(
            col(Staff.role),
            col(Staff.active),
            col(Concern.id),
            col(Concern.status),
            col(Concern.inspection_id),
            col(Concern.received_at),
            *tie_columns(login, bindparam("today", type_=Date)),
        )
        .select_from(Staff)
        .outerjoin(Concern, col(Concern.id) == bindparam("concern_id"))
        .where(col(Staff.login) == login)
    )


@cache
def _claim_update() -> Update:
    """The claim's write, built once: the call, if still waiting and about the inspection the
    check saw, becomes the claimant's; its first claim and wait are kept if it had one."""
    moment = Concern.__table__.c.claimed_at.type  # type: ignore[attr-defined]  # the stored UTC type
    now = bindparam("claim_time", type_=moment)
    return (
        update(Concern)
        .where(
            col(Concern.id) == bindparam("concern_id"),
            col(Concern.status) == ConcernStatus.WAITING,
            col(Concern.inspection_id).is_not_distinct_from(bindparam("checked_inspection", type_=Integer)),
        )
        .values(
            status=ConcernStatus.CLAIMED,
            claimed_by=bindparam("claimant"),
            claimed_at=now,
            first_claimed_at=func.coalesce(col(Concern.first_claimed_at), now),
            claim_wait_us=func.coalesce(col(Concern.claim_wait_us), bindparam("wait_us", type_=BigInteger)),
        )
    )


def claim_check(engine: Engine, concern_id: int, login: str, today: dt.date) -> tuple[Row[Any], Ties]:
    """Who is claiming, the call and what ties them to it `today`, in one statement."""
    with engine.connect() as connection:
        row = connection.execute(
            _claim_check_statement(), {"login": login, "concern_id": concern_id, "today": today}
        ).first()
    refuse_unless_allowed(login, row.role if row else None, bool(row and row.active), None)
    assert row is not None  # (refused above otherwise)
    if row.id is None:
        raise ClaimRefused(f"There is no concern {concern_id}")
    return row, ties_of(row)


def claim(engine: Engine, concern_id: int, login: str, now: dt.datetime, attempts: int = 5) -> None:
    """Take a waiting concern. Who is claiming and what ties them to the call are read first,
    outside the write lock, in one statement; the write is one conditional UPDATE (still
    waiting, and about the inspection the check saw) and the audit event, so the lock is held
    for two statements and of two racing claims exactly one wins and the other is told who did."""
    concern, call_ties = claim_check(engine, concern_id, login, london(now).date())
    if concern.status == ConcernStatus.CLOSED:
        raise ClaimRefused("This call is already closed")
    checked_inspection = concern.inspection_id
    if concern.status == ConcernStatus.WAITING:
        if reason := independence_refusal(concern.role, call_ties):
            raise ClaimRefused(reason)
    if concern.status == ConcernStatus.WAITING:
        with writer(engine).connect() as connection:
            claimed = connection.execute(
                _claim_update(),
                {
                    "concern_id": concern_id,
                    "checked_inspection": checked_inspection,
                    "claimant": login,
                    "claim_time": now,
                    "wait_us": microseconds_between(concern.received_at, now),
                },
            )
            if claimed.rowcount == 1:
                record_event_and_commit(
                    connection,
                    actor=login,
                    kind=EventKind.CLAIMED,
                    at=now,
                    concern_id=concern_id,
                    rows={"concern": {(concern_id,)}},
                )
                return
    with Session(engine) as session:
        status, holder, at, inspection = session.execute(
            select(
                col(Concern.status), col(Concern.claimed_by), col(Concern.claimed_at), col(Concern.inspection_id)
            ).where(col(Concern.id) == concern_id)
        ).one()
        if status == ConcernStatus.WAITING and attempts > 1:
            # released again since, or its inspection linked while the claim was checked: afresh
            return claim(engine, concern_id, login, now, attempts - 1)
        if status == ConcernStatus.WAITING or at is None:
            raise ClaimRefused("The call changed while you claimed it: try again")
        if status == ConcernStatus.CLOSED:
            raise ClaimRefused("This call is already closed")
        holder_name = session.scalar(select(col(Staff.name)).where(col(Staff.login) == holder)) or holder
    who = "you" if holder == login else holder_name
    raise ClaimRefused(f"Already claimed by {who} at {london_time(at)}")


def release(engine: Engine, concern_id: int, login: str, reason: str, now: dt.datetime) -> None:
    """Put a claimed call back in the queue, with the reason."""
    reason = validate_free_text(reason, "reason", "Reason", limits.REASON, multiline=False)
    with writing(engine) as session:
        member = acting_staff(session, login)
        concern, state = locked_call(session, concern_id)
        if refusal := call_rules.release_refusal(state, login, member.role):
            raise Refused(refusal)
        handover = Handover(
            concern_id=concern_id, by=login, at=now, kind="released", from_login=concern.claimed_by or "", reason=reason
        )
        session.add(handover)
        concern.status, concern.claimed_by, concern.claimed_at = ConcernStatus.WAITING, None, None
        session.flush()
        record_event(
            session, actor=login, kind=EventKind.RELEASED, at=now, concern_id=concern_id, handover_id=handover.id
        )


def reassign(engine: Engine, concern_id: int, login: str, new_holder: str, reason: str, now: dt.datetime) -> None:
    """A supervisor hands a claimed call to another senior, who must be independent too."""
    if not new_holder:
        raise FieldsInvalid({"new_holder": "Choose who to hand the call to"})
    reason = validate_free_text(reason, "reason", "Reason", limits.REASON, multiline=False)
    with writing(engine) as session:
        member = acting_staff(session, login)
        concern, state = locked_call(session, concern_id)
        refuse_if_barred(session, login, concern_id, london(now).date())
        if refusal := call_rules.reassign_refusal(state, member.role, new_holder):
            raise Refused(refusal)
        target = session.get(Staff, new_holder)
        if target is None or not target.active:
            raise FieldsInvalid({"new_holder": f"No active staff account for {new_holder!r}"})
        if refusal := independence_refusal(
            target.role, ties(session, new_holder, concern, london(now).date()), name=target.name
        ):
            raise FieldsInvalid({"new_holder": refusal})
        handover = Handover(
            concern_id=concern_id,
            by=login,
            at=now,
            kind="reassigned",
            from_login=concern.claimed_by or "",
            to_login=new_holder,
            reason=reason,
        )
        session.add(handover)
        previous = concern.claimed_by
        concern.claimed_by, concern.claimed_at = new_holder, now
        session.flush()
        moved = hand_on_follow_ups(session, concern_id, previous, new_holder)
        record_event(
            session,
            actor=login,
            kind=EventKind.REASSIGNED,
            at=now,
            concern_id=concern_id,
            handover_id=handover.id,
            to=new_holder,
            follow_ups=moved or None,
        )
