"""The service's figures for a period: what the inspectorate publishes about the helpline.
Everything here comes from non-personal fields, so a retention purge leaves it unchanged."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, and_, func, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from helpdesk.clock import as_utc
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


def _p90(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]


def figures(engine: Engine, login: str, start: dt.date, end: dt.date, policy: Policy) -> Figures:
    """Calls received from `start` to `end` (inclusive, London days). Counted in SQL on the
    received_at index; times to claim and to a decision come from the first claim and first
    decision recorded on the call when they happened (not grouped from the audit trail)."""
    low, high = london_midnight(start), london_midnight(end + dt.timedelta(days=1))
    window = and_(col(Concern.received_at) >= low, col(Concern.received_at) < high)
    holder = aliased(Staff)

    def counted(column: Any, *joins: tuple[Any, Any]) -> Counter[str]:
        statement = select(column, func.count()).select_from(Concern)
        for table, on in joins:
            statement = statement.outerjoin(table, on)
        return Counter({key: n for key, n in connection.execute(statement.where(window).group_by(column)).all()})

    with engine.connect() as connection:
        acting_member(connection, login, Permission.SEE_FIGURES)
        by_category = counted(col(Concern.category))
        by_remit = counted(col(Inspection.remit), (Inspection, col(Inspection.id) == col(Concern.inspection_id)))
        by_region = counted(col(holder.region), (holder, col(holder.login) == col(Concern.claimed_by)))
        decided = counted(col(Concern.decision_in_force))
        urgent = connection.scalar(select(func.count()).select_from(Concern).where(window, col(Concern.urgent))) or 0
        weeks: list[tuple[dt.date, int]] = []
        monday = start - dt.timedelta(days=start.weekday())
        while monday <= end:
            week = and_(
                col(Concern.received_at) >= max(low, london_midnight(monday)),
                col(Concern.received_at) < min(high, london_midnight(monday + dt.timedelta(days=7))),
            )
            weeks.append((monday, connection.scalar(select(func.count()).select_from(Concern).where(week)) or 0))
            monday += dt.timedelta(days=7)
        claimed = connection.execute(
            select(col(Concern.received_at), col(Concern.first_claimed_at), col(Concern.urgent)).where(
                window, col(Concern.first_claimed_at).is_not(None)
            )
        ).all()
        first_decisions = connection.execute(
            select(col(Concern.received_at), col(Concern.first_decided_at)).where(
                window, col(Concern.first_decided_at).is_not(None)
            )
        ).all()

    claims = [_minutes(received, at) for received, at, _ in claimed]
    urgent_in_target = sum(
        1
        for minutes, (_, _, is_urgent) in zip(claims, claimed, strict=True)
        if is_urgent and minutes <= policy.claim_target_urgent_min
    )
    decisions = [_minutes(received, at) for received, at in first_decisions]
    by_remit = Counter({remit or "none": n for remit, n in by_remit.items()})
    by_region = Counter({region or "unclaimed": n for region, n in by_region.items()})
    return Figures(
        start=start,
        end=end,
        calls=sum(by_category.values()),
        weeks=weeks,
        authorised=decided[Decision.AUTHORISED],
        declined=decided[Decision.DECLINED],
        claim_median_min=statistics.median(claims) if claims else None,
        claim_p90_min=_p90(claims),
        decision_median_min=statistics.median(decisions) if decisions else None,
        decision_p90_min=_p90(decisions),
        urgent_calls=urgent,
        urgent_claimed_in_target=urgent_in_target,
        by_remit=_most_first(by_remit),
        by_region=_most_first(by_region),
        by_category=_most_first(by_category),
    )


def _minutes(received: dt.datetime, at: dt.datetime | None) -> float:
    assert at is not None  # selected where it is set
    return (as_utc(at) - as_utc(received)).total_seconds() / 60


def _most_first(counts: Counter[str]) -> dict[str, int]:
    """Largest first; equal counts by name, so that the screen's order never depends on the database's."""
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))
