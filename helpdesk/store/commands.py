"""Commands: one function per change to a call. Each is one transaction that loads what the
rule needs, asks `helpdesk.domain` whether the change is allowed, makes it, and writes exactly
one audit event. The console, the CLI and any other client go through these, so every one of
them obeys the same rules."""

from __future__ import annotations

import datetime as dt
from functools import cache
from typing import Any

from sqlalchemy import BigInteger, BindParameter, Engine, Integer, Row, Select, Update, bindparam, func, select, update
from sqlmodel import Session, col

from helpdesk.clock import london, london_time, microseconds_between
from helpdesk.domain import call as call_rules
from helpdesk.domain import limits
from helpdesk.domain.contact import (
    ADVICE_MAX,
    OUTCOME_MAX,
    validate_contact,
    validate_free_text,
    validate_notification,
)
from helpdesk.domain.independence import Ties, independence_refusal
from helpdesk.domain.inspection import InspectionEntry
from helpdesk.domain.intake import ConcernInvalid, NewConcern
from helpdesk.domain.pause import (
    Decision,
    PauseDecisionInput,
    countersign_refusal,
    pause_decision_errors,
    plan_pause,
)
from helpdesk.domain.permissions import Permission
from helpdesk.domain.policy import Policy
from helpdesk.domain.queue import priority
from helpdesk.domain.refusals import FieldsInvalid, Refused
from helpdesk.domain.review import review_errors, review_refusal
from helpdesk.domain.types import ConcernStatus, EventKind, Party, ReviewOutcome
from helpdesk.store.acting import NotPermitted, acting_member, acting_staff, refuse_unless_allowed
from helpdesk.store.audit import record_event, record_event_and_commit
from helpdesk.store.engine import writer
from helpdesk.store.follow_ups import add_resumption_check, add_review_follow_up, hand_on_follow_ups, opening_refusal
from helpdesk.store.models import (
    Advice,
    Concern,
    Conflict,
    ContactAttempt,
    Event,
    FeedbackSeen,
    Handover,
    Inspection,
    InspectionMember,
    Notification,
    PauseDecision,
    ResponsibleBody,
    Review,
    School,
    Staff,
)
from helpdesk.store.queries import current_inspection_id
from helpdesk.store.transaction import count, new_id, writing


class ClaimRefused(Refused):
    """The concern could not be claimed; str() says why in plain words."""


def _call(session: Session, concern_id: int) -> tuple[Concern, call_rules.CallState]:
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


def _handling(session: Session, concern_id: int, login: str, doing: str) -> tuple[Concern, Staff]:
    member = acting_staff(session, login)
    concern, state = _call(session, concern_id)
    if reason := call_rules.handling_refusal(state, login, member.role, doing):
        raise Refused(reason)
    return concern, member


