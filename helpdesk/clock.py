"""The injected clock: stored times are aware UTC, shown times are Europe/London."""

from __future__ import annotations

import datetime as dt

import arrow

LONDON = "Europe/London"


class Clock:
    """The real clock."""

    def now(self) -> dt.datetime:
        return arrow.utcnow().datetime


class FrozenClock(Clock):
    """A clock that shows one instant until told to move (tests, snapshots, benchmarks)."""

    def __init__(self, at: str | dt.datetime) -> None:
        self._now = arrow.get(at).to("UTC").datetime

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now = self._now + dt.timedelta(**delta)


def as_utc(moment: dt.datetime) -> dt.datetime:
    """An aware UTC datetime; SQLite hands back naive values that are UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


def microseconds_between(earlier: dt.datetime, later: dt.datetime) -> int:
    """Whole microseconds from `earlier` to `later` (both as stored: to the microsecond)."""
    return (as_utc(later) - as_utc(earlier)) // dt.timedelta(microseconds=1)


def london(moment: dt.datetime) -> arrow.Arrow:
    return arrow.get(as_utc(moment)).to(LONDON)


def london_time(moment: dt.datetime) -> str:
    """'10:42' for today-ish displays."""
    return london(moment).format("HH:mm")


def london_stamp(moment: dt.datetime) -> str:
    """'Fri 26 Jan 2024 10:42' for records."""
    return london(moment).format("ddd D MMM YYYY HH:mm")
