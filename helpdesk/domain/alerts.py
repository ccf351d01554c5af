"""Alerts that leave the console: what they say (the call's number, the kind, the time: never a
name, a number or free text), whom they go to as time passes unacknowledged (the first on call,
then the next on the rota, then every supervisor) and how a failed send is tried again."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from helpdesk.domain.types import Labelled

LONDON = ZoneInfo("Europe/London")
LEVELS = 3  # 0: the first on call; 1: the next on the rota; 2: every supervisor
FIRST_RETRY = dt.timedelta(seconds=15)
LONGEST_RETRY = dt.timedelta(minutes=5)


class AlertKind(Labelled):
    RISK = "risk"  # a call marked at immediate risk
    CLAIM_TARGET = "claim_target"  # a waiting call past its time-to-claim target
    FOLLOW_UP = "follow_up"  # a follow-up long overdue
    COUNTERSIGNATURE = "countersignature"  # an exceptional pause long awaiting countersignature

    @property
    def label(self) -> str:
        return {
            "risk": "IMMEDIATE RISK to someone's life or safety",
            "claim_target": "not claimed within its time-to-claim target",
            "follow_up": "a follow-up is long overdue",
            "countersignature": "an exceptional pause awaits a supervisor's countersignature",
        }[self.value]


def alert_key(kind: AlertKind, subject_id: int) -> str:
    """One alert per thing alerted to (a risk marker, an escalation): its unique key."""
    return f"{kind.value}:{subject_id}"


def message(kind: str, concern_id: int, raised_at: dt.datetime) -> tuple[str, str]:
    """The e-mail's subject and body: the call's number, the kind of alert and the time, and
    nothing else (no name, number or free text leaves the helpline's record)."""
    what = AlertKind(kind).label
    at = raised_at.astimezone(LONDON).strftime("%a %-d %b %H:%M")
    subject = f"helpdesk alert: call {concern_id}: {what}"
    body = (
        f"Call {concern_id}: {what}.\n"
        f"Raised {at} (London time).\n\n"
        "Open the helpdesk console for the rest. Acknowledging it there stops this alert;\n"
        "until then it goes to the next supervisor on the rota, then to every supervisor.\n"
    )
    return subject, body


def level_at(raised_at: dt.datetime, now: dt.datetime, acknowledge_minutes: int) -> int:
    """How far an unacknowledged alert has gone: 0 at first, one level more for each
    `acknowledge_minutes` that passed, at most every supervisor."""
    passed = max((now - raised_at) // dt.timedelta(minutes=acknowledge_minutes), 0)
    return min(int(passed), LEVELS - 1)


def recipients(level: int, on_call: list[str], supervisors: list[str]) -> list[str]:
    """Whom an alert goes to at `level` (those of the levels before keep theirs). With nobody on
    call, or nobody next, it goes to every supervisor at once: an alert never waits for a rota."""
    if level == 0 and on_call:
        return on_call[:1]
    if level == 1 and len(on_call) > 1:
        return on_call[1:2]
    return supervisors


def retry_after(attempts: int) -> dt.timedelta:
    """How long after its `attempts`-th failure a message is tried again: doubling from 15 s, at
    most 5 minutes, for as long as it takes (an alert is never given up)."""
    doubled: dt.timedelta = FIRST_RETRY * (2 ** min(max(attempts - 1, 0), 16))
    return min(doubled, LONGEST_RETRY)
