"""Immediate risk to someone's life or safety: a state of the call, with a protocol that must be
completed and recorded before the call may close. Whoever logs a call, holds it or supervises may
mark it; while it stands the call is at the top of every queue and every supervisor is alerted.
The protocol: emergency services or safeguarding contacted (who, when, a reference) or why not;
the person's immediate safety confirmed or not; a supervisor's acknowledgement. Only a supervisor
lifts the marker, with reasons."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from helpdesk.domain import limits
from helpdesk.domain.intake import check_text, has_control_characters
from helpdesk.domain.permissions import Permission, may, permission_refusal
from helpdesk.domain.refusals import FieldsInvalid
from helpdesk.domain.types import ConcernStatus, Labelled


class CallState(Protocol):
    """Where the call stands (domain.call.CallState, which asks `close_refusal` at closing)."""

    @property
    def status(self) -> str: ...
    @property
    def holder(self) -> str | None: ...
    @property
    def holder_name(self) -> str | None: ...


LONDON = ZoneInfo("Europe/London")
RISK_PRIORITY = -1  # the queue's sort key while a call is at risk: before every urgent call


class RiskContact(Labelled):
    """Whom the helpline contacted about the person at risk, or that nobody was contacted."""

    EMERGENCY_SERVICES = "emergency_services"
    SAFEGUARDING = "safeguarding"
    NOT_CONTACTED = "not_contacted"

    @property
    def label(self) -> str:
        return {
            "emergency_services": "Emergency services (999)",
            "safeguarding": "Safeguarding (local authority)",
            "not_contacted": "Not contacted",
        }[self.value]


class Safety(Labelled):
    """Whether the person's immediate safety was confirmed."""

    CONFIRMED = "confirmed"
    NOT_CONFIRMED = "not_confirmed"

    @property
    def label(self) -> str:
        return {"confirmed": "Safe: confirmed", "not_confirmed": "Not confirmed"}[self.value]


class RiskStepKind(Labelled):
    CONTACT = "contact"  # emergency services or safeguarding contacted, or why not
    SAFETY = "safety"  # the person's immediate safety confirmed or not


@dataclass(frozen=True)
class RiskFacts:
    """Where a call's standing risk marker is (None on a call not at risk)."""

    contact_recorded: bool
    safety_recorded: bool
    acknowledged: bool


def protocol_missing(facts: RiskFacts) -> list[str]:
    """What the protocol still needs, in the order it is done."""
    missing = []
    if not facts.contact_recorded:
        missing.append("emergency services or safeguarding contact (or why not)")
    if not facts.safety_recorded:
        missing.append("whether the person's immediate safety is confirmed")
    if not facts.acknowledged:
        missing.append("a supervisor's acknowledgement")
    return missing


def close_refusal(facts: RiskFacts | None) -> str | None:
    """A call at immediate risk closes only once its protocol is recorded (or a supervisor lifted it)."""
    if facts is None or not (missing := protocol_missing(facts)):
        return None
    return "Cannot close: the call is at IMMEDIATE RISK; still to record: " + "; ".join(missing)


def mark_refusal(state: CallState, role: str, at_risk_since: str | None) -> str | None:
    """Whoever may log a call may mark an open one at immediate risk: the first to know says so."""
    if reason := permission_refusal(role, Permission.LOG_CONCERN):
        return reason.replace("log a concern", "mark a call at immediate risk")
    if state.status == ConcernStatus.CLOSED:
        return "Cannot mark a closed call at risk: log a new call"
    if at_risk_since:
        return f"The call is already marked at immediate risk ({at_risk_since})"
    return None


def step_refusal(state: CallState, login: str, role: str, marked_by: str | None, doing: str) -> str | None:
    """Who records the protocol's steps: a supervisor, whoever holds the call, or, while nobody
    holds it, whoever marked it at risk (the one on the line)."""
    if marked_by is None:
        return "The call is not marked at immediate risk"
    if state.status == ConcernStatus.CLOSED:
        return f"Cannot {doing}: the call is closed"
    if may(role, Permission.HANDLE_ANY_CALL) or state.holder == login:
        return None
    if state.status == ConcernStatus.WAITING and marked_by == login:
        return None
    if state.status == ConcernStatus.WAITING:
        return f"Claim the call before you {doing} (or ask a supervisor)"
    return f"Only {state.holder_name or state.holder} (who holds the call) or a supervisor can {doing}"


