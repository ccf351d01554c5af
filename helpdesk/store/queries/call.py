"""One call's whole record for the call screen, and its school's inspections."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import Engine, func, select
from sqlmodel import col

from helpdesk.clock import as_utc, london
from helpdesk.domain.pause import awaits_countersignature, settled
from helpdesk.domain.permissions import Permission, may
from helpdesk.domain.policy import Policy
from helpdesk.domain.types import EventKind, Party
from helpdesk.store.acting import NotPermitted, acting_member, opening_refusal
from helpdesk.store.db.models import (
    TOLD_AT,
    Advice,
    Alert,
    Concern,
    ContactAttempt,
    Event,
    Handover,
    Inspection,
    InspectionMember,
    Notification,
    PauseDecision,
    ResponsibleBody,
    Review,
    Risk,
    RiskStep,
    School,
    Staff,
    table_of,
)
from helpdesk.store.queries import policy as policies
from helpdesk.store.queries.follow_ups import call_follow_ups
from helpdesk.store.queries.history import related_calls
from helpdesk.store.queries.pause_register import paused_elsewhere
from helpdesk.store.queries.timeline import CallRecord, describe
from helpdesk.store.rows import (
    BodyCard,
    CallDetail,
    DecisionSummary,
    InspectionCard,
    InspectionChoice,
    RiskCard,
    RiskStepRow,
    SchoolCard,
    TimelineEntry,
)


def school_inspections(engine: Engine, urn: str) -> list[InspectionChoice]:
    """The school's inspections on record, newest first, to link a call to."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                col(Inspection.id),
                col(Inspection.reference),
                col(Inspection.remit),
                col(Inspection.start_date),
                col(Inspection.end_date),
            )
            .where(col(Inspection.urn) == urn)
            .order_by(col(Inspection.start_date).desc(), col(Inspection.id).desc())
        ).all()
    return [
        InspectionChoice(
            r.id, f"{r.reference} · {r.remit.replace('_', ' ')} · {r.start_date:%-d %b}–{r.end_date:%-d %b %Y}"
        )
        for r in rows
    ]


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return as_utc(value) if value is not None else None


