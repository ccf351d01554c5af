"""Immediate risk (domain.risk): marking a call, recording the protocol's steps, a supervisor's
acknowledgement and lifting the marker. Each is one transaction with one audit event."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, exists, select
from sqlmodel import Session, col

from helpdesk.clock import london, london_time
from helpdesk.domain import risk as risk_rules
from helpdesk.domain.alerts import AlertKind
from helpdesk.domain.queue import priority
from helpdesk.domain.refusals import Refused
from helpdesk.domain.risk import RISK_PRIORITY, RiskFacts, RiskStepKind
from helpdesk.domain.types import EventKind
from helpdesk.store.acting import acting_staff, refuse_if_barred
from helpdesk.store.commands.alerts import acknowledge_standing, raise_alert
from helpdesk.store.commands.on_a_call import locked_call
from helpdesk.store.db.audit import record_event
from helpdesk.store.db.models import Concern, Risk, RiskStep, Staff
from helpdesk.store.db.transaction import new_id, writing


def standing_risk(session: Session, concern_id: int) -> Risk | None:
    """The call's immediate-risk marker, if one stands (at most one does)."""
    return session.scalar(select(Risk).where(col(Risk.concern_id) == concern_id, col(Risk.lifted_at).is_(None)))


def risk_facts(session: Session, risk: Risk | None) -> RiskFacts | None:
    """How far the standing marker's protocol has come (None: the call is not at risk)."""
    if risk is None:
        return None

    def recorded(kind: RiskStepKind) -> bool:
        return bool(
            session.scalar(select(exists().where(col(RiskStep.risk_id) == risk.id, col(RiskStep.kind) == kind)))
        )

    return RiskFacts(
        contact_recorded=recorded(RiskStepKind.CONTACT),
        safety_recorded=recorded(RiskStepKind.SAFETY),
        acknowledged=risk.acknowledged_at is not None,
    )


def start_risk(session: Session, concern: Concern, login: str, now: dt.datetime, what: str) -> Risk:
    """The marker, and the call moved to the top of every queue, urgent from now on (its targets
    and figures are the urgent ones), within a command's transaction."""
    risk = Risk(concern_id=new_id(concern), marked_by=login, marked_at=now, what=what)
    session.add(risk)
    concern.priority, concern.urgent = RISK_PRIORITY, True
    session.flush()
    raise_alert(session, AlertKind.RISK, new_id(risk), new_id(concern), now)  # by e-mail to whoever is on call
    return risk


def _marker_words(session: Session, risk: Risk) -> str:
    name = session.scalar(select(col(Staff.name)).where(col(Staff.login) == risk.marked_by)) or risk.marked_by
    return f"marked at {london_time(risk.marked_at)} by {name}"


def mark_risk(engine: Engine, concern_id: int, login: str, now: dt.datetime, what: str) -> int:
    """Mark an open call at immediate risk to someone's life or safety."""
    what = risk_rules.check_what(what, required=True)
    with writing(engine) as session:
        member = acting_staff(session, login)
        refuse_if_barred(session, login, concern_id, london(now).date())
        concern, state = locked_call(session, concern_id)
        standing = standing_risk(session, concern_id)
        if reason := risk_rules.mark_refusal(
            state, member.role, _marker_words(session, standing) if standing else None
        ):
            raise Refused(reason)
        risk = start_risk(session, concern, login, now, what)
        record_event(session, actor=login, kind=EventKind.RISK_MARKED, at=now, concern_id=concern_id, risk_id=risk.id)
        return new_id(risk)


def _record_step(
    engine: Engine,
    concern_id: int,
    login: str,
    now: dt.datetime,
    doing: str,
    kind: RiskStepKind,
    event: EventKind,
    code: dict[str, Any],
    **values: Any,
) -> int:
    """One step of the protocol: who may take it (domain.risk.step_refusal), its row, its event
    (the step's code only: `code`)."""
    with writing(engine) as session:
        member = acting_staff(session, login)
        refuse_if_barred(session, login, concern_id, london(now).date())
        _, state = locked_call(session, concern_id)
        risk = standing_risk(session, concern_id)
        if reason := risk_rules.step_refusal(state, login, member.role, risk.marked_by if risk else None, doing):
            raise Refused(reason)
        assert risk is not None  # (step_refusal refuses a call with no marker)
        row = RiskStep(risk_id=new_id(risk), concern_id=concern_id, kind=kind, by=login, at=now, **values)
        session.add(row)
        session.flush()
        record_event(
            session,
            actor=login,
            kind=event,
            at=now,
            concern_id=concern_id,
            risk_id=risk.id,
            risk_step_id=row.id,
            **code,
        )
        return new_id(row)


