"""The call's record: opening it (recorded), advice notes, contact attempts, signposting and
closing. Each is one transaction with one audit event."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from sqlalchemy import Engine, func, select
from sqlmodel import col

from helpdesk.clock import london, london_time
from helpdesk.domain import call as call_rules
from helpdesk.domain import limits
from helpdesk.domain.contact import (
    ADVICE_MAX,
    OUTCOME_MAX,
    validate_contact,
    validate_free_text,
)
from helpdesk.domain.permissions import Permission
from helpdesk.domain.policy import Policy
from helpdesk.domain.refusals import FieldsInvalid, Refused
from helpdesk.domain.types import ConcernStatus, EventKind, Told
from helpdesk.store.acting import NotPermitted, acting_member, barrier, closed_call_access
from helpdesk.store.commands.on_a_call import handled_call
from helpdesk.store.commands.pause import decision_awaiting, decision_in_force
from helpdesk.store.commands.risk import risk_facts, standing_risk
from helpdesk.store.db.audit import record_event
from helpdesk.store.db.models import (
    TOLD_AT,
    Advice,
    Concern,
    ContactAttempt,
    Notification,
)
from helpdesk.store.db.transaction import count, new_id, writing
from helpdesk.store.queries.policy import in_force


def record_view(engine: Engine, concern_id: int, login: str, now: dt.datetime) -> None:
    """Opening a call's details is recorded: the data is about people's health. An attempt the
    information barrier refuses (the person is tied to the call's inspection) is recorded too,
    and then refused."""
    today = london(now).date()
    with writing(engine) as session:
        member = acting_member(session, login, Permission.OPEN_CALLS)
        status, holder = session.execute(
            select(col(Concern.status), col(Concern.claimed_by)).where(col(Concern.id) == concern_id)
        ).first() or (None, None)
        if status is None:
            raise Refused(f"There is no concern {concern_id}")
        if barred := barrier(session, login, concern_id, today):
            record_event(session, actor=login, kind=EventKind.BARRED, at=now, concern_id=concern_id)
        elif reason := closed_call_access(session, member, concern_id, status, holder):  # (barrier read above)
            raise NotPermitted(reason)
        else:
            record_event(session, actor=login, kind=EventKind.VIEWED, at=now, concern_id=concern_id)
    if barred:  # (after the attempt is committed)
        raise NotPermitted(barred)


def add_advice(
    engine: Engine,
    concern_id: int,
    login: str,
    text: str,
    now: dt.datetime,
    corrects: int | None = None,
    told: Collection[str] = (),
) -> int:
    """Append an advice note. Notes are never edited: a correction is a new note naming the earlier.
    `told`: what the policy asks callers to be told that the caller was told with this advice
    (the call keeps when each was first recorded)."""
    text = validate_free_text(text, "text", "Advice", ADVICE_MAX)
    if unknown := [what for what in told if what not in Told.values()]:
        raise FieldsInvalid({"told": f"Not something callers are told: {', '.join(unknown)}"})
    with writing(engine) as session:
        concern, _ = handled_call(session, concern_id, login, "add advice")
        newly = sorted(what for what in set(told) if getattr(concern, TOLD_AT[what]) is None)
        for what in newly:
            setattr(concern, TOLD_AT[what], now)
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
            told=newly or None,
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
        handled_call(session, concern_id, login, "log a contact")
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


def record_signposting(
    engine: Engine, concern_id: int, login: str, now: dt.datetime, *, offered: bool = True, reason: str = ""
) -> None:
    """The senior offered the well-being signposting to the caller, or records why not."""
    if not offered:
        reason = validate_free_text(reason, "reason", "Why signposting was not offered", limits.SIGNPOSTING_REASON)
    with writing(engine) as session:
        concern, _ = handled_call(session, concern_id, login, "record signposting")
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
        concern, _ = handled_call(session, concern_id, login, "close the call")
        policy = in_force(session, policy).policy
        decision = decision_in_force(session, concern_id)
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
            awaiting_countersignature=decision_awaiting(session, concern_id) is not None,
            informed_of_decision=informed,
            signposting_recorded=concern.signposting_offered_at is not None or bool(concern.signposting_not_offered),
            risk=risk_facts(session, standing_risk(session, concern_id)),
        )
        if reasons := call_rules.close_refusals(facts, policy):
            raise FieldsInvalid(reasons)
        concern.outcome = validate_free_text(outcome, "outcome", "Outcome", OUTCOME_MAX)
        concern.status, concern.closed_at = ConcernStatus.CLOSED, now
        record_event(session, actor=login, kind=EventKind.CLOSED, at=now, concern_id=concern_id)