def call_detail(
    engine: Engine,
    concern_id: int,
    login: str,
    related_since: dt.datetime | None = None,
    now: dt.datetime | None = None,
    policy: Policy | None = None,
) -> CallDetail | None:
    """Everything the call screen shows, as `login` may see it (store.acting checks who asks,
    the information barrier as of `now`, the present moment unless given). Other calls about
    its school or inspection: the open ones, those linked to it, and those received since
    `related_since`, or, given the policy (the file's), within the related days of the policy
    in force (read on the same connection)."""
    moment = now or dt.datetime.now(dt.UTC)
    today = london(moment).date()
    with engine.connect() as connection:
        if policy is not None:
            related_since = moment - dt.timedelta(days=policies.in_force(connection, policy).policy.related_calls_days)
        member = acting_member(connection, login, Permission.OPEN_CALLS)
        found = connection.execute(select(table_of(Concern)).where(col(Concern.id) == concern_id)).first()
        if found is None:
            return None
        row = found._mapping
        if reason := opening_refusal(connection, member, concern_id, row["status"], row["claimed_by"], today):
            raise NotPermitted(reason)
        names = dict(connection.execute(select(col(Staff.login), col(Staff.name))).all())
        school = connection.execute(select(table_of(School)).where(col(School.urn) == row["urn"])).one()._mapping
        body = None
        if school["responsible_body_id"] is not None:
            b = (
                connection.execute(
                    select(table_of(ResponsibleBody)).where(col(ResponsibleBody.id) == school["responsible_body_id"])
                )
                .one()
                ._mapping
            )
            body = BodyCard(b["name"], b["kind"], b["contact_name"], b["contact_role"], b["phone"], b["email"])
        inspection = None
        if row["inspection_id"] is not None:
            i = (
                connection.execute(select(table_of(Inspection)).where(col(Inspection.id) == row["inspection_id"]))
                .one()
                ._mapping
            )
            members = connection.execute(
                select(col(InspectionMember.login), col(InspectionMember.part)).where(
                    col(InspectionMember.inspection_id) == i["id"]
                )
            ).all()
            inspection = InspectionCard(
                i["reference"],
                i["remit"],
                i["start_date"],
                i["end_date"],
                names.get(i["lead_inspector"], i["lead_inspector"]),
                [names.get(m.login, m.login) for m in members if m.part == "team"],
                i["wellbeing_name"],
                i["wellbeing_role"],
                i["wellbeing_phone"],
            )
        advice = {
            a.id: a for a in connection.execute(select(table_of(Advice)).where(col(Advice.concern_id) == concern_id))
        }
        contacts = {
            c.id: c
            for c in connection.execute(
                select(table_of(ContactAttempt)).where(col(ContactAttempt.concern_id) == concern_id)
            )
        }
        decisions = {
            d.id: d
            for d in connection.execute(
                select(table_of(PauseDecision)).where(col(PauseDecision.concern_id) == concern_id)
            )
        }
        notices = {
            n.id: n
            for n in connection.execute(
                select(table_of(Notification)).where(col(Notification.concern_id) == concern_id)
            )
        }
        handovers = {
            h.id: h
            for h in connection.execute(select(table_of(Handover)).where(col(Handover.concern_id) == concern_id))
        }
        reviews = list(
            connection.execute(
                select(table_of(Review)).where(col(Review.concern_id) == concern_id).order_by(col(Review.id))
            )
        )
        risks = {r.id: r for r in connection.execute(select(table_of(Risk)).where(col(Risk.concern_id) == concern_id))}
        risk_steps = {
            r.id: r
            for r in connection.execute(
                select(table_of(RiskStep)).where(col(RiskStep.concern_id) == concern_id).order_by(col(RiskStep.id))
            )
        }
        alerts_standing = (
            connection.scalar(
                select(func.count())
                .select_from(Alert)
                .where(col(Alert.concern_id) == concern_id, col(Alert.acknowledged_at).is_(None))
            )
            or 0
        )
        follow_ups = call_follow_ups(connection, concern_id)
        elsewhere = paused_elsewhere(connection, row["inspection_id"], concern_id)
        related = related_calls(
            connection,
            concern_id,
            row["urn"],
            related_since or dt.datetime.max.replace(tzinfo=dt.UTC),
            may(member.role, Permission.READ_CLOSED_CALLS),
            login,
            today,
        )
        events = connection.execute(
            select(col(Event.kind), col(Event.actor), col(Event.at), col(Event.details))
            .where(col(Event.concern_id) == concern_id)
            .order_by(col(Event.id))
        ).all()
    latest = decisions[max(decisions)] if decisions else None
    in_force = max(
        (d for d in decisions.values() if settled(d.exceptional, bool(d.countersigned_by), bool(d.refused_by))),
        key=lambda d: d.id,
        default=None,
    )
    informed = frozenset(n.party for n in notices.values() if in_force is not None and n.decision_id == in_force.id)
    call = CallRecord(
        row=row,
        names=names,
        advice=advice,
        contacts=contacts,
        decisions=decisions,
        notices=notices,
        handovers=handovers,
        reviews=reviews,
        inspection=i if row["inspection_id"] is not None else None,
        follow_ups={f.id: f for f in follow_ups},
        risks=risks,
        risk_steps=risk_steps,
    )
    timeline = [
        TimelineEntry(as_utc(e.at), *said_by(e.kind, names.get(e.actor, e.actor)), describe_event(e, call))
        for e in events
    ]
    return CallDetail(
        id=row["id"],
        status=row["status"],
        received_at=as_utc(row["received_at"]),
        urgent=row["urgent"],
        category=row["category"],
        caller_name=row["caller_name"],
        caller_role=row["caller_role"],
        caller_phone=row["caller_phone"],
        summary=row["summary"],
        claimed_by=row["claimed_by"],
        claimed_by_name=names.get(row["claimed_by"]) if row["claimed_by"] else None,
        claimed_at=_utc(row["claimed_at"]),
        closed_at=_utc(row["closed_at"]),
        outcome=row["outcome"],
        signposting_offered_at=_utc(row["signposting_offered_at"]),
        signposting_not_offered=row["signposting_not_offered"],
        school=SchoolCard(
            school["urn"],
            school["name"],
            school["type"],
            school["phase"],
            school["local_authority"],
            school["postcode"],
            school["phone"],
            school["head_name"],
        ),
        inspection=inspection,
        body=body,
        body_contacts=sum(c.party == Party.RESPONSIBLE_BODY.value for c in contacts.values()),
        advice_ids=sorted(advice),
        latest_decision=_summary(in_force, names, informed) if in_force else None,
        awaiting_decision=_summary(latest, names)
        if latest is not None
        and awaits_countersignature(latest.exceptional, bool(latest.countersigned_by), bool(latest.refused_by))
        else None,
        refused_decision=_summary(latest, names) if latest is not None and latest.refused_by else None,
        told=frozenset(what for what, column in TOLD_AT.items() if row[column] is not None),
        risk=_risk_card(risks, risk_steps, names),
        alerts_standing=alerts_standing,
        timeline=timeline,
        follow_ups=follow_ups,
        related=related,
        paused_elsewhere=elsewhere,
    )


