"""Read models for one call: its details, its responsible body's card and its timeline."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import col

from helpdesk.clock import as_utc, london_stamp
from helpdesk.domain.follow_up import FollowUpKind, ResumptionOutcome
from helpdesk.domain.pause import Decision, Grounds, RequestedBy
from helpdesk.domain.permissions import Permission, may
from helpdesk.domain.phones import national
from helpdesk.domain.signposting import EDUCATION_SUPPORT
from helpdesk.domain.types import CallerRole, Channel, ContactOutcome, EventKind, LinkKind, Party, ReviewOutcome
from helpdesk.store.acting import NotPermitted, acting_member
from helpdesk.store.follow_ups import FollowUpRow, call_follow_ups, opening_refusal
from helpdesk.store.linked_calls import RelatedCall, related_calls
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
    table_of,
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
    head_name: str = ""  # from GIAS


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
    follow_ups: list[FollowUpRow] = field(default_factory=list)  # open ones first, soonest due
    related: list[RelatedCall] = field(default_factory=list)  # other calls about its school or inspection

    @property
    def remit(self) -> str | None:
        """The remit of the call's inspection; None while no inspection is on record."""
        return self.inspection.remit if self.inspection else None

    @property
    def open_follow_ups(self) -> list[FollowUpRow]:
        return [f for f in self.follow_ups if f.open]

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


def _day(value: dt.date | None) -> str:
    return value.strftime("%a %-d %b %Y") if value else ""


