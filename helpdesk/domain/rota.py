"""The on-call rota: supervisors' periods of cover, who is on call at a moment (first on the
rota first, then the next), and the gaps in cover ahead, flagged a day before they open."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from helpdesk.domain.permissions import Permission, may
from helpdesk.domain.refusals import FieldsInvalid

LONDON = ZoneInfo("Europe/London")
LONGEST_PERIOD = dt.timedelta(days=14)  # one period of cover at most (a fortnight)
FLAGGED_AHEAD = dt.timedelta(hours=24)  # a gap in cover shows in the header this long before it opens


@dataclass(frozen=True)
class Period:
    """One supervisor on call from `starts_at` to `ends_at` (UTC, the end not included)."""

    login: str
    starts_at: dt.datetime
    ends_at: dt.datetime


class RotaTimeInvalid(ValueError):
    """Not a London time as the rota writes them; str() says what is expected."""


def london_time(text: str, label: str) -> dt.datetime:
    """'YYYY-MM-DD HH:MM' in London time, as UTC."""
    typed = re.sub(r"\s+", " ", text.strip()).replace("T", " ")
    try:
        local = dt.datetime.strptime(typed, "%Y-%m-%d %H:%M")
    except ValueError:
        shown = text.strip()[:20]
        raise RotaTimeInvalid(
            f"{label} {shown!r} is not a time: write YYYY-MM-DD HH:MM (London)"
            if shown
            else f"{label} is required: write YYYY-MM-DD HH:MM (London)"
        ) from None
    return local.replace(tzinfo=LONDON).astimezone(dt.UTC)


def period_problems(
    login: str, role: str | None, active: bool, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime
) -> dict[str, str]:
    """Why a period of cover cannot go on the rota, by field (none: it can)."""
    problems: dict[str, str] = {}
    if role is None:
        problems["login"] = f"No staff account {login!r}"
    elif not may(role, Permission.ACKNOWLEDGE_RISK):
        problems["login"] = f"{login} is a {role}: only supervisors go on call"
    elif not active:
        problems["login"] = f"{login}'s account is inactive"
    if ends_at <= starts_at:
        problems["ends"] = "The end is not after the start"
    elif ends_at - starts_at > LONGEST_PERIOD:
        problems["ends"] = f"A period is at most {LONGEST_PERIOD.days} days: split it"
    elif ends_at <= now:
        problems["ends"] = "The period is over: the rota keeps what was, and is changed only ahead"
    return problems


def check_period(
    login: str, role: str | None, active: bool, starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime
) -> None:
    if problems := period_problems(login, role, active, starts_at, ends_at, now):
        raise FieldsInvalid(problems)


def on_call_at(periods: Iterable[Period], moment: dt.datetime) -> list[str]:
    """Who is on call at `moment`: the first on the rota first (the earliest start), then the
    next; each login once."""
    covering = sorted((p for p in periods if p.starts_at <= moment < p.ends_at), key=lambda p: (p.starts_at, p.login))
    return list(dict.fromkeys(p.login for p in covering))


def cover_gaps(
    periods: Iterable[Period], start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The stretches from `start` to `end` that no period covers, in order."""
    gaps: list[tuple[dt.datetime, dt.datetime]] = []
    covered_to = start
    for period in sorted(periods, key=lambda p: p.starts_at):
        if period.ends_at <= covered_to or period.starts_at >= end:
            continue
        if period.starts_at > covered_to:
            gaps.append((covered_to, period.starts_at))
        covered_to = max(covered_to, period.ends_at)
        if covered_to >= end:
            break
    if covered_to < end:
        gaps.append((covered_to, end))
    return gaps


def gap_flag(periods: Iterable[Period], now: dt.datetime) -> str | None:
    """What the header says of the next gap in cover within a day, if there is one."""
    gaps = cover_gaps(periods, now, now + FLAGGED_AHEAD)
    if not gaps:
        return None
    start = gaps[0][0]
    if start <= now:
        return "NO ON-CALL COVER NOW"
    local = start.astimezone(LONDON)
    day = "" if local.date() == now.astimezone(LONDON).date() else local.strftime("%a ")
    return f"NO ON-CALL COVER from {day}{local:%H:%M}"
