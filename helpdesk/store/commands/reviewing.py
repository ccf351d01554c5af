"""Review: a supervisor's review of a closed call, who may give it, and feedback read."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from helpdesk.clock import london
from helpdesk.domain.policy import Policy
from helpdesk.domain.refusals import FieldsInvalid, Refused
from helpdesk.domain.review import review_errors, review_refusal
from helpdesk.domain.types import EventKind, ReviewOutcome
from helpdesk.store.acting import acting_staff, refuse_if_barred
from helpdesk.store.commands.follow_ups import add_review_follow_up
from helpdesk.store.commands.on_a_call import locked_call
from helpdesk.store.db.audit import record_event
from helpdesk.store.db.models import (
    Concern,
    Event,
    FeedbackSeen,
    Handover,
    PauseDecision,
    Review,
)
from helpdesk.store.db.transaction import new_id, writing
from helpdesk.store.queries.policy import in_force


def review(
    engine: Engine, concern_id: int, login: str, outcome: str, feedback: str, now: dt.datetime, policy: Policy
) -> int:
    """A supervisor's review of a closed call. Reviews are never edited; a later one supersedes.
    One that needs follow-up gives the senior who held the call a follow-up to act on it."""
    if errors := review_errors(outcome, feedback):
        raise FieldsInvalid(errors)
    with writing(engine) as session:
        member = acting_staff(session, login)
        policy = in_force(session, policy).policy
        concern, state = locked_call(session, concern_id)
        refuse_if_barred(session, login, concern_id, london(now).date())
        if reason := review_refusal(member.role, state.status, part_played(session, concern_id, login)):
            raise Refused(reason)
        row = Review(
            concern_id=concern_id,
            senior=concern.claimed_by or "",
            reviewer=login,
            at=now,
            outcome=outcome,
            feedback=feedback.strip(),
        )
        session.add(row)
        session.flush()
        follow_up = (
            add_review_follow_up(session, concern, new_id(row), login, now, policy)
            if outcome == ReviewOutcome.NEEDS_FOLLOW_UP
            else None
        )
        record_event(
            session,
            actor=login,
            kind=EventKind.REVIEWED,
            at=now,
            concern_id=concern_id,
            review_id=row.id,
            outcome=outcome,
            follow_up_id=follow_up,
        )
        return new_id(row)


# what a member of staff did on a call that makes them no independent reviewer of it
HANDLING_EVENTS = (
    EventKind.CLAIMED,
    EventKind.ADVICE,
    EventKind.CONTACT,
    EventKind.DECISION,
    EventKind.NOTIFIED,
    EventKind.SIGNPOSTED,
    EventKind.SIGNPOSTING_NOT_OFFERED,
    EventKind.CLOSED,
    EventKind.INSPECTION_LINKED,
)


def part_played(session: Session, concern_id: int, login: str) -> str | None:
    """What `login` did on the call, in words, if they decided, countersigned or handled it."""
    decisions = session.execute(
        select(col(PauseDecision.decided_by), col(PauseDecision.countersigned_by)).where(
            col(PauseDecision.concern_id) == concern_id
        )
    ).all()
    if any(d.decided_by == login for d in decisions):
        return "decided its pause"
    if any(d.countersigned_by == login for d in decisions):
        return "countersigned its pause"
    handled = session.scalar(
        select(func.count()).where(
            col(Event.concern_id) == concern_id, col(Event.actor) == login, col(Event.kind).in_(HANDLING_EVENTS)
        )
    )
    handed = session.scalar(
        select(func.count()).where(col(Handover.concern_id) == concern_id, col(Handover.to_login) == login)
    )
    if (
        handled
        or handed
        or session.scalar(select(col(Concern.claimed_by)).where(col(Concern.id) == concern_id)) == login
    ):
        return "handled this call"
    return None


def review_refusal_for(engine: Engine, concern_id: int, login: str) -> str | None:
    """Why this person may not review the call, asked before they write a review."""
    with Session(engine) as session:
        member = acting_staff(session, login)
        status = session.scalar(select(col(Concern.status)).where(col(Concern.id) == concern_id))
        if status is None:
            return f"There is no concern {concern_id}"
        return review_refusal(member.role, status, part_played(session, concern_id, login))


def mark_feedback_read(engine: Engine, login: str, review_ids: list[int], now: dt.datetime) -> None:
    """The senior has read these reviews of their calls."""
    with writing(engine) as session:
        mine: set[int] = {
            review_id
            for review_id in session.scalars(
                select(col(Review.id)).where(col(Review.id).in_(review_ids), col(Review.senior) == login)
            )
            if review_id is not None
        }
        seen = set(
            session.scalars(
                select(col(FeedbackSeen.review_id)).where(
                    col(FeedbackSeen.login) == login, col(FeedbackSeen.review_id).in_(mine)
                )
            )
        )
        fresh = sorted(mine - seen)
        if not fresh:
            return
        session.add_all(FeedbackSeen(review_id=review_id, login=login, at=now) for review_id in fresh)
        record_event(session, actor=login, kind=EventKind.FEEDBACK_READ, at=now, reviews=fresh)