def _tie_columns(login: BindParameter[str]) -> list[Any]:
    """What links `login` to the call in the same statement (`Concern`): their part in its
    inspection, a conflict with its school, and the name of its responsible body if they have a
    conflict with that."""
    part = (
        select(col(InspectionMember.part))
        .where(col(InspectionMember.inspection_id) == col(Concern.inspection_id), col(InspectionMember.login) == login)
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


def _ties_of(row: Row[Any]) -> Ties:
    return Ties(inspection_part=row.part, conflict_with_school=bool(row.with_school), conflict_with_body=row.body_name)


@cache
def _ties_statement() -> Select[Any]:
    return select(*_tie_columns(bindparam("login"))).where(col(Concern.id) == bindparam("concern_id"))


def ties(session: Session, login: str, concern: Concern) -> Ties:
    """What links this member of staff to the concern's inspection, school and responsible body
    (read after the session's autoflush: a change to the concern in this transaction counts)."""
    return _ties_of(session.execute(_ties_statement(), {"login": login, "concern_id": concern.id}).one())


# --- intake -------------------------------------------------------------------------------


def log_concern(engine: Engine, concern: NewConcern, logged_by: str, now: dt.datetime) -> int:
    """Put a checked concern in the queue; the school (and inspection, if given) must exist."""
    with writing(engine) as session:
        acting_member(session, logged_by, Permission.LOG_CONCERN)
        if session.get(School, concern.urn) is None:
            raise ConcernInvalid({"urn": f"No school with URN {concern.urn}"})
        if concern.inspection_ref:
            inspection = session.scalar(select(Inspection).where(col(Inspection.reference) == concern.inspection_ref))
            if inspection is None:
                raise ConcernInvalid({"inspection": f"No inspection with reference {concern.inspection_ref}"})
            if inspection.urn != concern.urn:
                raise ConcernInvalid({"inspection": f"Inspection {concern.inspection_ref} is not of URN {concern.urn}"})
            inspection_id = inspection.id
        else:
            inspection_id = current_inspection_id(session, concern.urn, london(now).date())
        row = Concern(
            received_at=now,
            logged_by=logged_by,
            caller_name=concern.caller_name,
            caller_role=concern.caller_role.value,
            caller_phone=concern.caller_phone,
            urn=concern.urn,
            inspection_id=inspection_id,
            category=concern.category.value,
            urgent=concern.urgent,
            priority=priority(concern.urgent),
            summary=concern.summary,
        )
        session.add(row)
        session.flush()
        record_event(
            session,
            actor=logged_by,
            kind=EventKind.LOGGED,
            at=now,
            concern_id=row.id,
            urn=concern.urn,
            category=concern.category.value,
            urgent=concern.urgent,
        )
        return new_id(row)


# --- claim, release, reassign -------------------------------------------------------------


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
            *_tie_columns(login),
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


def claim_check(engine: Engine, concern_id: int, login: str) -> tuple[Row[Any], Ties]:
    """Who is claiming, the call and what ties them to it, in one statement."""
    with engine.connect() as connection:
        row = connection.execute(_claim_check_statement(), {"login": login, "concern_id": concern_id}).first()
    refuse_unless_allowed(login, row.role if row else None, bool(row and row.active), None)
    assert row is not None  # (refused above otherwise)
    if row.id is None:
        raise ClaimRefused(f"There is no concern {concern_id}")
    return row, _ties_of(row)


def claim(engine: Engine, concern_id: int, login: str, now: dt.datetime, attempts: int = 5) -> None:
    """Take a waiting concern. Who is claiming and what ties them to the call are read first,
    outside the write lock, in one statement; the write is one conditional UPDATE (still
    waiting, and about the inspection the check saw) and the audit event, so the lock is held
    for two statements and of two racing claims exactly one wins and the other is told who did."""
    concern, call_ties = claim_check(engine, concern_id, login)
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
                record_event_and_commit(connection, actor=login, kind=EventKind.CLAIMED, at=now, concern_id=concern_id)
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
        concern, state = _call(session, concern_id)
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
        concern, state = _call(session, concern_id)
        if refusal := call_rules.reassign_refusal(state, member.role, new_holder):
            raise Refused(refusal)
        target = session.get(Staff, new_holder)
        if target is None or not target.active:
            raise FieldsInvalid({"new_holder": f"No active staff account for {new_holder!r}"})
        if refusal := independence_refusal(target.role, ties(session, new_holder, concern), name=target.name):
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


# --- recording the call -------------------------------------------------------------------


def record_view(engine: Engine, concern_id: int, login: str, now: dt.datetime) -> None:
    """Opening a call's details is recorded: the data is about people's health."""
    with writing(engine) as session:
        member = acting_member(session, login, Permission.OPEN_CALLS)
        status, holder = session.execute(
            select(col(Concern.status), col(Concern.claimed_by)).where(col(Concern.id) == concern_id)
        ).first() or (None, None)
        if status is None:
            raise Refused(f"There is no concern {concern_id}")
        if reason := opening_refusal(session, member, concern_id, status, holder):
            raise NotPermitted(reason)
        record_event(session, actor=login, kind=EventKind.VIEWED, at=now, concern_id=concern_id)


def add_advice(
    engine: Engine, concern_id: int, login: str, text: str, now: dt.datetime, corrects: int | None = None
) -> int:
    """Append an advice note. Notes are never edited: a correction is a new note naming the earlier."""
    text = validate_free_text(text, "text", "Advice", ADVICE_MAX)
    with writing(engine) as session:
        _handling(session, concern_id, login, "add advice")
        if corrects is not None:
            earlier = session.get(Advice, corrects)
            if earlier is None or earlier.concern_id != concern_id:
                raise FieldsInvalid({"corrects": f"There is no advice note {corrects} on this call"})
        note = Advice(concern_id=concern_id, author=login, at=now, text=text, corrects_id=corrects)
        session.add(note)
        session.flush()
        record_event(
            session,
            actor=login,
            kind=EventKind.ADVICE,
            at=now,
            concern_id=concern_id,
            advice_id=note.id,
            corrects=corrects,
        )
        return new_id(note)


def log_contact(
    engine: Engine,
    concern_id: int,
    login: str,
    now: dt.datetime,
    *,
    party: str,
    contact_name: str,
    phone: str,
    channel: str,
    outcome: str,
    note: str = "",
) -> int:
    entry = validate_contact(
        party=party, contact_name=contact_name, phone=phone, channel=channel, outcome=outcome, note=note
    )
    with writing(engine) as session:
        _handling(session, concern_id, login, "log a contact")
        attempt = ContactAttempt(
            concern_id=concern_id,
            by=login,
            at=now,
            party=entry.party,
            contact_name=entry.contact_name,
            phone=entry.phone,
            channel=entry.channel,
            outcome=entry.outcome,
            note=entry.note,
        )
        session.add(attempt)
        session.flush()
        record_event(
            session,
            actor=login,
            kind=EventKind.CONTACT,
            at=now,
            concern_id=concern_id,
            contact_id=attempt.id,
            party=entry.party,
            channel=entry.channel,
            outcome=entry.outcome,
        )
        return new_id(attempt)


def link_inspection(
    engine: Engine,
    concern_id: int,
    login: str,
    now: dt.datetime,
    *,
    inspection_id: int | None = None,
    entry: InspectionEntry | None = None,
) -> int:
    """Link the call to one of its school's inspections, or to one the senior records now
    (reference, remit, dates). The holder must be independent of it. Returns the inspection's id."""
    with writing(engine) as session:
        concern, member = _handling(session, concern_id, login, "link the inspection")
        if concern.inspection_id is not None:
            reference = session.scalar(
                select(col(Inspection.reference)).where(col(Inspection.id) == concern.inspection_id)
            )
            raise Refused(f"The call is already linked to inspection {reference}")
        if inspection_id is not None:
            inspection = session.get(Inspection, inspection_id)
            if inspection is None or inspection.urn != concern.urn:
                raise FieldsInvalid({"inspection": "Choose one of this school's inspections"})
        elif entry is not None:
            if (
                session.scalar(select(col(Inspection.id)).where(col(Inspection.reference) == entry.reference))
                is not None
            ):
                raise FieldsInvalid(
                    {"reference": f"Inspection {entry.reference} is already on record: choose it from the list"}
                )
            inspection = Inspection(
                reference=entry.reference,
                urn=concern.urn,
                remit=entry.remit,
                start_date=entry.start_date,
                end_date=entry.end_date,
                lead_inspector=entry.lead_inspector,
                recorded_by=login,
            )
            session.add(inspection)
            session.flush()
        else:
            raise FieldsInvalid({"inspection": "Choose the inspection, or record its reference, remit and dates"})
        concern.inspection_id = inspection.id
        session.flush()
        holder = concern.claimed_by or login
        holder_role = member.role if holder == login else acting_staff(session, holder).role
        if refusal := independence_refusal(holder_role, ties(session, holder, concern)):
            raise Refused(
                f"Not linked: {refusal[0].lower() + refusal[1:]}, so the call must go to someone independent of it"
            )
        record_event(
            session,
            actor=login,
            kind=EventKind.INSPECTION_LINKED,
            at=now,
            concern_id=concern_id,
            inspection_id=inspection.id,
            recorded=entry is not None and inspection_id is None,
        )
        return new_id(inspection)


def pause_context(session: Session, concern: Concern) -> tuple[str | None, int]:
    """(the remit of the call's inspection, None with no inspection on record; contact attempts
    with the responsible body so far)."""
    remit = (
        session.scalar(select(col(Inspection.remit)).where(col(Inspection.id) == concern.inspection_id))
        if concern.inspection_id
        else None
    )
    contacts = count(
        session,
        select(func.count()).where(
            col(ContactAttempt.concern_id) == concern.id, col(ContactAttempt.party) == Party.RESPONSIBLE_BODY.value
        ),
    )
    return remit, contacts


def _decision_in_force(session: Session, concern_id: int) -> PauseDecision | None:
    """The call's latest decision: each later decision supersedes the one before it."""
    return session.scalar(
        select(PauseDecision)
        .where(col(PauseDecision.concern_id) == concern_id)
        .order_by(col(PauseDecision.id).desc())
        .limit(1)
    )


def record_pause_decision(
    engine: Engine, concern_id: int, login: str, entry: PauseDecisionInput, policy: Policy, now: dt.datetime
) -> int:
    """Authorise or decline a pause. The pause starts today (London) and resumes on the N-th
    working day. A later decision names the one it supersedes; only the latest is in force."""
    with writing(engine) as session:
        concern, _ = _handling(session, concern_id, login, "record a pause decision")
        remit, contacts = pause_context(session, concern)
        authorised = entry.decision == Decision.AUTHORISED.value
        plan = (
            plan_pause(london(now).date(), entry.working_days or 0, remit, policy)
            if authorised and remit is not None and (entry.working_days or 0) >= 1
            else None
        )
        if errors := pause_decision_errors(entry, plan, contacts, inspection_on_record=remit is not None):
            raise FieldsInvalid(errors)
        earlier = _decision_in_force(session, concern_id)
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
        )
        session.add(decision)
        concern.decision_in_force = entry.decision
        if concern.first_decided_at is None:
            concern.first_decided_at = now
            concern.decision_wait_us = microseconds_between(concern.received_at, now)
        session.flush()
        check, superseded_check = add_resumption_check(session, decision, policy)
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
            follow_up_id=check or None,
            superseded_follow_up=superseded_check,
        )
        return new_id(decision)


