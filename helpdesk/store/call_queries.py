"""Read models for one call: its details, its responsible body's card and its timeline."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import Engine, select

from helpdesk.clock import as_utc, london_stamp
from helpdesk.domain.pause import Grounds, RequestedBy
from helpdesk.domain.phones import national
from helpdesk.domain.signposting import EDUCATION_SUPPORT
from helpdesk.domain.types import CallerRole, Channel, ContactOutcome, Party, ReviewOutcome
from helpdesk.store.models import (
    Advice,
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
    School,
    Staff,
)


@dataclass(frozen=True)
class SchoolCard:
    urn: str
    name: str
    type: str
    phase: str
    local_authority: str
    postcode: str
    phone: str | None


@dataclass(frozen=True)
class InspectionCard:
    reference: str
    remit: str
    start_date: dt.date
    end_date: dt.date
    lead: str
    team: list[str]


@dataclass(frozen=True)
class BodyCard:
    name: str
    kind: str
    contact_name: str
    contact_role: str
    phone: str | None
    email: str


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    actor: str
    kind: str
    text: str


@dataclass(frozen=True)
class DecisionSummary:
    """The decision in force (the call's latest: each later one supersedes the one before)."""

    id: int
    decision: str
    exceptional: bool
    decided_by: str
    countersigned_by: str | None
    resumes_on: dt.date | None
    decided_at: dt.datetime | None = None
    informed: frozenset[str] = frozenset()  # parties recorded as informed of this decision
    decided_by_name: str = ""


@dataclass(frozen=True)
class CallDetail:
    id: int
    status: str
    received_at: dt.datetime
    urgent: bool
    category: str
    caller_name: str
    caller_role: str
    caller_phone: str
    summary: str
    claimed_by: str | None
    claimed_by_name: str | None
    claimed_at: dt.datetime | None
    closed_at: dt.datetime | None
    outcome: str | None
    signposting_offered_at: dt.datetime | None
    signposting_not_offered: str | None
    school: SchoolCard
    inspection: InspectionCard | None
    body: BodyCard | None
    body_contacts: int
    advice_ids: list[int]
    latest_decision: DecisionSummary | None
    timeline: list[TimelineEntry] = field(default_factory=list)

    @property
    def remit(self) -> str | None:
        """The remit of the call's inspection; None while no inspection is on record."""
        return self.inspection.remit if self.inspection else None

    @property
    def awaiting_countersignature(self) -> bool:
        d = self.latest_decision
        return bool(d and d.exceptional and not d.countersigned_by)


@dataclass(frozen=True)
class InspectionChoice:
    id: int
    label: str


def school_inspections(engine: Engine, urn: str) -> list[InspectionChoice]:
    """The school's inspections on record, newest first, to link a call to."""
    with engine.connect() as connection:
        rows = connection.execute(
            select(Inspection.id, Inspection.reference, Inspection.remit, Inspection.start_date, Inspection.end_date)
            .where(Inspection.urn == urn)
            .order_by(Inspection.start_date.desc(), Inspection.id.desc())
        ).all()
    return [
        InspectionChoice(
            r.id, f"{r.reference} · {r.remit.replace('_', ' ')} · {r.start_date:%-d %b}–{r.end_date:%-d %b %Y}"
        )
        for r in rows
    ]


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    return as_utc(value) if value is not None else None


def _day(value: dt.date | None) -> str:
    return value.strftime("%a %-d %b %Y") if value else ""


def call_detail(engine: Engine, concern_id: int) -> CallDetail | None:
    with engine.connect() as connection:
        found = connection.execute(select(Concern.__table__).where(Concern.id == concern_id)).first()
        if found is None:
            return None
        row = found._mapping
        names = dict(connection.execute(select(Staff.login, Staff.name)).all())
        school = connection.execute(select(School.__table__).where(School.urn == row["urn"])).one()._mapping
        body = None
        if school["responsible_body_id"] is not None:
            b = (
                connection.execute(
                    select(ResponsibleBody.__table__).where(ResponsibleBody.id == school["responsible_body_id"])
                )
                .one()
                ._mapping
            )
            body = BodyCard(b["name"], b["kind"], b["contact_name"], b["contact_role"], b["phone"], b["email"])
        inspection = None
        if row["inspection_id"] is not None:
            i = (
                connection.execute(select(Inspection.__table__).where(Inspection.id == row["inspection_id"]))
                .one()
                ._mapping
            )
            members = connection.execute(
                select(InspectionMember.login, InspectionMember.part).where(InspectionMember.inspection_id == i["id"])
            ).all()
            inspection = InspectionCard(
                i["reference"],
                i["remit"],
                i["start_date"],
                i["end_date"],
                names.get(i["lead_inspector"], i["lead_inspector"]),
                [names.get(m.login, m.login) for m in members if m.part == "team"],
            )
        advice = {a.id: a for a in connection.execute(select(Advice.__table__).where(Advice.concern_id == concern_id))}
        contacts = {
            c.id: c
            for c in connection.execute(select(ContactAttempt.__table__).where(ContactAttempt.concern_id == concern_id))
        }
        decisions = {
            d.id: d
            for d in connection.execute(select(PauseDecision.__table__).where(PauseDecision.concern_id == concern_id))
        }
        notices = {
            n.id: n
            for n in connection.execute(select(Notification.__table__).where(Notification.concern_id == concern_id))
        }
        handovers = {
            h.id: h for h in connection.execute(select(Handover.__table__).where(Handover.concern_id == concern_id))
        }
        reviews = list(
            connection.execute(select(Review.__table__).where(Review.concern_id == concern_id).order_by(Review.id))
        )
        events = connection.execute(
            select(Event.kind, Event.actor, Event.at, Event.details)
            .where(Event.concern_id == concern_id)
            .order_by(Event.id)
        ).all()
    latest = decisions[max(decisions)] if decisions else None
    informed = frozenset(n.party for n in notices.values() if latest is not None and n.decision_id == latest.id)
    context = {
        "inspection": i if row["inspection_id"] is not None else None,
        "row": row,
        "advice": advice,
        "contacts": contacts,
        "decisions": decisions,
        "notices": notices,
        "handovers": handovers,
        "names": names,
        "reviews": reviews,
    }
    timeline = [
        TimelineEntry(
            as_utc(e.at), names.get(e.actor, e.actor), e.kind, describe(e.kind, json.loads(e.details or "{}"), context)
        )
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
        ),
        inspection=inspection,
        body=body,
        body_contacts=sum(c.party == Party.RESPONSIBLE_BODY.value for c in contacts.values()),
        advice_ids=sorted(advice),
        latest_decision=DecisionSummary(
            latest.id,
            latest.decision,
            latest.exceptional,
            latest.decided_by,
            latest.countersigned_by,
            latest.resumes_on,
            _utc(latest.decided_at),
            informed,
            names.get(latest.decided_by, latest.decided_by),
        )
        if latest
        else None,
        timeline=timeline,
    )


