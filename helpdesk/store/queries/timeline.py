"""The timeline: one sentence in the helpline's words for every kind of audit event on a call."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from helpdesk.clock import as_utc, london_stamp, london_time
from helpdesk.domain.follow_up import FollowUpKind, ResumptionOutcome
from helpdesk.domain.pause import Decision, Grounds, RequestedBy
from helpdesk.domain.phones import national
from helpdesk.domain.risk import RiskContact, Safety
from helpdesk.domain.signposting import EDUCATION_SUPPORT
from helpdesk.domain.types import CallerRole, Channel, ContactOutcome, EventKind, LinkKind, Party, ReviewOutcome, Told
from helpdesk.store.rows import FollowUpRow


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
    risks: dict[int, Any] = field(default_factory=dict)
    risk_steps: dict[int, Any] = field(default_factory=dict)

    def name(self, login: str | None) -> str:
        return self.names.get(login or "", login or "")


Sentence = Callable[[dict[str, Any], CallRecord], str]


def _ref(details: dict[str, Any], key: str) -> int:
    """The id an audit event's details point at (-1, which no row has, when there is none)."""
    value = details.get(key)
    return int(value) if value is not None else -1


def _logged(details: dict[str, Any], call: CallRecord) -> str:
    row = call.row
    at_risk = (
        " Marked at IMMEDIATE RISK to someone's life or safety as it was logged." if details.get("at_risk") else ""
    )
    return (
        f"Call logged: {CallerRole(row['caller_role']).label} {row['caller_name']} on {national(row['caller_phone'])}. "
        f"{sentence(row['summary']) + at_risk if at_risk else row['summary']}"
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
    told = [Told(what).label for what in details.get("told") or () if what in Told.values()]
    return f"{prefix}: {a.text}" + (f" Told the caller: {'; '.join(told)}." if told else "")


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


def sentence(said: str) -> str:
    """Free text as a sentence of the timeline: what follows it starts a sentence of its own
    ("Rationale: head unwell. Supersedes …", not "head unwell Supersedes …")."""
    said = said.rstrip()
    return said if said.endswith((".", "!", "?", "…")) else f"{said}."


def _decision(details: dict[str, Any], call: CallRecord) -> str:
    d = call.decisions.get(_ref(details, "decision_id"))
    if d is None:
        return "Pause decision"
    asked = f"requested by {RequestedBy(d.requested_by).label.lower()}, grounds: {Grounds(d.grounds).label.lower()}"
    supersedes = f" Supersedes {decision_name(call.decisions.get(d.supersedes_id))}." if d.supersedes_id else ""
    supersedes += _decision_follow_up(details, call)
    if d.decision == Decision.DECLINED:
        return f"Pause DECLINED ({asked}). Rationale: {sentence(d.rationale)}{supersedes}"
    days = f"{d.working_days} working day{'s' if d.working_days != 1 else ''}"
    text = (
        f"Pause AUTHORISED for {days}, resumes {day_text(d.resumes_on)} ({asked}). Rationale: {sentence(d.rationale)}"
    )
    if d.exceptional:
        text += f" EXCEPTIONAL — justification: {d.justification} — in force only once a supervisor countersigns it."
    return text + supersedes


def _countersigned(details: dict[str, Any], call: CallRecord) -> str:
    d = call.decisions.get(_ref(details, "decision_id"))
    reason = f" Reasons: {sentence(d.countersign_reason)}" if d is not None and d.countersign_reason else ""
    follow_up = _decision_follow_up(details, call)
    return f"Countersigned the exceptional pause ({decision_name(d)}): it is in force.{reason}{follow_up}"


def _countersign_refused(details: dict[str, Any], call: CallRecord) -> str:
    d = call.decisions.get(_ref(details, "decision_id"))
    reason = f" Reasons: {sentence(d.refusal_reason)}" if d is not None and d.refusal_reason else ""
    restored = call.decisions.get(_ref(details, "restored"))
    back = f"{decision_name(restored)} stays in force" if restored is not None else "no pause decision is in force"
    return (
        f"REFUSED to countersign the exceptional pause ({decision_name(d)}): it never came into force; {back}.{reason}"
    )


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
    minutes = details.get("minutes_over")
    past = f"; raised {minutes} min after that" if minutes else ""
    if details.get("subject") == "follow_up":
        return f"Escalated to supervisors: follow-up #{details.get('follow_up_id')} was past its due time{past}."
    if details.get("subject") == "countersignature":
        return f"Escalated to supervisors: the exceptional pause still awaited countersignature past the policy's time{past}."
    return f"Escalated to supervisors: not claimed within its time-to-claim target{past}."


def _calls_linked(details: dict[str, Any], call: CallRecord) -> str:
    why = label_of(LinkKind, details.get("link_kind")).lower()
    return f"Linked with call {details.get('linked_id')}" + (f" ({why})" if why else "")


def _risk_marked(details: dict[str, Any], call: CallRecord) -> str:
    r = call.risks.get(_ref(details, "risk_id"))
    return "Marked at IMMEDIATE RISK to someone's life or safety" + (f": {r.what}" if r is not None and r.what else "")


def _risk_contact(details: dict[str, Any], call: CallRecord) -> str:
    s = call.risk_steps.get(_ref(details, "risk_step_id"))
    if s is None:
        return "Immediate risk: emergency contact recorded"
    if s.contact == RiskContact.NOT_CONTACTED:
        return f"Immediate risk: emergency services and safeguarding NOT contacted. Why: {sentence(s.why_not)}"
    reference = f", reference {s.reference}" if s.reference else ", no reference given"
    return f"Immediate risk: {label_of(RiskContact, s.contact)} contacted at {london_time(as_utc(s.happened_at))}: {s.who}{reference}"


def _risk_safety(details: dict[str, Any], call: CallRecord) -> str:
    s = call.risk_steps.get(_ref(details, "risk_step_id"))
    if s is None:
        return "Immediate risk: safety recorded"
    note = f" {sentence(s.note)}" if s.note else ""
    if s.safety == Safety.CONFIRMED:
        return f"Immediate risk: the person's immediate safety CONFIRMED.{note}"
    return f"Immediate risk: the person's immediate safety NOT confirmed.{note}"


def _risk_lifted(details: dict[str, Any], call: CallRecord) -> str:
    r = call.risks.get(_ref(details, "risk_id"))
    return "Lifted the immediate-risk marker" + (f". Reasons: {sentence(r.lift_reason)}" if r is not None else "")


def _alert(details: dict[str, Any], call: CallRecord, sent: bool) -> str:
    attempt = details.get("attempt") or 1
    to = call.name(details.get("to"))
    if sent:
        return f"Alert e-mailed to {to}" + (f" (attempt {attempt})" if attempt > 1 else "")
    if details.get("reason") == "no_address":
        return f"Alert NOT e-mailed to {to}: no e-mail address on record (the next on the rota has it in time)"
    retry = (
        f"; tried again from {london_time(as_utc(dt.datetime.fromisoformat(details['retry_at'])))}"
        if details.get("retry_at")
        else ""
    )
    return f"Alert e-mail to {to} failed ({details.get('reason') or 'refused'}, attempt {attempt}){retry}"


def label_of(kind: Any, value: str | None) -> str:
    return str(kind(value).label) if value in kind.values() else (value or "")


def _signposting_not_offered(details: dict[str, Any], call: CallRecord) -> str:
    return f"Signposting NOT offered: {call.row['signposting_not_offered'] or ''}"


# The timeline's sentence for each kind of event on a call: the one place a new kind is added.
TIMELINE: dict[EventKind, Sentence] = {
    EventKind.LOGGED: _logged,
    EventKind.VIEWED: lambda details, call: "Viewed the call",
    EventKind.BARRED: lambda details, call: "Tried to open the call: refused, as they are tied to its inspection",
    EventKind.CLAIMED: lambda details, call: "Claimed",
    EventKind.RELEASED: _released,
    EventKind.REASSIGNED: _reassigned,
    EventKind.ADVICE: _advice,
    EventKind.CONTACT: _contact,
    EventKind.INSPECTION_LINKED: _inspection_linked,
    EventKind.DECISION: _decision,
    EventKind.COUNTERSIGNED: _countersigned,
    EventKind.COUNTERSIGN_REFUSED: _countersign_refused,
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
    EventKind.RISK_MARKED: _risk_marked,
    EventKind.RISK_CONTACT: _risk_contact,
    EventKind.RISK_SAFETY: _risk_safety,
    EventKind.RISK_ACKNOWLEDGED: lambda details, call: "Acknowledged the immediate risk (supervisor)",
    EventKind.RISK_LIFTED: _risk_lifted,
    EventKind.ALERT_SENT: lambda details, call: _alert(details, call, sent=True),
    EventKind.ALERT_FAILED: lambda details, call: _alert(details, call, sent=False),
    EventKind.ALERT_ACKNOWLEDGED: lambda details, call: "Acknowledged the call's alerts: their e-mails stop",
}


def describe(kind: str, details: dict[str, Any], call: CallRecord) -> str:
    """The words the timeline shows for one audit event, from the rows it points at."""
    sentence = TIMELINE.get(EventKind(kind)) if kind in EventKind.values() else None
    return sentence(details, call) if sentence else kind


def day_text(value: dt.date | None) -> str:
    return value.strftime("%a %-d %b %Y") if value else ""