def countersign(engine: Engine, concern_id: int, login: str, reason: str, now: dt.datetime) -> None:
    """A second person, a supervisor, countersigns the call's exceptional pause in force, with
    their reasons."""
    reason = validate_free_text(reason, "reason", "Your reasons for countersigning", limits.COUNTERSIGN_REASON)
    with writing(engine) as session:
        member = acting_staff(session, login)
        _call(session, concern_id)
        decision = _decision_in_force(session, concern_id)
        if decision is None:
            raise Refused("There is no pause decision to countersign")
        signer = (
            session.scalar(select(col(Staff.name)).where(col(Staff.login) == decision.countersigned_by))
            if decision.countersigned_by
            else None
        )
        if refusal := countersign_refusal(member.role, login, decision.decided_by, decision.exceptional, signer):
            raise Refused(refusal)
        decision.countersigned_by, decision.countersigned_at, decision.countersign_reason = login, now, reason
        record_event(
            session, actor=login, kind=EventKind.COUNTERSIGNED, at=now, concern_id=concern_id, decision_id=decision.id
        )


def record_notification(
    engine: Engine, concern_id: int, login: str, now: dt.datetime, *, party: str, channel: str, note: str = ""
) -> int:
    """Someone was informed of the decision in force; the notification names that decision."""
    validate_notification(party=party, channel=channel, note=note)
    with writing(engine) as session:
        _handling(session, concern_id, login, "record who was informed")
        decision = _decision_in_force(session, concern_id)
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


