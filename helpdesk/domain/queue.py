"""How the queue is ordered and how a waiting concern stands against its target."""

from __future__ import annotations

import datetime as dt

from helpdesk.domain.policy import Policy
from helpdesk.domain.types import Urgency


def priority(urgent: bool) -> int:
    """Sort key stored with each concern: urgent (0) before the rest (1)."""
    return 0 if urgent else 1


def waited(received_at: dt.datetime, now: dt.datetime) -> dt.timedelta:
    return max(now - received_at, dt.timedelta(0))


def urgency(received_at: dt.datetime, now: dt.datetime, urgent: bool, policy: Policy) -> Urgency:
    """Within target, nearing it, or overdue, for a concern still waiting."""
    target = dt.timedelta(minutes=policy.claim_target_min(urgent))
    age = waited(received_at, now)
    if age >= target:
        return Urgency.OVERDUE
    if age >= target * policy.nearing_fraction:
        return Urgency.NEARING
    return Urgency.WITHIN


def waiting_label(age: dt.timedelta) -> str:
    """'<1 min', '29 min', '2 h 05', '3 d 4 h'. Minutes are the finest step, so that a long
    queue repaints only when a minute turns."""
    seconds = int(age.total_seconds())
    if seconds < 60:
        return "<1 min"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d}"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"
