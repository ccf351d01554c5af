"""Follow-ups: the work a call leaves behind. A task with an owner (one senior, or any senior) and a
time it falls due; a resumption check made by every authorised pause; a call back to the caller.
Completing one records who, when, the outcome and a note."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from helpdesk.domain import limits
from helpdesk.domain.intake import check_text
from helpdesk.domain.permissions import Permission, may, permission_refusal
from helpdesk.domain.policy import Policy
from helpdesk.domain.refusals import FieldsInvalid
from helpdesk.domain.types import ContactOutcome, Labelled
from helpdesk.domain.working_days import is_working_day, resume_date

CALLBACK_PHONE_EXTENSION_IN = "the reason"  # where a call back has room for an extension

LONDON = ZoneInfo("Europe/London")

RESUMPTION_CHECK = "Check with the responsible body that support is in place before the inspection resumes"
REVIEW_FOLLOW_UP = "Act on the supervisor's review of this call"


class FollowUpKind(Labelled):
    TASK = "task"
    RESUMPTION_CHECK = "resumption_check"
    CALLBACK = "callback"

    @property
    def label(self) -> str:
        return {"task": "Follow-up", "resumption_check": "Resumption check", "callback": "Call back"}[self.value]


class TaskOutcome(Labelled):
    DONE = "done"


class ResumptionOutcome(Labelled):
    """What the responsible body said before the inspection resumes."""

    SUPPORT_IN_PLACE = "support_in_place"
    SUPPORT_NOT_IN_PLACE = "support_not_in_place"
    NOT_REACHED = "not_reached"

    @property
    def label(self) -> str:
        return {
            "support_in_place": "Support in place",
            "support_not_in_place": "Support NOT in place",
            "not_reached": "Could not reach the responsible body",
        }[self.value]


# a resumption check whose pause a later decision replaced is closed with this outcome, by no one's hand
SUPERSEDED = "superseded"


def outcomes(kind: str) -> list[Labelled]:
    """The outcomes a follow-up of this kind is completed with."""
    if kind == FollowUpKind.RESUMPTION_CHECK:
        return list(ResumptionOutcome)
    if kind == FollowUpKind.CALLBACK:
        return list(ContactOutcome)
    return list(TaskOutcome)


class FollowUpState(Labelled):
    """Where an open follow-up stands against its due time."""

    LATER = "later"  # due after today
    DUE_TODAY = "due_today"  # due later today
    OVERDUE = "overdue"  # its time has passed


def state(due_at: dt.datetime, now: dt.datetime) -> FollowUpState:
    if due_at <= now:
        return FollowUpState.OVERDUE
    if due_at.astimezone(LONDON).date() == now.astimezone(LONDON).date():
        return FollowUpState.DUE_TODAY
    return FollowUpState.LATER


def end_of_day(now: dt.datetime) -> dt.datetime:
    """The last moment of today in London: follow-ups due before it are shown in the queue."""
    day = now.astimezone(LONDON).date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(0), LONDON).astimezone(dt.UTC)


def working_day_start(day: dt.date, policy: Policy) -> dt.datetime:
    """The start of a working day in London (the policy's hour), as UTC."""
    return dt.datetime.combine(day, policy.working_day_starts, LONDON).astimezone(dt.UTC)


def last_working_day_before(day: dt.date) -> dt.date:
    earlier = day - dt.timedelta(days=1)
    while not is_working_day(earlier):
        earlier -= dt.timedelta(days=1)
    return earlier


def resumption_check_due(resumes_on: dt.date, decided_at: dt.datetime, policy: Policy) -> dt.datetime:
    """The start of the working day the policy names before the resume date (by default the last
    one), or the moment of the decision when that start has already passed (a pause decided in
    the afternoon that resumes the next working day is checked at once)."""
    day = resumes_on
    for _ in range(policy.resumption_check_working_days_before):
        day = last_working_day_before(day)
    return max(working_day_start(day, policy), decided_at)


def next_working_day_start(now: dt.datetime, policy: Policy) -> dt.datetime:
    """The start of the next working day: when a follow-up falls due unless staff say otherwise."""
    return working_day_start(resume_date(now.astimezone(LONDON).date(), 1), policy)


def review_follow_up_due(now: dt.datetime, policy: Policy) -> dt.datetime:
    """A review that needs follow-up gives the senior the policy's number of working days."""
    day = resume_date(now.astimezone(LONDON).date(), policy.review_follow_up_working_days)
    return working_day_start(day, policy)


def parse_due(text: str, now: dt.datetime, policy: Policy) -> dt.datetime:
    """A due time typed in London time: 'YYYY-MM-DD HH:MM', a date alone (the start of that
    working day), or 'HH:MM' (today). It must lie ahead."""
    typed = re.sub(r"\s+", " ", text.strip())
    if not typed:
        raise FieldsInvalid({"due": "Due is required: write YYYY-MM-DD HH:MM"})
    today = now.astimezone(LONDON).date()
    due: dt.datetime | None = None
    try:
        if re.fullmatch(r"\d{1,2}:\d{2}", typed):
            due = dt.datetime.combine(today, dt.datetime.strptime(typed, "%H:%M").time(), LONDON)
        elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", typed):
            due = working_day_start(dt.datetime.strptime(typed, "%Y-%m-%d").date(), policy)
        else:
            due = dt.datetime.strptime(typed, "%Y-%m-%d %H:%M").replace(tzinfo=LONDON)
    except ValueError:
        raise FieldsInvalid({"due": f"Due: {text.strip()!r} is not a time: write YYYY-MM-DD HH:MM"}) from None
    due = due.astimezone(dt.UTC)
    if due <= now:
        raise FieldsInvalid({"due": f"Due: {text.strip()} has passed: give a time ahead"})
    return due


@dataclass(frozen=True)
class FollowUpEntry:
    what: str
    owner: str | None  # a login; None: any senior
    due_at: dt.datetime


def follow_up_entry(what: str, owner: str | None, due: str, now: dt.datetime, policy: Policy) -> FollowUpEntry:
    """A new follow-up as typed, checked: every wrong field named at once."""
    errors: dict[str, str] = {}
    if reason := check_text(what, "What", limits.FOLLOW_UP, multiline=False):
        errors["what"] = reason
    due_at = None
    try:
        due_at = parse_due(due, now, policy)
    except FieldsInvalid as invalid:
        errors.update(invalid.errors)
    if errors or due_at is None:
        raise FieldsInvalid(errors)
    return FollowUpEntry(what.strip(), owner or None, due_at)


def owner_refusal(role: str | None, active: bool, name: str) -> str | None:
    """Whether a member of staff can own a follow-up: someone who takes calls."""
    if role is None or not active:
        return f"No active staff account for {name!r}"
    if not may(role, Permission.FOLLOW_UP):
        return f"{name} does not take calls: choose a senior or 'any senior'"
    return None


def may_act_on(role: str, login: str, owner: str | None) -> bool:
    """Its owner, any senior for one owned by 'any senior', and a supervisor for any."""
    if not may(role, Permission.FOLLOW_UP):
        return False
    return owner is None or owner == login or may(role, Permission.HANDLE_ANY_CALL)


def completion_refusal(
    role: str, login: str, owner: str | None, owner_name: str | None, done: bool, done_by: str | None = None
) -> str | None:
    """Why this person may not complete the follow-up."""
    if refusal := permission_refusal(role, Permission.FOLLOW_UP):
        return refusal
    if done:
        return f"This follow-up is already done{f' (by {done_by})' if done_by else ''}"
    if not may_act_on(role, login, owner):
        return f"Only {owner_name or owner} (who owns this follow-up) or a supervisor can complete it"
    return None


def completion_errors(kind: str, outcome: str, note: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if outcome not in [o.value for o in outcomes(kind)]:
        errors["outcome"] = "Choose the outcome"
    if note.strip():
        if reason := check_text(note, "Note", limits.NOTE, multiline=True):
            errors["note"] = reason
    elif kind == FollowUpKind.TASK:
        errors["note"] = "Note is required: say what was done"
    elif outcome == ResumptionOutcome.SUPPORT_NOT_IN_PLACE:
        errors["note"] = "Note is required: say what support is missing"
    return errors