def record_signposting(
    engine: Engine, concern_id: int, login: str, now: dt.datetime, *, offered: bool = True, reason: str = ""
) -> None:
    """The senior offered the well-being signposting to the caller, or records why not."""
    if not offered:
        reason = validate_free_text(reason, "reason", "Why signposting was not offered", limits.SIGNPOSTING_REASON)
    with writing(engine) as session:
        concern, _ = _handling(session, concern_id, login, "record signposting")
        if concern.signposting_offered_at is not None:
            raise Refused(
                f"Signposting was already recorded as offered at {london_time(concern.signposting_offered_at)}"
            )
        if offered:
            concern.signposting_offered_at = now
            record_event(session, actor=login, kind=EventKind.SIGNPOSTED, at=now, concern_id=concern_id)
        else:
            concern.signposting_not_offered = reason
            record_event(session, actor=login, kind=EventKind.SIGNPOSTING_NOT_OFFERED, at=now, concern_id=concern_id)


def close(engine: Engine, concern_id: int, login: str, outcome: str, now: dt.datetime, *, policy: Policy) -> None:
    """Close the call, only with a complete record: an outcome, advice, a decision if a pause was
    requested (countersigned if exceptional), everyone the policy names informed of it, and
    signposting offered (or why not) on a well-being or pause call. Refusals name all that is missing."""
    with writing(engine) as session:
        concern, _ = _handling(session, concern_id, login, "close the call")
        decision = _decision_in_force(session, concern_id)
        informed = frozenset(
            session.scalars(select(col(Notification.party)).where(col(Notification.decision_id) == decision.id))
            if decision
            else ()
        )
        facts = call_rules.CloseFacts(
            outcome=outcome,
            advice_notes=count(session, select(func.count()).where(col(Advice.concern_id) == concern_id)),
            category=concern.category,
            decision_in_force=decision.decision if decision else None,
            awaiting_countersignature=bool(decision and decision.exceptional and decision.countersigned_by is None),
            informed_of_decision=informed,
            signposting_recorded=concern.signposting_offered_at is not None or bool(concern.signposting_not_offered),
        )
        if reasons := call_rules.close_refusals(facts, policy):
            raise FieldsInvalid(reasons)
        concern.outcome = validate_free_text(outcome, "outcome", "Outcome", OUTCOME_MAX)
        concern.status, concern.closed_at = ConcernStatus.CLOSED, now
        record_event(session, actor=login, kind=EventKind.CLOSED, at=now, concern_id=concern_id)


# --- review -------------------------------------------------------------------------------


def review(
    engine: Engine, concern_id: int, login: str, outcome: str, feedback: str, now: dt.datetime, policy: Policy
) -> int:
    """A supervisor's review of a closed call. Reviews are never edited; a later one supersedes.
    One that needs follow-up gives the senior who held the call a follow-up to act on it."""
    if errors := review_errors(outcome, feedback):
        raise FieldsInvalid(errors)
    with writing(engine) as session:
        member = acting_staff(session, login)
        concern, state = _call(session, concern_id)
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
