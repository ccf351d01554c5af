"""The service's figures for a period: what the inspectorate publishes about the helpline.
Everything here comes from non-personal fields, so a retention purge leaves it unchanged."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, func, select
from sqlmodel import col

from helpdesk.domain.pause import Decision
from helpdesk.domain.permissions import Permission
from helpdesk.domain.policy import Policy
from helpdesk.domain.types import EventKind
from helpdesk.store.acting import acting_member
from helpdesk.store.models import Concern, Inspection, Staff
from helpdesk.store.review_queries import london_midnight

# The audit events after which the figures can differ: a call received, first claimed, handed
# to someone of another region or back to the queue, a pause decided, staff imported (regions).
FIGURE_EVENTS = frozenset(
    {
        EventKind.LOGGED,
        EventKind.CLAIMED,
        EventKind.RELEASED,
        EventKind.REASSIGNED,
        EventKind.DECISION,
        EventKind.IMPORTED,
    }
)


@dataclass(frozen=True)
class Figures:
    start: dt.date
    end: dt.date
    calls: int
    weeks: list[tuple[dt.date, int]]  # Monday of each week, calls received
    authorised: int
    declined: int
    claim_median_min: float | None
    claim_p90_min: float | None
    decision_median_min: float | None
    decision_p90_min: float | None
    urgent_calls: int
    urgent_claimed_in_target: int
    by_remit: dict[str, int]
    by_region: dict[str, int]
    by_category: dict[str, int]

    @property
    def urgent_share_in_target(self) -> float | None:
        return self.urgent_claimed_in_target / self.urgent_calls if self.urgent_calls else None


def _median(ordered: list[int]) -> float | None:
    """In minutes, of waits in microseconds sorted shortest first: as `statistics.median` of
    the waits in minutes gives it (minutes keep the order of microseconds)."""
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return _minutes(ordered[middle])
    return (_minutes(ordered[middle - 1]) + _minutes(ordered[middle])) / 2


def _p90(ordered: list[int]) -> float | None:
    """In minutes, the 90th percentile of waits in microseconds sorted shortest first."""
    if not ordered:
        return None
    return _minutes(ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))])


def figures(engine: Engine, login: str, start: dt.date, end: dt.date, policy: Policy) -> Figures:
    """Calls received from `start` to `end` (inclusive, London days), read from one index that
    holds every column needed, in received order (ix_concern_figures): one grouped count
    (category, the decision in force, urgency, the holder, whose region comes from the staff
    list), the linked calls by remit, the weeks, and the waits to the first claim and the
    first decision, kept on the call in whole microseconds when they happened (sorted as
    integers; only the medians and 90th percentiles become minutes)."""
    low, high = london_midnight(start), london_midnight(end + dt.timedelta(days=1))
    window = and_(col(Concern.received_at) >= low, col(Concern.received_at) < high)

    with engine.connect() as connection:
        acting_member(connection, login, Permission.SEE_FIGURES)
        grouped = [col(Concern.category), col(Concern.decision_in_force), col(Concern.urgent), col(Concern.claimed_by)]
        counts: Sequence[Any] = connection.execute(
            select(*grouped, func.count()).where(window).group_by(*grouped)
        ).all()
        regions = dict(connection.execute(select(col(Staff.login), col(Staff.region))).all())
        remits: Sequence[Any] = connection.execute(
            select(col(Inspection.remit), func.count())
            .select_from(Concern)
            .join(Inspection, col(Inspection.id) == col(Concern.inspection_id))
            .where(window)
            .group_by(col(Inspection.remit))
        ).all()
        weeks: list[tuple[dt.date, int]] = []
        monday = start - dt.timedelta(days=start.weekday())
        while monday <= end:
            week = and_(
                col(Concern.received_at) >= max(low, london_midnight(monday)),
                col(Concern.received_at) < min(high, london_midnight(monday + dt.timedelta(days=7))),
            )
            weeks.append((monday, connection.scalar(select(func.count()).select_from(Concern).where(week)) or 0))
            monday += dt.timedelta(days=7)

        def waits(column: Any, *only: Any) -> list[int]:
            """The waits of the period's calls that have one, shortest first."""
            return sorted(connection.scalars(select(column).where(window, column.is_not(None), *only)).all())

        claims = waits(col(Concern.claim_wait_us))
        decisions = waits(col(Concern.decision_wait_us))
        urgent_claims = waits(col(Concern.claim_wait_us), col(Concern.urgent))

    by_category: Counter[str] = Counter()
    by_region: Counter[str] = Counter()
    decided: Counter[str] = Counter()
    urgent = 0
    for category, decision, is_urgent, holder, n in counts:
        by_category[category] += n
        by_region[regions.get(holder) or "unclaimed"] += n  # (a holder with no region too)
        if decision:
            decided[decision] += n
        urgent += n if is_urgent else 0
    by_remit = Counter({remit: n for remit, n in remits})
    if unlinked := sum(by_category.values()) - sum(by_remit.values()):
        by_remit["none"] += unlinked
    urgent_in_target = sum(1 for micros in urgent_claims if _minutes(micros) <= policy.claim_target_urgent_min)
    return Figures(
        start=start,
        end=end,
        calls=sum(by_category.values()),
        weeks=weeks,
        authorised=decided[Decision.AUTHORISED],
        declined=decided[Decision.DECLINED],
        claim_median_min=_median(claims),
        claim_p90_min=_p90(claims),
        decision_median_min=_median(decisions),
        decision_p90_min=_p90(decisions),
        urgent_calls=urgent,
        urgent_claimed_in_target=urgent_in_target,
        by_remit=_most_first(by_remit),
        by_region=_most_first(by_region),
        by_category=_most_first(by_category),
    )


def _minutes(micros: int) -> float:
    """As `(later - earlier).total_seconds() / 60` computes it, to the last bit."""
    return micros / 10**6 / 60


def _most_first(counts: Counter[str]) -> dict[str, int]:
    """Largest first; equal counts by name, so that the screen's order never depends on the database's."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
