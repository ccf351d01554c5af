"""Pause decisions: recording one, its countersignature, and telling its parties."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from helpdesk.clock import london, microseconds_between
from helpdesk.domain import limits
from helpdesk.domain.contact import validate_notification
from helpdesk.domain.intake import check_text
from helpdesk.domain.pause import (
    Decision,
    PauseDecisionInput,
    Ruling,
    awaiting_refusal,
    awaits_countersignature,
    countersign_refusal,
    pause_decision_errors,
    plan_pause,
)
from helpdesk.domain.policy import Policy
from helpdesk.domain.refusals import FieldsInvalid, Refused
from helpdesk.domain.types import EventKind, Party
from helpdesk.store.acting import acting_staff, refuse_if_barred
from helpdesk.store.commands.follow_ups import add_resumption_check
from helpdesk.store.commands.on_a_call import handled_call, locked_call
from helpdesk.store.db.audit import record_event
from helpdesk.store.db.models import (
    Concern,
    ContactAttempt,
    Inspection,
    Notification,
    PauseDecision,
    Staff,
)
from helpdesk.store.db.transaction import count, new_id, writing
from helpdesk.store.queries.decisions import settled
from helpdesk.store.queries.pause_register import paused_elsewhere
from helpdesk.store.queries.policy import in_force


def pause_context(session: Session, concern: Concern) -> tuple[str | None, int, tuple[dt.date, dt.date] | None]:
    """(the remit of the call's inspection, None with no inspection on record; contact attempts
    with the responsible body so far; the inspection's first and last day)."""
    inspection = (
        session.execute(
            select(col(Inspection.remit), col(Inspection.start_date), col(Inspection.end_date)).where(
                col(Inspection.id) == concern.inspection_id
            )
        ).first()
        if concern.inspection_id
        else None
    )
    remit = inspection.remit if inspection else None
    dates = (inspection.start_date, inspection.end_date) if inspection else None
    contacts = count(
        session,
        select(func.count()).where(
            col(ContactAttempt.concern_id) == concern.id, col(ContactAttempt.party) == Party.RESPONSIBLE_BODY.value
        ),
    )
    return remit, contacts, dates


def decision_in_force(session: Session, concern_id: int) -> PauseDecision | None:
    """The call's decision in force: its latest that is settled (see `settled`). An exceptional
    pause awaiting countersignature leaves the decision before it in force; a refused one never
    comes into force."""
    return session.scalar(
        select(PauseDecision)
        .where(col(PauseDecision.concern_id) == concern_id, settled(PauseDecision))
        .order_by(col(PauseDecision.id).desc())
        .limit(1)
    )


def decision_awaiting(session: Session, concern_id: int) -> PauseDecision | None:
    """The call's exceptional pause awaiting a supervisor's countersignature, if it has one (it
    is the call's latest decision: none is recorded while one awaits)."""
    latest = session.scalar(
        select(PauseDecision)
        .where(col(PauseDecision.concern_id) == concern_id, col(PauseDecision.refused_by).is_(None))
        .order_by(col(PauseDecision.id).desc())
        .limit(1)
    )
    return latest if latest is not None and awaits(latest) else None


def awaits(decision: PauseDecision) -> bool:
    return awaits_countersignature(
        decision.exceptional, decision.countersigned_by is not None, decision.refused_by is not None
    )


def record_pause_decision(
    engine: Engine, concern_id: int, login: str, entry: PauseDecisionInput, policy: Policy, now: dt.datetime
) -> int:
    """Authorise or decline a pause. The pause starts today (London) and resumes on the N-th
    working day. A later decision names the one it supersedes; only the latest is in force."""
    with writing(engine) as session:
        applied = in_force(session, policy)
        policy = applied.policy
        concern, _ = handled_call(session, concern_id, login, "record a pause decision")
        remit, contacts, dates = pause_context(session, concern)
        authorised = entry.decision == Decision.AUTHORISED.value
        plan = (
            plan_pause(
                london(now).date(),
                entry.working_days or 0,
                remit,
                policy,
                paused_elsewhere(session, concern.inspection_id, concern_id),
            )
            if authorised and remit is not None and (entry.working_days or 0) >= 1
            else None
        )
        if decision_awaiting(session, concern_id) is not None:
            raise Refused(awaiting_refusal(concern_id))
        if errors := pause_decision_errors(
            entry, plan, contacts, inspection_on_record=remit is not None, inspection_dates=dates
        ):
            raise FieldsInvalid(errors)
        earlier = decision_in_force(session, concern_id)
        decision = PauseDecision(
            concern_id=concern_id,
            requested_by=entry.requested_by,
            grounds=entry.grounds,
            decision=entry.decision,
            working_days=plan.working_days if plan else None,
            starts_on=plan.starts_on if plan else None,
            resumes_on=plan.resumes_on if plan else None,
            exceptional=bool(plan and plan.exceptional),
            justification=entry.justification.strip() if plan and plan.exceptional else "",
            rationale=entry.rationale.strip(),
            decided_by=login,
            decided_at=now,
            supersedes_id=earlier.id if earlier else None,
            policy_version=applied.version,
        )
        session.add(decision)
        if not decision.exceptional:  # an exceptional pause comes into force when countersigned
            concern.decision_in_force = entry.decision
        if concern.first_decided_at is None:
            concern.first_decided_at = now
            concern.decision_wait_us = microseconds_between(concern.received_at, now)
        session.flush()
        check, superseded_check = (
            (0, None) if decision.exceptional else add_resumption_check(session, decision, policy, login, now)
        )
        record_event(
            session,
            actor=login,
            kind=EventKind.DECISION,
            at=now,
            concern_id=concern_id,
            decision_id=decision.id,
            decision=entry.decision,
            working_days=decision.working_days,
            exceptional=decision.exceptional,
            resumes_on=decision.resumes_on,
            supersedes=decision.supersedes_id,
            policy_version=applied.version,
            follow_up_id=check or None,
            superseded_follow_up=superseded_check,
        )
        return new_id(decision)


def countersign(
    engine: Engine,
    concern_id: int,
    login: str,
    reason: str,
    now: dt.datetime,
    policy: Policy,
    ruling: str = Ruling.COUNTERSIGN.value,
) -> None:
    """A second person, a supervisor, rules on the call's exceptional pause awaiting
    countersignature, with their reasons. Countersigned, it comes into force (its resumption check
    is set, the earlier decision's closed); refused, it never does, and the decision before it
    stays in force (or none)."""
    refusing = ruling == Ruling.REFUSE.value
    errors = {} if ruling in Ruling.values() else {"ruling": "Choose whether you countersign or refuse"}
    said = "Your reasons for refusing" if refusing else "Your reasons for countersigning"
    if not reason.strip():
        errors["reason"] = f"Write {said.lower()}: they go on the record with your name"
    elif problem := check_text(reason, said, limits.COUNTERSIGN_REASON, multiline=True):
        errors["reason"] = problem
    if errors:
        raise FieldsInvalid(errors)
    reason = reason.strip()
    with writing(engine) as session:
        policy = in_force(session, policy).policy
        member = acting_staff(session, login)
        concern, _ = locked_call(session, concern_id)
        refuse_if_barred(session, login, concern_id, london(now).date())
        decision = session.scalar(
            select(PauseDecision)
            .where(col(PauseDecision.concern_id) == concern_id)
            .order_by(col(PauseDecision.id).desc())
            .limit(1)
        )
        if decision is None:
            raise Refused("There is no pause decision to countersign")
        if refusal := countersign_refusal(
            member.role, login, decision.decided_by, decision.exceptional, ruled_already(session, decision)
        ):
            raise Refused(refusal)
        if refusing:
            decision.refused_by, decision.refused_at, decision.refusal_reason = login, now, reason
            record_event(
                session,
                actor=login,
                kind=EventKind.COUNTERSIGN_REFUSED,
                at=now,
                concern_id=concern_id,
                decision_id=decision.id,
                restored=decision.supersedes_id,
            )
            return
        decision.countersigned_by, decision.countersigned_at, decision.countersign_reason = login, now, reason
        concern.decision_in_force = decision.decision
        session.flush()
        check, superseded_check = add_resumption_check(session, decision, policy, login, now)
        record_event(
            session,
            actor=login,
            kind=EventKind.COUNTERSIGNED,
            at=now,
            concern_id=concern_id,
            decision_id=decision.id,
            follow_up_id=check or None,
            superseded_follow_up=superseded_check,
        )


def ruled_already(session: Session, decision: PauseDecision) -> str | None:
    """How the decision was ruled on, in words, if it was: "countersigned by Mary Okafor"."""
    for by, said in ((decision.countersigned_by, "countersigned"), (decision.refused_by, "refused")):
        if by:
            name = session.scalar(select(col(Staff.name)).where(col(Staff.login) == by))
            return f"{said} by {name or by}"
    return None


def record_notification(
    engine: Engine, concern_id: int, login: str, now: dt.datetime, *, party: str, channel: str, note: str = ""
) -> int:
    """Someone was informed of the decision in force; the notification names that decision."""
    validate_notification(party=party, channel=channel, note=note)
    with writing(engine) as session:
        handled_call(session, concern_id, login, "record who was informed")
        if decision_awaiting(session, concern_id) is not None:
            raise Refused(awaiting_refusal(concern_id))
        decision = decision_in_force(session, concern_id)
        if decision is None:
            raise Refused("There is no pause decision to inform anyone of: record the decision first")
        notification = Notification(
            concern_id=concern_id,
            decision_id=decision.id,
            by=login,
            at=now,
            party=party,
            channel=channel,
            note=note.strip(),
        )
        session.add(notification)
        session.flush()
        record_event(
            session,
            actor=login,
            kind=EventKind.NOTIFIED,
            at=now,
            concern_id=concern_id,
            notification_id=notification.id,
            decision_id=decision.id,
            party=party,
            channel=channel,
        )
        return new_id(notification)
