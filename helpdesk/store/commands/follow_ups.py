"""Follow-ups: setting one on a call, completing it, and those a pause decision, a review or a
reassignment make or move in their own transactions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from helpdesk.clock import as_utc, london
from helpdesk.domain import follow_up as rules
from helpdesk.domain.follow_up import FollowUpKind
from helpdesk.domain.permissions import Permission
from helpdesk.domain.phones import PhoneInvalid, parse_gb_phone
from helpdesk.domain.policy import Policy
from helpdesk.domain.refusals import FieldsInvalid, Refused
from helpdesk.domain.types import Channel, EventKind, Party
from helpdesk.store.acting import acting_staff, openable_call
from helpdesk.store.db.audit import record_event
from helpdesk.store.db.models import Concern, ContactAttempt, FollowUp, PauseDecision, Staff
from helpdesk.store.db.seals import touch
from helpdesk.store.db.transaction import new_id, writing
from helpdesk.store.queries.policy import policy_in_force


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
    policy = policy_in_force(engine, policy).policy
    errors: dict[str, str] = {}
    entry = None
    try:
        entry = rules.follow_up_entry(what, owner, due, now, policy)
    except FieldsInvalid as invalid:
        errors.update(invalid.errors)
    e164 = None
    if kind == FollowUpKind.CALLBACK:
        try:
            e164 = parse_gb_phone(phone, rules.CALLBACK_PHONE_EXTENSION_IN)
        except PhoneInvalid as invalid:
            errors["phone"] = str(invalid)
    if errors or entry is None:
        raise FieldsInvalid(errors)
    with writing(engine) as session:
        member = acting_staff(session, login, Permission.FOLLOW_UP)
        openable_call(session, member, concern_id, london(now).date())
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


def add_resumption_check(
    session: Session, decision: PauseDecision, policy: Policy, by: str, at: dt.datetime
) -> tuple[int, int | None]:
    """When a decision comes into force (recorded; or countersigned, by `by` at `at`): an
    authorised pause's check that support is in place, owned by the deciding senior; an earlier
    decision's open check is closed as superseded. Returns (the new check's id or 0 for none,
    the superseded check's id)."""
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
            earlier.done_by, earlier.done_at, earlier.outcome = by, at, rules.SUPERSEDED
            superseded = earlier.id
    if decision.decision != "authorised" or decision.resumes_on is None:
        return 0, superseded
    check = FollowUp(
        concern_id=decision.concern_id,
        kind=FollowUpKind.RESUMPTION_CHECK.value,
        what=rules.RESUMPTION_CHECK,
        owner=decision.decided_by,
        due_at=rules.resumption_check_due(decision.resumes_on, as_utc(at), policy),
        decision_id=decision.id,
        set_by=by,
        set_at=at,
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
    mine = [
        col(FollowUp.concern_id) == concern_id,
        col(FollowUp.owner) == previous,
        col(FollowUp.done_at).is_(None),
    ]
    moved = list(session.scalars(select(col(FollowUp.id)).where(*mine)))
    if moved:
        session.execute(update(FollowUp).where(col(FollowUp.id).in_(moved)).values(owner=new_holder))
        touch(session, "follow_up", moved)  # their digests go in the reassignment's event
    return len(moved)


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
