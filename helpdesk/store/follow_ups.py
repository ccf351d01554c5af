"""Follow-ups: setting one on a call, completing it, and reading those due. Each change is one
transaction with one audit event, like every other command. A pause decision and a review make
their follow-ups in their own transactions (see `add_resumption_check`, `add_review_follow_up`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, Engine, exists, or_, select, text, update
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from helpdesk.clock import as_utc
from helpdesk.domain import follow_up as rules
from helpdesk.domain.follow_up import FollowUpKind, ResumptionOutcome
from helpdesk.domain.permissions import Permission, closed_call_refusal, may
from helpdesk.domain.phones import PhoneInvalid, parse_gb_phone
from helpdesk.domain.policy import Policy
from helpdesk.domain.refusals import FieldsInvalid, Refused
from helpdesk.domain.types import Channel, EventKind, Party
from helpdesk.store.acting import NotPermitted, acting_member, acting_staff
from helpdesk.store.audit import record_event
from helpdesk.store.models import Concern, ContactAttempt, FollowUp, PauseDecision, School, Staff
from helpdesk.store.read_models import by_name
from helpdesk.store.transaction import new_id, writing

OPEN_FOLLOW_UP = "done_at IS NULL"  # the partial index's predicate, repeated as it is


def _may_open(session: Session, member: Staff, concern_id: int) -> Concern:
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


def set_follow_up(
    engine: Engine,
    concern_id: int,
    login: str,
    now: dt.datetime,
    policy: Policy,
    *,
    what: str,
    owner: str | None,
    due: str,
    kind: str = FollowUpKind.TASK,
    phone: str = "",
) -> int:
    """Set a follow-up (or a call back, with the number to ring) on a call, open or closed."""
    if kind not in (FollowUpKind.TASK, FollowUpKind.CALLBACK):  # a resumption check comes with its pause
        raise FieldsInvalid({"kind": "Set a follow-up or a call back"})
    kind = FollowUpKind(kind)
    errors: dict[str, str] = {}
    entry = None
    try:
        entry = rules.follow_up_entry(what, owner, due, now, policy)
    except FieldsInvalid as invalid:
        errors.update(invalid.errors)
    e164 = None
    if kind == FollowUpKind.CALLBACK:
        try:
            e164 = parse_gb_phone(phone)
        except PhoneInvalid as invalid:
            errors["phone"] = str(invalid)
    if errors or entry is None:
        raise FieldsInvalid(errors)
    with writing(engine) as session:
        member = acting_staff(session, login, Permission.FOLLOW_UP)
        _may_open(session, member, concern_id)
        if entry.owner is not None:
            target = session.get(Staff, entry.owner)
            if refusal := rules.owner_refusal(
                target.role if target else None, bool(target and target.active), target.name if target else entry.owner
            ):
                raise FieldsInvalid({"owner": refusal})
        row = FollowUp(
            concern_id=concern_id,
            kind=kind,
            what=entry.what,
            owner=entry.owner,
            due_at=entry.due_at,
            phone=e164,
            set_by=login,
            set_at=now,
        )
        session.add(row)
        session.flush()
        record_event(
            session,
            actor=login,
            kind=EventKind.FOLLOW_UP_SET,
            at=now,
            concern_id=concern_id,
            follow_up_id=row.id,
            follow_up_kind=kind,
            owner=entry.owner,
            due_at=entry.due_at,
        )
        return new_id(row)


def add_resumption_check(session: Session, decision: PauseDecision, policy: Policy) -> tuple[int, int | None]:
    """In the decision's own transaction: an authorised pause's check that support is in place,
    owned by the deciding senior; an earlier decision's open check is closed as superseded.
    Returns (the new check's id or 0 for none, the superseded check's id)."""
    superseded = None
    if decision.supersedes_id is not None:
        earlier = session.scalar(
            select(FollowUp).where(
                col(FollowUp.decision_id) == decision.supersedes_id,
                col(FollowUp.kind) == FollowUpKind.RESUMPTION_CHECK.value,
                col(FollowUp.done_at).is_(None),
            )
        )
        if earlier is not None:
            earlier.done_by, earlier.done_at, earlier.outcome = (
                decision.decided_by,
                decision.decided_at,
                rules.SUPERSEDED,
            )
            superseded = earlier.id
    if decision.decision != "authorised" or decision.resumes_on is None:
        return 0, superseded
    check = FollowUp(
        concern_id=decision.concern_id,
        kind=FollowUpKind.RESUMPTION_CHECK.value,
        what=rules.RESUMPTION_CHECK,
        owner=decision.decided_by,
        due_at=rules.resumption_check_due(decision.resumes_on, as_utc(decision.decided_at), policy),
        decision_id=decision.id,
        set_by=decision.decided_by,
        set_at=decision.decided_at,
    )
    session.add(check)
    session.flush()
    return new_id(check), superseded


def add_review_follow_up(
    session: Session, concern: Concern, review_id: int, reviewer: str, now: dt.datetime, policy: Policy
) -> int | None:
    """In the review's own transaction: a review that needs follow-up gives the senior who held
    the call a follow-up of their own (none when nobody held it)."""
    if not concern.claimed_by:
        return None
    row = FollowUp(
        concern_id=new_id(concern),
        kind=FollowUpKind.TASK.value,
        what=rules.REVIEW_FOLLOW_UP,
        owner=concern.claimed_by,
        due_at=rules.review_follow_up_due(now, policy),
        review_id=review_id,
        set_by=reviewer,
        set_at=now,
    )
    session.add(row)
    session.flush()
    return new_id(row)


def hand_on_follow_ups(session: Session, concern_id: int, previous: str | None, new_holder: str) -> int:
    """In a reassignment's transaction: the call's open follow-ups its previous holder owned
    become the new holder's (nobody is left owning work on a call they no longer hold)."""
    if previous is None:
        return 0
    moved = session.execute(
        update(FollowUp)
        .where(
            col(FollowUp.concern_id) == concern_id,
            col(FollowUp.owner) == previous,
            col(FollowUp.done_at).is_(None),
        )
        .values(owner=new_holder)
    )
    return int(cast("CursorResult[Any]", moved).rowcount or 0)