def acknowledge_refusal(role: str, marked: bool, acknowledged_by: str | None) -> str | None:
    if reason := permission_refusal(role, Permission.ACKNOWLEDGE_RISK):
        return reason
    if not marked:
        return "The call is not marked at immediate risk"
    if acknowledged_by:
        return f"Already acknowledged by {acknowledged_by}"
    return None


def lift_refusal(role: str, marked: bool, status: str) -> str | None:
    if reason := permission_refusal(role, Permission.ACKNOWLEDGE_RISK):
        return reason.replace("acknowledge an immediate risk", "lift an immediate-risk marker")
    if not marked:
        return "The call is not marked at immediate risk"
    if status == ConcernStatus.CLOSED:
        return "The call is closed: its record of the risk stands as it is"
    return None


def check_what(what: str, required: bool) -> str:
    """What the risk is, in a line or a few (required when marked on a call, optional at intake,
    where the summary says it)."""
    what = what.strip()
    if not what and not required:
        return ""
    if reason := check_text(what, "What the risk is", limits.RISK_WHAT, multiline=True):
        raise FieldsInvalid({"what": reason})
    return what


def check_lift_reason(reason: str) -> str:
    if problem := check_text(reason, "Why the marker is lifted", limits.REASON, multiline=True):
        raise FieldsInvalid({"reason": problem})
    return reason.strip()


HH_MM = re.compile(r"\s*(\d{1,2})[:.](\d{2})\s*")


@dataclass(frozen=True)
class ContactStep:
    contact: str  # RiskContact
    who: str  # the service or person reached ("Police, PC Shah"; "LADO duty officer")
    reference: str  # their incident or case reference, if they gave one
    why_not: str  # when nobody was contacted
    happened_at: dt.datetime  # when (UTC)


def validate_contact_step(
    *, contact: str, who: str, reference: str, why_not: str, when: str, now: dt.datetime, london_today: dt.date
) -> ContactStep:
    """A checked record of the emergency or safeguarding contact, every wrong field named.
    `when` is HH:MM today in London (blank: now), never later than now."""
    errors: dict[str, str] = {}
    if contact not in RiskContact.values():
        errors["contact"] = "Choose who was contacted, or Not contacted"
    contacted = contact in (RiskContact.EMERGENCY_SERVICES, RiskContact.SAFEGUARDING)
    if contacted and (reason := check_text(who, "Who was reached", limits.PERSON_NAME)):
        errors["who"] = reason
    if has_control_characters(reference) or len(reference) > limits.RISK_REFERENCE:
        errors["reference"] = f"Reference: one line, at most {limits.RISK_REFERENCE} characters"
    if contact == RiskContact.NOT_CONTACTED and (reason := check_text(why_not, "Why not", limits.REASON, True)):
        errors["why_not"] = reason
    happened_at = now
    if when.strip():
        found = HH_MM.fullmatch(when)
        if found is None or int(found.group(1)) > 23 or int(found.group(2)) > 59:
            errors["when"] = f"{when.strip()[:10]!r} is not a time: type HH:MM, e.g. 14:05 (blank: now)"
        else:
            local = dt.datetime.combine(london_today, dt.time(int(found.group(1)), int(found.group(2))), tzinfo=LONDON)
            happened_at = local.astimezone(dt.UTC)
            if happened_at > now + dt.timedelta(minutes=1):
                errors["when"] = f"{when.strip()} is later than now: type when the contact was made"
    if errors:
        raise FieldsInvalid(errors)
    return ContactStep(
        contact=contact,
        who=who.strip() if contacted else "",
        reference=reference.strip() if contacted else "",
        why_not=why_not.strip() if not contacted else "",
        happened_at=happened_at,
    )


def validate_safety_step(*, safety: str, note: str) -> tuple[str, str]:
    errors: dict[str, str] = {}
    if safety not in Safety.values():
        errors["safety"] = "Choose whether the person's immediate safety is confirmed"
    if safety == Safety.NOT_CONFIRMED and (
        reason := check_text(note, "What is known, and what is being done", limits.NOTE, True)
    ):
        errors["note"] = reason
    elif has_control_characters(note, allow_newlines=True) or len(note) > limits.NOTE:
        errors["note"] = f"Note: no control characters, at most {limits.NOTE} characters"
    if errors:
        raise FieldsInvalid(errors)
    return safety, note.strip()