def decision_name(d) -> str:
    """How the record names one decision: "the decision of Wed 18 Nov 09:02 (authorised)"."""
    if d is None:
        return "an earlier decision"
    return f"the decision of {london_stamp(as_utc(d.decided_at))} ({d.decision})"


def describe(kind: str, details: dict, context: dict) -> str:
    """The words the timeline shows for one audit event, from the rows it points at."""
    names = context["names"]
    name = lambda login: names.get(login, login)  # noqa: E731
    row = context["row"]
    if kind == "logged":
        return (
            f"Call logged: {CallerRole(row['caller_role']).label} {row['caller_name']} on {national(row['caller_phone'])}. "
            f"{row['summary']}"
        )
    if kind == "claimed":
        return "Claimed"
    if kind in ("released", "reassigned"):
        h = context["handovers"].get(details.get("handover_id"))
        if h is None:
            return kind.capitalize()
        if kind == "released":
            return f"Released from {name(h.from_login)} back to the queue: {h.reason}"
        return f"Reassigned from {name(h.from_login)} to {name(h.to_login)}: {h.reason}"
    if kind == "advice":
        a = context["advice"].get(details.get("advice_id"))
        if a is None:
            return "Advice"
        prefix = f"Advice #{a.id}" + (f" (corrects #{a.corrects_id})" if a.corrects_id else "")
        return f"{prefix}: {a.text}"
    if kind == "contact":
        c = context["contacts"].get(details.get("contact_id"))
        if c is None:
            return "Contact attempt"
        who = Party(c.party).label + (f" ({c.contact_name})" if c.contact_name else "")
        via = f"{Channel(c.channel).label.lower()}" + (f" {national(c.phone)}" if c.phone else "")
        note = f" — {c.note}" if c.note else ""
        return f"Contact with {who} by {via}: {ContactOutcome(c.outcome).label.lower()}{note}"
    decisions = context["decisions"]
    if kind == "decision":
        d = decisions.get(details.get("decision_id"))
        if d is None:
            return "Pause decision"
        asked = f"requested by {RequestedBy(d.requested_by).label.lower()}, grounds: {Grounds(d.grounds).label.lower()}"
        supersedes = f" Supersedes {decision_name(decisions.get(d.supersedes_id))}." if d.supersedes_id else ""
        if d.decision == "declined":
            return f"Pause DECLINED ({asked}). Rationale: {d.rationale}{supersedes}"
        days = f"{d.working_days} working day{'s' if d.working_days != 1 else ''}"
        text = f"Pause AUTHORISED for {days}, resumes {_day(d.resumes_on)} ({asked}). Rationale: {d.rationale}"
        if d.exceptional:
            text += f" EXCEPTIONAL — justification: {d.justification}"
        return text + supersedes
    if kind == "countersigned":
        d = decisions.get(details.get("decision_id"))
        reason = f": {d.countersign_reason}" if d is not None and d.countersign_reason else ""
        return f"Countersigned the exceptional pause ({decision_name(d)}){reason}"
    if kind == "notified":
        n = context["notices"].get(details.get("notification_id"))
        if n is None:
            return "Notification"
        of = f" of {decision_name(decisions.get(n.decision_id))}" if n.decision_id else ""
        return f"{Party(n.party).label} informed{of} by {Channel(n.channel).label.lower()}" + (
            f" — {n.note}" if n.note else ""
        )
    if kind == "signposted":
        return f"Signposting offered: {EDUCATION_SUPPORT}; sharing provisional outcomes"
    if kind == "signposting_not_offered":
        return f"Signposting NOT offered: {row['signposting_not_offered'] or ''}"
    if kind == "inspection_linked":
        i = context.get("inspection")
        what = f"{i['reference']}" if i is not None else "an inspection"
        return ("Recorded and linked inspection " if details.get("recorded") else "Linked inspection ") + what
    if kind == "closed":
        return f"Closed. Outcome: {row['outcome'] or ''}"
    if kind == "viewed":
        return "Viewed the call"
    if kind == "reviewed":
        review = next((r for r in context["reviews"] if r.id == details.get("review_id")), None)
        if review is None:
            return "Reviewed"
        return f"Reviewed: {ReviewOutcome(review.outcome).label}" + (f" — {review.feedback}" if review.feedback else "")
    return kind