def said_by(kind: str, actor: str) -> tuple[str, str]:
    """Who the timeline says acted, and the kind: an escalation is the helpline's own doing (a
    console only noticed it, and the sentence says whose), and so is an alert's e-mail (the
    sender's account is in the audit trail)."""
    return ("Helpline" if kind in HELPLINE_EVENTS else actor), kind


# the helpline's own doing, not a person's: an escalation (a console noticed it), an alert's e-mail
HELPLINE_EVENTS = frozenset({EventKind.ESCALATED, EventKind.ALERT_SENT, EventKind.ALERT_FAILED})


def describe_event(event: Any, call: CallRecord) -> str:
    text = describe(event.kind, json.loads(event.details or "{}"), call)
    if event.kind == EventKind.ESCALATED:
        text += f" Noticed by {call.names.get(event.actor, event.actor)}'s console."
    return text


def _summary(d: Any, names: dict[str, str], informed: frozenset[str] = frozenset()) -> DecisionSummary:
    return DecisionSummary(
        d.id,
        d.decision,
        d.exceptional,
        d.decided_by,
        names.get(d.countersigned_by, d.countersigned_by) if d.countersigned_by else None,
        d.resumes_on,
        _utc(d.decided_at),
        informed,
        names.get(d.decided_by, d.decided_by),
        working_days=d.working_days,
        refused_by=names.get(d.refused_by, d.refused_by) if d.refused_by else None,
        refused_at=_utc(d.refused_at),
        refusal_reason=d.refusal_reason or "",
    )


def _risk_card(risks: dict[int, Any], steps: dict[int, Any], names: dict[str, str]) -> RiskCard | None:
    """The marker standing on the call (not lifted), with its protocol's steps in order."""
    standing = next((r for r in risks.values() if r.lifted_at is None), None)
    if standing is None:
        return None
    return RiskCard(
        id=standing.id,
        marked_by=standing.marked_by,
        marked_by_name=names.get(standing.marked_by, standing.marked_by),
        marked_at=as_utc(standing.marked_at),
        what=standing.what,
        acknowledged_by_name=names.get(standing.acknowledged_by, standing.acknowledged_by)
        if standing.acknowledged_by
        else None,
        acknowledged_at=_utc(standing.acknowledged_at),
        steps=[
            RiskStepRow(
                id=s.id,
                kind=s.kind,
                by_name=names.get(s.by, s.by),
                at=as_utc(s.at),
                happened_at=as_utc(s.happened_at),
                contact=s.contact,
                who=s.who,
                reference=s.reference,
                why_not=s.why_not,
                safety=s.safety,
                note=s.note,
            )
            for s in steps.values()
            if s.risk_id == standing.id
        ],
    )