def complete_follow_up(
    engine: Engine, follow_up_id: int, login: str, now: dt.datetime, *, outcome: str, note: str = ""
) -> None:
    """Complete a follow-up, on an open or a closed call: its owner, any senior for one owned by
    'any senior', or a supervisor. A call back logs the attempt to reach the caller with it."""
    with writing(engine) as session:
        member = acting_staff(session, login, Permission.FOLLOW_UP)
        row = session.scalar(select(FollowUp).where(col(FollowUp.id) == follow_up_id).with_for_update())
        if row is None:
            raise Refused(f"There is no follow-up {follow_up_id}")
        names = dict(
            session.execute(
                select(col(Staff.login), col(Staff.name)).where(col(Staff.login).in_([row.owner, row.done_by]))
            ).all()
        )
        if refusal := rules.completion_refusal(
            member.role,
            login,
            row.owner,
            names.get(row.owner or ""),
            row.done_at is not None,
            names.get(row.done_by or "", row.done_by),
        ):
            raise Refused(refusal)
        if errors := rules.completion_errors(row.kind, outcome, note):
            raise FieldsInvalid(errors)
        contact_id = None
        if row.kind == FollowUpKind.CALLBACK:
            attempt = ContactAttempt(
                concern_id=row.concern_id,
                by=login,
                at=now,
                party=Party.CALLER.value,
                phone=row.phone,
                channel=Channel.PHONE.value,
                outcome=outcome,
                note=note.strip(),
            )
            session.add(attempt)
            session.flush()
            contact_id = attempt.id
        row.done_by, row.done_at, row.outcome, row.note, row.contact_id = login, now, outcome, note.strip(), contact_id
        record_event(
            session,
            actor=login,
            kind=EventKind.FOLLOW_UP_DONE,
            at=now,
            concern_id=row.concern_id,
            follow_up_id=row.id,
            follow_up_kind=row.kind,
            outcome=outcome,
            contact_id=contact_id,
        )


# --- reading --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUpRow:
    id: int
    concern_id: int
    kind: str
    what: str
    owner: str | None
    owner_name: str | None
    due_at: dt.datetime
    phone: str | None
    set_by: str
    set_at: dt.datetime
    done_by: str | None
    done_at: dt.datetime | None
    outcome: str | None
    note: str
    urn: str
    school: str

    @property
    def open(self) -> bool:
        return self.done_at is None

    @property
    def support_not_in_place(self) -> bool:
        return self.outcome == ResumptionOutcome.SUPPORT_NOT_IN_PLACE


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


def follow_ups_due(engine: Engine, login: str, until: dt.datetime) -> list[FollowUpRow]:
    """The open follow-ups this person may act on, falling due before `until`, soonest first:
    their own and those for any senior; a supervisor sees everyone's."""
    with engine.connect() as connection:
        member = acting_member(connection, login)
        if not may(member.role, Permission.FOLLOW_UP):
            return []
        statement = (
            _selected()
            .where(text(f"follow_up.{OPEN_FOLLOW_UP}"), col(FollowUp.due_at) < until)
            .order_by(col(FollowUp.due_at), col(FollowUp.id))
        )
        if not may(member.role, Permission.HANDLE_ANY_CALL):
            statement = statement.where(or_(col(FollowUp.owner).is_(None), col(FollowUp.owner) == login))
        return [by_name(FollowUpRow, row) for row in connection.execute(statement)]
