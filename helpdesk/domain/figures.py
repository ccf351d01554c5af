"""The figures of one London day, and how days add up to a period's figures.

A day's figures are kept once the day is settled: it ended more than an hour ago and none of
the calls received that day is open. A closed call's figure fields (category, urgency, holder,
decision in force, inspection, waits) never change, so a settled day's figures are final; the
holder's region and the pause's remit are looked up when a period's figures are read, so a new
staff list changes them as it always did.

Waits are kept whole (microseconds, sorted), so a period's medians and 90th percentiles are
exact: the same ranks are taken from the days' sorted waits as from one sorted list."""

from __future__ import annotations

import array
import bisect
import datetime as dt
import itertools
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

SETTLING = dt.timedelta(hours=1)  # a day's last calls are committed well within this

# (category, decision in force or None, urgent, holder or None)
Group = tuple[str, str | None, bool, str | None]


def sorted_waits(values: Iterable[int] = ()) -> array.array[int]:
    return array.array("q", sorted(values))


@dataclass
class DayFigures:
    """What the figures need of the calls received on one London day."""

    day: dt.date
    groups: Counter[Group] = field(default_factory=Counter)
    remits: Counter[str] = field(default_factory=Counter)  # calls linked to an inspection, by its remit
    claim_waits: array.array[int] = field(default_factory=sorted_waits)
    decision_waits: array.array[int] = field(default_factory=sorted_waits)
    urgent_claim_waits: array.array[int] = field(default_factory=sorted_waits)

    @property
    def calls(self) -> int:
        return sum(self.groups.values())


def is_settled(day: dt.date, next_midnight: dt.datetime, now: dt.datetime, open_days: set[dt.date]) -> bool:
    """`next_midnight`: the end of `day` (the start of the next London day), in UTC like `now`."""
    return now >= next_midnight + SETTLING and day not in open_days


def waits_to_bytes(waits: array.array[int]) -> bytes:
    if sys.byteorder == "big":
        waits = array.array("q", waits)
        waits.byteswap()
    return waits.tobytes()


def waits_from_bytes(data: bytes) -> array.array[int]:
    waits = array.array("q")
    waits.frombytes(data)
    if sys.byteorder == "big":
        waits.byteswap()
    return waits


STEP = 64  # one wait in so many is sampled to bracket a rank


class Waits:
    """The sorted waits of many days taken as one sorted list, without merging them."""

    def __init__(self, runs: Iterable[Sequence[int]]) -> None:
        self.runs = [run for run in runs if len(run)]
        self.count = sum(len(run) for run in self.runs)

    def at_most(self, value: float) -> int:
        """How many waits are no longer than `value`."""
        return sum(bisect.bisect_right(run, value) for run in self.runs)

    def ranks(self, *ks: int) -> list[int]:
        """The k-th shortest waits (from 0), exactly: a sample of every 64th wait brackets
        each, the bracket is checked by counting, and only the waits inside it are sorted."""
        if any(not 0 <= k < self.count for k in ks):
            raise IndexError(ks)
        if len(self.runs) == 1:
            return [self.runs[0][k] for k in ks]
        sample = sorted(itertools.chain.from_iterable(run[STEP - 1 :: STEP] for run in self.runs))
        found: dict[tuple[int | None, int | None], tuple[int, list[int]]] = {}
        values = []
        for k in ks:
            # below the bracket: at most k waits; at its top: at least k+1
            low_at, high_at = k // STEP - len(self.runs) - 1, (k + 1) // STEP + 1
            low = sample[low_at] if 0 <= low_at < len(sample) else None
            high = sample[high_at] if high_at < len(sample) else None
            if (low, high) not in found:
                below = self.at_most(low) if low is not None else 0
                if below > k or (high is not None and self.at_most(high) < k + 1):
                    raise AssertionError("the sample did not bracket the rank")  # cannot happen: see the bounds
                inside: list[int] = []
                for run in self.runs:
                    start = bisect.bisect_right(run, low) if low is not None else 0
                    stop = bisect.bisect_right(run, high) if high is not None else len(run)
                    inside.extend(run[start:stop])
                inside.sort()
                found[low, high] = below, inside
            below, inside = found[low, high]
            values.append(inside[k - below])
        return values
