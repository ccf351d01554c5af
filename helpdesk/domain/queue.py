"""How the queue is ordered and how a waiting concern stands against its target."""

from __future__ import annotations

import datetime as dt

from helpdesk.domain.policy import Policy
from helpdesk.domain.types import Urgency


def priority(urgent: bool) -> int:
    """Sort key stored with each concern: urgent (0) before the rest (1); a call at immediate
    risk is kept before both while its marker stands (domain.risk.RISK_PRIORITY)."""
    return 0 if urgent else 1


def waited(received_at: dt.datetime, now: dt.datetime) -> dt.timedelta:
    return max(now - received_at, dt.timedelta(0))


def _bands(urgent: bool, policy: Policy) -> tuple[dt.timedelta, dt.timedelta]:
    """Ages at which a waiting concern is nearing its target, and overdue."""
    target = dt.timedelta(minutes=policy.claim_target_min(urgent))
    return target * policy.nearing_fraction, target


def urgency(received_at: dt.datetime, now: dt.datetime, urgent: bool, policy: Policy) -> Urgency:
    """Within target, nearing it, or overdue, for a concern still waiting."""
    nearing, overdue = _bands(urgent, policy)
    age = waited(received_at, now)
    if age >= overdue:
        return Urgency.OVERDUE
    if age >= nearing:
        return Urgency.NEARING
    return Urgency.WITHIN


def next_urgency_change(received_at: dt.datetime, now: dt.datetime, urgent: bool, policy: Policy) -> dt.datetime | None:
    """When a waiting concern next moves band (within → nearing → overdue); None once overdue."""
    for age in _bands(urgent, policy):
        if waited(received_at, now) < age:
            return received_at + age
    return None


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


def together(order: list[int], groups: dict[int, set[int]]) -> list[int]:
    """The queue's order with calls linked to one another kept together: each group where its
    first member stands, its members in their own order after it."""
    position = {call: i for i, call in enumerate(order)}
    placed: set[int] = set()
    arranged: list[int] = []
    for call in order:
        if call in placed:
            continue
        members = sorted((m for m in groups.get(call, {call}) if m in position), key=position.__getitem__)
        arranged += members
        placed |= set(members)
    return arranged


# Words of the queue's `/` filter that name a state of the call rather than text on its row.
FILTER_STATES = frozenset({"overdue", "mine", "urgent", "waiting", "claimed", "risk"})


def filter_matches(typed: str, text: str, states: frozenset[str]) -> bool:
    """Whether a row passes the queue's filter: every word typed is one of the row's states
    (overdue, mine, urgent, waiting, claimed, risk) or is found in its text (school, URN, category,
    caller, holder), in any case. Nothing typed: every row."""
    haystack = text.casefold()
    for word in typed.casefold().split():
        if word in FILTER_STATES:
            if word not in states:
                return False
        elif word not in haystack:
            return False
    return True
