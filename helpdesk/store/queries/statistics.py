"""The service's figures for a period, added up from settled days kept once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import statistics
from collections import Counter
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col

from helpdesk.clock import as_utc, london
from helpdesk.domain.figures import (
    DayFigures,
    Waits,
    is_settled,
    sorted_waits,
    waits_from_bytes,
    waits_to_bytes,
)
from helpdesk.domain.pause import Decision
from helpdesk.domain.permissions import Permission
from helpdesk.domain.policy import Policy
from helpdesk.store.acting import acting_member
from helpdesk.store.db.models import OPEN_CONCERN, Concern, Inspection, Risk, SettledDay, SettledUpTo, Staff
from helpdesk.store.db.transaction import writing
from helpdesk.store.queries.policy import in_force
from helpdesk.store.queries.review import london_midnight
from helpdesk.store.rows import Figures


def _median(waits: Waits) -> float | None:
    """In minutes, of waits in microseconds: as `statistics.median` of the waits in minutes
    gives it (minutes keep the order of microseconds)."""
    if not waits.count:
        return None
    middle = waits.count // 2
    if waits.count % 2:
        return _minutes(waits.ranks(middle)[0])
    shorter, longer = waits.ranks(middle - 1, middle)
    return (_minutes(shorter) + _minutes(longer)) / 2


def _p90(waits: Waits) -> float | None:
    """In minutes, the 90th percentile (nearest rank) of waits in microseconds."""
    if not waits.count:
        return None
    return _minutes(waits.ranks(min(waits.count - 1, int(round(0.9 * (waits.count - 1)))))[0])


def _within_minutes(waits: Waits, target: float) -> int:
    """How many waits (microseconds) come to no more than `target` minutes, as `_minutes`
    reckons them: the longest such wait is found exactly, then the waits up to it counted."""
    longest = int(target * 60 * 10**6)
    while _minutes(longest + 1) <= target:
        longest += 1
    while longest >= 0 and _minutes(longest) > target:
        longest -= 1
    return waits.at_most(longest)


def figures(engine: Engine, login: str, start: dt.date, end: dt.date, policy: Policy, now: dt.datetime) -> Figures:
    """Calls received from `start` to `end` (inclusive, London days): the settled days' kept
    figures, and the other days read from the one index that holds every column needed
    (ix_concern_figures); days found settled are kept for the next read."""
    days = [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]
    with engine.connect() as connection:
        acting_member(connection, login, Permission.SEE_FIGURES)
        policy = in_force(connection, policy).policy
        regions = dict(connection.execute(select(col(Staff.login), col(Staff.region))).all())
        newest = connection.scalar(select(func.max(col(Concern.id)))) or 0  # before the calls are read
        latest = connection.scalar(select(func.max(col(SettledDay.day))))
        unsettled = _entered_late(connection, _checked_up_to(connection), latest)
        stale = (
            set(connection.scalars(select(col(SettledDay.day)).where(col(SettledDay.day).in_(unsettled))))
            if unsettled
            else set()
        )
        kept = {day: found for day, found in settled_days(connection, start, end).items() if day not in unsettled}
        read = read_days(connection, [day for day in days if day not in kept])
        open_days = _days_of(connection, text(OPEN_CONCERN))
        risk = risk_figures(connection, start, end)
    settling = [
        found
        for day, found in read.items()
        if is_settled(day, london_midnight(day + dt.timedelta(days=1)), now, open_days)
    ]
    if settling or stale:
        keep_settled_days(engine, settling, stale, newest, now)
    return dataclasses.replace(
        add_up(start, end, [kept.get(day) or read[day] for day in days], regions, policy), **risk
    )


def risk_figures(connection: Connection, start: dt.date, end: dt.date) -> dict[str, Any]:
    """The immediate-risk markers set from `start` to `end` (London days, inclusive): how many,
    how many no supervisor has acknowledged, and the minutes each acknowledged one waited (few
    enough to read whole, from the table's own index on marked_at)."""
    markers = connection.execute(
        select(col(Risk.marked_at), col(Risk.acknowledged_at)).where(
            col(Risk.marked_at) >= london_midnight(start),
            col(Risk.marked_at) < london_midnight(end + dt.timedelta(days=1)),
        )
    ).all()
    waits = sorted(
        (as_utc(acknowledged) - as_utc(marked)).total_seconds() / 60 for marked, acknowledged in markers if acknowledged
    )
    return {
        "risk_calls": len(markers),
        "risk_unacknowledged": sum(acknowledged is None for _, acknowledged in markers),
        "risk_acknowledged_median_min": statistics.median(waits) if waits else None,
        "risk_acknowledged_longest_min": waits[-1] if waits else None,
    }


def add_up(start: dt.date, end: dt.date, days: list[DayFigures], regions: dict[str, str], policy: Policy) -> Figures:
    """A period's figures from its days' (every day of the period, in order)."""
    by_category: Counter[str] = Counter()
    by_region: Counter[str] = Counter()
    by_remit: Counter[str] = Counter()
    decided: Counter[str] = Counter()
    weeks: Counter[dt.date] = Counter()
    urgent = 0
    for day in days:
        weeks[day.day - dt.timedelta(days=day.day.weekday())] += day.calls
        by_remit.update(day.remits)
        for (category, decision, is_urgent, holder), n in day.groups.items():
            by_category[category] += n
            by_region[regions.get(holder or "") or "unclaimed"] += n  # (a holder with no region too)
            if decision:
                decided[decision] += n
            urgent += n if is_urgent else 0
    if unlinked := sum(by_category.values()) - sum(by_remit.values()):
        by_remit["none"] += unlinked
    claims = Waits(day.claim_waits for day in days)
    decisions = Waits(day.decision_waits for day in days)
    urgent_claims = Waits(day.urgent_claim_waits for day in days)
    return Figures(
        start=start,
        end=end,
        calls=sum(by_category.values()),
        weeks=sorted(weeks.items()),
        authorised=decided[Decision.AUTHORISED],
        declined=decided[Decision.DECLINED],
        claim_median_min=_median(claims),
        claim_p90_min=_p90(claims),
        decision_median_min=_median(decisions),
        decision_p90_min=_p90(decisions),
        urgent_calls=urgent,
        urgent_claimed_in_target=_within_minutes(urgent_claims, policy.claim_target_urgent_min),
        by_remit=_most_first(by_remit),
        by_region=_most_first(by_region),
        by_category=_most_first(by_category),
    )


def read_days(connection: Connection, days: list[dt.date]) -> dict[dt.date, DayFigures]:
    """The figures of these days read from their calls, one read of each run of days in a row."""
    found = {day: DayFigures(day) for day in days}
    claims: dict[dt.date, list[int]] = {day: [] for day in days}
    decisions: dict[dt.date, list[int]] = {day: [] for day in days}
    urgent_claims: dict[dt.date, list[int]] = {day: [] for day in days}
    for first, last in _runs(days):
        bounds = [london_midnight(first + dt.timedelta(days=n)) for n in range((last - first).days + 2)]
        rows = connection.execute(
            select(
                col(Concern.received_at),
                col(Concern.category),
                col(Concern.decision_in_force),
                col(Concern.urgent),
                col(Concern.claimed_by),
                col(Inspection.remit),
                col(Concern.claim_wait_us),
                col(Concern.decision_wait_us),
            )
            .outerjoin(Inspection, col(Inspection.id) == col(Concern.inspection_id))
            .where(col(Concern.received_at) >= bounds[0], col(Concern.received_at) < bounds[-1])
            .order_by(col(Concern.received_at))
        )
        n, day = 0, first
        for received, category, decision, is_urgent, holder, remit, claim_wait, decision_wait in rows:
            while as_utc(received) >= bounds[n + 1]:
                n += 1
                day = first + dt.timedelta(days=n)
            figures = found[day]
            figures.groups[category, decision, bool(is_urgent), holder] += 1
            if remit is not None:
                figures.remits[remit] += 1
            if claim_wait is not None:
                claims[day].append(claim_wait)
                if is_urgent:
                    urgent_claims[day].append(claim_wait)
            if decision_wait is not None:
                decisions[day].append(decision_wait)
    for day, figures in found.items():
        figures.claim_waits = sorted_waits(claims[day])
        figures.decision_waits = sorted_waits(decisions[day])
        figures.urgent_claim_waits = sorted_waits(urgent_claims[day])
    return found


def _runs(days: list[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Consecutive days as (first, last) pairs."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in days:
        if runs and runs[-1][1] + dt.timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _days_of(connection: Connection, which: Any) -> set[dt.date]:
    """The London days on which the calls `which` picks were received."""
    return {london(moment).date() for moment in connection.scalars(select(col(Concern.received_at)).where(which))}


def _entered_late(connection: Connection, after: int, latest: dt.date | None) -> set[dt.date]:
    """The days, up to `latest` (the latest day kept or about to be), of calls entered after
    call `after`. Calls are received as they are entered, so this finds only backdated entries;
    it walks the calls entered since the last check by id (a bound on the receipt time too
    would tempt the planner onto the received_at index, and a walk of every call)."""
    if latest is None:
        return set()
    end = london_midnight(latest + dt.timedelta(days=1))
    received = connection.scalars(select(col(Concern.received_at)).where(col(Concern.id) > after))
    return {london(moment).date() for moment in received if as_utc(moment) < end}


def _checked_up_to(connection: Connection) -> int:
    return connection.scalar(select(col(SettledUpTo.concern_id))) or 0


def settled_days(connection: Connection, start: dt.date, end: dt.date) -> dict[dt.date, DayFigures]:
    rows = connection.execute(select(SettledDay).where(col(SettledDay.day) >= start, col(SettledDay.day) <= end)).all()
    return {
        row.day: DayFigures(
            day=row.day,
            groups=Counter({(c, d, bool(u), h): n for c, d, u, h, n in json.loads(row.groups)}),
            remits=Counter(json.loads(row.remits)),
            claim_waits=waits_from_bytes(row.claim_waits),
            decision_waits=waits_from_bytes(row.decision_waits),
            urgent_claim_waits=waits_from_bytes(row.urgent_claim_waits),
        )
        for row in rows
    }


def keep_settled_days(
    engine: Engine, settling: list[DayFigures], stale: set[dt.date], newest: int, now: dt.datetime
) -> None:
    """Keep the figures of days just found settled, read from the calls up to call `newest`
    at least, in one short write. Kept days on which a call was entered since they were kept
    (`stale`; only a backdated entry can fall on a settled day) are let go, as are days with a
    call newer than those read; the check then stands at `newest`. A database too busy to take
    the write leaves it all to the next read."""
    try:
        with writing(engine) as session:
            days = [found.day for found in settling]
            if kept_latest := session.scalar(select(func.max(col(SettledDay.day)))):
                days.append(kept_latest)
            latest = max(days, default=None)
            newer = _entered_late(session.connection(), newest, latest)
            if stale | newer:
                session.execute(delete(SettledDay).where(col(SettledDay.day).in_(stale | newer)))
            rows = [_as_row(found, now) for found in settling if found.day not in newer]
            if rows:
                dialect_insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
                session.execute(dialect_insert(SettledDay).values(rows).on_conflict_do_nothing(index_elements=["day"]))
            checked = session.get(SettledUpTo, 1)
            if checked is None:
                session.add(SettledUpTo(id=1, concern_id=newest))
            else:
                checked.concern_id = newest
    except OperationalError:
        return


def settled_days_in_doubt(engine: Engine) -> list[dt.date]:
    """The kept days whose figures are not what their calls give (a kept row, or a closed call,
    changed behind the console's back), let go so that reads take them from the calls again."""
    wrong: list[dt.date] = []
    with engine.connect() as connection:
        days = sorted(connection.scalars(select(col(SettledDay.day))))
        for at in range(0, len(days), 31):
            chunk = days[at : at + 31]
            kept = settled_days(connection, chunk[0], chunk[-1])
            fresh = read_days(connection, chunk)
            wrong += [day for day in chunk if kept[day] != fresh[day]]
    if wrong:
        with writing(engine) as session:
            session.execute(delete(SettledDay).where(col(SettledDay.day).in_(wrong)))
    return wrong


def forget_settled_days(session: Session) -> None:
    """After reference data the kept figures hold by value (an inspection's remit) changed."""
    session.execute(delete(SettledDay))


def _as_row(figures: DayFigures, now: dt.datetime) -> dict[str, Any]:
    return {
        "day": figures.day,
        "groups": json.dumps([[*group, n] for group, n in sorted(figures.groups.items(), key=str)]),
        "remits": json.dumps(dict(sorted(figures.remits.items()))),
        "claim_waits": waits_to_bytes(figures.claim_waits),
        "decision_waits": waits_to_bytes(figures.decision_waits),
        "urgent_claim_waits": waits_to_bytes(figures.urgent_claim_waits),
        "settled_at": now,
    }


def _minutes(micros: int) -> float:
    """As `(later - earlier).total_seconds() / 60` computes it, to the last bit."""
    return micros / 10**6 / 60


def _most_first(counts: Counter[str]) -> dict[str, int]:
    """Largest first; equal counts by name, so that the screen's order never depends on the database's."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