def record_risk_contact(
    engine: Engine,
    concern_id: int,
    login: str,
    now: dt.datetime,
    *,
    contact: str,
    who: str = "",
    reference: str = "",
    why_not: str = "",
    when: str = "",
) -> int:
    """Emergency services or safeguarding contacted (who, when, their reference), or why not."""
    step = risk_rules.validate_contact_step(
        contact=contact,
        who=who,
        reference=reference,
        why_not=why_not,
        when=when,
        now=now,
        london_today=london(now).date(),
    )
    return _record_step(
        engine,
        concern_id,
        login,
        now,
        "record the emergency contact",
        RiskStepKind.CONTACT,
        EventKind.RISK_CONTACT,
        {"contact": step.contact},
        happened_at=step.happened_at,
        contact=step.contact,
        who=step.who,
        reference=step.reference,
        why_not=step.why_not,
    )


def record_risk_safety(
    engine: Engine, concern_id: int, login: str, now: dt.datetime, *, safety: str, note: str = ""
) -> int:
    """The person's immediate safety confirmed, or not (with what is known and being done)."""
    safety, note = risk_rules.validate_safety_step(safety=safety, note=note)
    return _record_step(
        engine,
        concern_id,
        login,
        now,
        "record the person's safety",
        RiskStepKind.SAFETY,
        EventKind.RISK_SAFETY,
        {"safety": safety},
        happened_at=now,
        safety=safety,
        note=note,
    )


def acknowledge_risk(engine: Engine, concern_id: int, login: str, now: dt.datetime) -> None:
    """A supervisor acknowledges the call's immediate risk: the alert stops ringing."""
    with writing(engine) as session:
        member = acting_staff(session, login)
        refuse_if_barred(session, login, concern_id, london(now).date())
        locked_call(session, concern_id)
        risk = standing_risk(session, concern_id)
        by = None
        if risk is not None and risk.acknowledged_by:
            by = session.scalar(select(col(Staff.name)).where(col(Staff.login) == risk.acknowledged_by))
            by = f"{by or risk.acknowledged_by} at {london_time(risk.acknowledged_at or now)}"
        if reason := risk_rules.acknowledge_refusal(member.role, risk is not None, by):
            raise Refused(reason)
        assert risk is not None
        risk.acknowledged_by, risk.acknowledged_at = login, now
        session.flush()
        stopped = acknowledge_standing(session, concern_id, login, now, kind=AlertKind.RISK)  # its e-mails stop
        record_event(
            session,
            actor=login,
            kind=EventKind.RISK_ACKNOWLEDGED,
            at=now,
            concern_id=concern_id,
            risk_id=risk.id,
            alerts=stopped or None,
        )


def lift_risk(engine: Engine, concern_id: int, login: str, now: dt.datetime, reason: str) -> None:
    """A supervisor lifts the marker, with reasons: the call goes back to its place in the queue."""
    reason = risk_rules.check_lift_reason(reason)
    with writing(engine) as session:
        member = acting_staff(session, login)
        refuse_if_barred(session, login, concern_id, london(now).date())
        concern, state = locked_call(session, concern_id)
        risk = standing_risk(session, concern_id)
        if refusal := risk_rules.lift_refusal(member.role, risk is not None, state.status):
            raise Refused(refusal)
        assert risk is not None
        risk.lifted_by, risk.lifted_at, risk.lift_reason = login, now, reason
        concern.priority = priority(concern.urgent)
        session.flush()
        stopped = acknowledge_standing(session, concern_id, login, now, kind=AlertKind.RISK)  # its e-mails stop
        record_event(
            session,
            actor=login,
            kind=EventKind.RISK_LIFTED,
            at=now,
            concern_id=concern_id,
            risk_id=risk.id,
            alerts=stopped or None,
        )


__all__ = [
    "acknowledge_risk",
    "lift_risk",
    "mark_risk",
    "record_risk_contact",
    "record_risk_safety",
    "risk_facts",
    "standing_risk",
    "start_risk",
]