def call_detail(
    engine: Engine, concern_id: int, login: str, related_since: dt.datetime | None = None
) -> CallDetail | None:
    """Everything the call screen shows, as `login` may see it (store.acting checks who asks).
    Other calls about its school or inspection: the open ones, those linked to it, and those
    received since `related_since`."""
    with engine.connect() as connection:
        member = acting_member(connection, login, Permission.OPEN_CALLS)
        found = connection.execute(select(table_of(Concern)).where(col(Concern.id) == concern_id)).first()
        if found is None:
            return None
        row = found._mapping
        if reason := opening_refusal(connection, member, concern_id, row["status"], row["claimed_by"]):
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
        follow_ups = call_follow_ups(connection, concern_id)
        related = related_calls(
            connection,
            concern_id,
            row["urn"],
            related_since or dt.datetime.max.replace(tzinfo=dt.UTC),
            may(member.role, Permission.READ_CLOSED_CALLS),
        )
        events = connection.execute(
            select(col(Event.kind), col(Event.actor), col(Event.at), col(Event.details))
            .where(col(Event.concern_id) == concern_id)
            .order_by(col(Event.id))
        ).all()
    latest = decisions[max(decisions)] if decisions else None
    informed = frozenset(n.party for n in notices.values() if latest is not None and n.decision_id == latest.id)
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
    )
    timeline = [
        TimelineEntry(
            as_utc(e.at), names.get(e.actor, e.actor), e.kind, describe(e.kind, json.loads(e.details or "{}"), call)
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
            school["head_name"],
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
        follow_ups=follow_ups,
        related=related,
    )


def decision_name(d: Any) -> str:
    """How the record names one decision: "the decision of Wed 18 Nov 09:02 (authorised)"."""
    if d is None:
        return "an earlier decision"
    return f"the decision of {london_stamp(as_utc(d.decided_at))} ({d.decision})"


@dataclass(frozen=True)
class CallRecord:
    """The rows of one call that its audit events point at (events hold ids, never the words)."""

    row: Any  # the concern's row
    names: dict[str, str]  # staff login -> name
    advice: dict[int, Any]
    contacts: dict[int, Any]
    decisions: dict[int, Any]
    notices: dict[int, Any]
    handovers: dict[int, Any]
    reviews: list[Any]
    inspection: Any | None
    follow_ups: dict[int, FollowUpRow] = field(default_factory=dict)

    def name(self, login: str | None) -> str:
        return self.names.get(login or "", login or "")


Sentence = Callable[[dict[str, Any], CallRecord], str]


def _ref(details: dict[str, Any], key: str) -> int:
    """The id an audit event's details point at (-1, which no row has, when there is none)."""
    value = details.get(key)
    return int(value) if value is not None else -1


def _logged(details: dict[str, Any], call: CallRecord) -> str:
    row = call.row
    return (
        f"Call logged: {CallerRole(row['caller_role']).label} {row['caller_name']} on {national(row['caller_phone'])}. "
        f"{row['summary']}"
    )


def _released(details: dict[str, Any], call: CallRecord) -> str:
    h = call.handovers.get(_ref(details, "handover_id"))
    if h is None:
        return "Released"
    return f"Released from {call.name(h.from_login)} back to the queue: {h.reason}"


def _reassigned(details: dict[str, Any], call: CallRecord) -> str:
    h = call.handovers.get(_ref(details, "handover_id"))
    if h is None:
        return "Reassigned"
    moved = details.get("follow_ups")
    handed_on = f" ({moved} open follow-up{'s' if moved != 1 else ''} now theirs)" if moved else ""
    return f"Reassigned from {call.name(h.from_login)} to {call.name(h.to_login)}{handed_on}: {h.reason}"


def _advice(details: dict[str, Any], call: CallRecord) -> str:
    a = call.advice.get(_ref(details, "advice_id"))
    if a is None:
        return "Advice"
    prefix = f"Advice #{a.id}" + (f" (corrects #{a.corrects_id})" if a.corrects_id else "")
    return f"{prefix}: {a.text}"


def _contact(details: dict[str, Any], call: CallRecord) -> str:
    c = call.contacts.get(_ref(details, "contact_id"))
    if c is None:
        return "Contact attempt"
    who = Party(c.party).label + (f" ({c.contact_name})" if c.contact_name else "")
    via = f"{Channel(c.channel).label.lower()}" + (f" {national(c.phone)}" if c.phone else "")
    note = f" — {c.note}" if c.note else ""
    return f"Contact with {who} by {via}: {ContactOutcome(c.outcome).label.lower()}{note}"


def _inspection_linked(details: dict[str, Any], call: CallRecord) -> str:
    what = f"{call.inspection['reference']}" if call.inspection is not None else "an inspection"
    return ("Recorded and linked inspection " if details.get("recorded") else "Linked inspection ") + what


def _decision(details: dict[str, Any], call: CallRecord) -> str:
    d = call.decisions.get(_ref(details, "decision_id"))
    if d is None:
        return "Pause decision"
    asked = f"requested by {RequestedBy(d.requested_by).label.lower()}, grounds: {Grounds(d.grounds).label.lower()}"
    supersedes = f" Supersedes {decision_name(call.decisions.get(d.supersedes_id))}." if d.supersedes_id else ""
    supersedes += _decision_follow_up(details, call)
    if d.decision == Decision.DECLINED:
        return f"Pause DECLINED ({asked}). Rationale: {d.rationale}{supersedes}"
    days = f"{d.working_days} working day{'s' if d.working_days != 1 else ''}"
    text = f"Pause AUTHORISED for {days}, resumes {_day(d.resumes_on)} ({asked}). Rationale: {d.rationale}"
    if d.exceptional:
        text += f" EXCEPTIONAL — justification: {d.justification}"
    return text + supersedes


def _countersigned(details: dict[str, Any], call: CallRecord) -> str:
    d = call.decisions.get(_ref(details, "decision_id"))
    reason = f": {d.countersign_reason}" if d is not None and d.countersign_reason else ""
    return f"Countersigned the exceptional pause ({decision_name(d)}){reason}"


def _notified(details: dict[str, Any], call: CallRecord) -> str:
    n = call.notices.get(_ref(details, "notification_id"))
    if n is None:
        return "Notification"
    of = f" of {decision_name(call.decisions.get(n.decision_id))}" if n.decision_id else ""
    note = f" — {n.note}" if n.note else ""
    return f"{Party(n.party).label} informed{of} by {Channel(n.channel).label.lower()}{note}"


def _reviewed(details: dict[str, Any], call: CallRecord) -> str:
    review = next((r for r in call.reviews if r.id == details.get("review_id")), None)
    if review is None:
        return "Reviewed"
    text = f"Reviewed: {ReviewOutcome(review.outcome).label}" + (f" — {review.feedback}" if review.feedback else "")
    if (f := call.follow_ups.get(_ref(details, "follow_up_id"))) is not None:
        text = text.rstrip(".") + f". Follow-up #{f.id} for {call.name(f.owner)}, due {london_stamp(f.due_at)}"
    return text


def _follow_up_set(details: dict[str, Any], call: CallRecord) -> str:
    f = call.follow_ups.get(_ref(details, "follow_up_id"))
    if f is None:
        return "Follow-up set"
    who = call.name(f.owner) if f.owner else "any senior"
    number = f" on {national(f.phone)}" if f.phone else ""
    return f"{FollowUpKind(f.kind).label} set for {who}, due {london_stamp(f.due_at)}{number}: {f.what}"


def _follow_up_done(details: dict[str, Any], call: CallRecord) -> str:
    f = call.follow_ups.get(_ref(details, "follow_up_id"))
    if f is None:
        return "Follow-up done"
    kind = FollowUpKind(f.kind)
    if kind == FollowUpKind.CALLBACK:
        result = f"called back on {national(f.phone)}: {label_of(ContactOutcome, f.outcome).lower()}"
    elif kind == FollowUpKind.RESUMPTION_CHECK:
        result = label_of(ResumptionOutcome, f.outcome)
    else:
        result = "done"
    note = f" — {f.note}" if f.note else ""
    return f"{kind.label} #{f.id} {result}{note}"


def _decision_follow_up(details: dict[str, Any], call: CallRecord) -> str:
    """What a decision did to the resumption checks: made one, closed the one it supersedes."""
    parts = []
    if (check := call.follow_ups.get(_ref(details, "follow_up_id"))) is not None:
        parts.append(f" Resumption check #{check.id} due {london_stamp(check.due_at)}.")
    if details.get("superseded_follow_up") is not None:
        parts.append(f" Resumption check #{details['superseded_follow_up']} closed: superseded.")
    return "".join(parts)


def _escalated(details: dict[str, Any], call: CallRecord) -> str:
    over = f" ({details['minutes_over']} min over)" if details.get("minutes_over") else ""
    if details.get("subject") == "follow_up":
        return f"Escalated to supervisors: follow-up #{details.get('follow_up_id')} overdue{over}"
    return f"Escalated to supervisors: not claimed within its target{over}"


def _calls_linked(details: dict[str, Any], call: CallRecord) -> str:
    why = label_of(LinkKind, details.get("link_kind")).lower()
    return f"Linked with call {details.get('linked_id')}" + (f" ({why})" if why else "")


def label_of(kind: Any, value: str | None) -> str:
    return str(kind(value).label) if value in kind.values() else (value or "")


def _signposting_not_offered(details: dict[str, Any], call: CallRecord) -> str:
    return f"Signposting NOT offered: {call.row['signposting_not_offered'] or ''}"


# The timeline's sentence for each kind of event on a call: the one place a new kind is added.
TIMELINE: dict[EventKind, Sentence] = {
    EventKind.LOGGED: _logged,
    EventKind.VIEWED: lambda details, call: "Viewed the call",
    EventKind.CLAIMED: lambda details, call: "Claimed",
    EventKind.RELEASED: _released,
    EventKind.REASSIGNED: _reassigned,
    EventKind.ADVICE: _advice,
    EventKind.CONTACT: _contact,
    EventKind.INSPECTION_LINKED: _inspection_linked,
    EventKind.DECISION: _decision,
    EventKind.COUNTERSIGNED: _countersigned,
    EventKind.NOTIFIED: _notified,
    EventKind.SIGNPOSTED: lambda details, call: (
        f"Signposting offered: {EDUCATION_SUPPORT}; sharing provisional outcomes"
    ),
    EventKind.SIGNPOSTING_NOT_OFFERED: _signposting_not_offered,
    EventKind.CLOSED: lambda details, call: f"Closed. Outcome: {call.row['outcome'] or ''}",
    EventKind.REVIEWED: _reviewed,
    EventKind.FOLLOW_UP_SET: _follow_up_set,
    EventKind.FOLLOW_UP_DONE: _follow_up_done,
    EventKind.ESCALATED: _escalated,
    EventKind.CALLS_LINKED: _calls_linked,
}


def describe(kind: str, details: dict[str, Any], call: CallRecord) -> str:
    """The words the timeline shows for one audit event, from the rows it points at."""
    sentence = TIMELINE.get(EventKind(kind)) if kind in EventKind.values() else None
    return sentence(details, call) if sentence else kind
