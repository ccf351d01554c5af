"""Working days in England: weekdays that are not bank holidays (substitute days included)."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[dt.date]:
    import holidays  # imported on first use: it is not needed to show the queue

    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_working_day(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in _bank_holidays(day.year)


def resume_date(start: dt.date, working_days: int) -> dt.date:
    """The N-th working day after `start` (N=1: the next working day)."""
    if working_days < 1:
        raise ValueError("a pause lasts at least one working day")
    day = start
    while working_days:
        day += dt.timedelta(days=1)
        working_days -= is_working_day(day)
    return day
