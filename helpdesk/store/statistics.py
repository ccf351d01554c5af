"""The service's figures for a period: what the inspectorate publishes about the helpline.
Everything here comes from non-personal fields, so a retention purge leaves it unchanged."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass

from sqlalchemy import Engine, and_, func, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from helpdesk.clock import as_utc, london
from helpdesk.domain.pause import Decision
from helpdesk.domain.permissions import Permission
from helpdesk.domain.policy import Policy
from helpdesk.domain.types import EventKind
from helpdesk.store.acting import acting_member
from helpdesk.store.models import Concern, Event, Inspection, PauseDecision, Staff
from helpdesk.store.review_queries import london_midnight


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
    """Calls received from `start` to `end` (inclusive, London days)."""
    first_claim = (
        select(col(Event.concern_id), func.min(col(Event.at)).label("at"))
        .where(col(Event.kind) == EventKind.CLAIMED)
        .group_by(col(Event.concern_id))
        .subquery()
    )
    first_decision = (
        select(col(Event.concern_id), func.min(col(Event.at)).label("at"))
        .where(col(Event.kind) == EventKind.DECISION)
        .group_by(col(Event.concern_id))
        .subquery()
    )
    latest_decision = (
        select(col(PauseDecision.decision))
        .where(col(PauseDecision.concern_id) == col(Concern.id))
        .order_by(col(PauseDecision.id).desc())
        .limit(1)
        .scalar_subquery()
    )
    holder = aliased(Staff)
    statement = (
        select(
            col(Concern.received_at),
            col(Concern.urgent),
            col(Concern.category),
            col(Inspection.remit),
            col(holder.region),
            first_claim.c.at,
            first_decision.c.at,
            latest_decision,
        )
        .outerjoin(Inspection, col(Inspection.id) == col(Concern.inspection_id))
        .outerjoin(holder, col(holder.login) == col(Concern.claimed_by))
        .outerjoin(first_claim, first_claim.c.concern_id == col(Concern.id))
        .outerjoin(first_decision, first_decision.c.concern_id == col(Concern.id))
        .where(
            and_(
                col(Concern.received_at) >= london_midnight(start),
                col(Concern.received_at) < london_midnight(end + dt.timedelta(days=1)),
            )
        )
    )
    with engine.connect() as connection:
        acting_member(connection, login, Permission.SEE_FIGURES)
        rows = connection.execute(statement).all()

    weeks: Counter[dt.date] = Counter()
    monday = start - dt.timedelta(days=start.weekday())
    while monday <= end:
        weeks[monday] = 0
        monday += dt.timedelta(days=7)
    claims, decisions = [], []
    urgent = urgent_in_target = 0
    decided: Counter[str] = Counter()
    by_remit: Counter[str] = Counter()
    by_region: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    for received, is_urgent, category, remit, region, claimed_at, decided_at, decision in rows:
        received = as_utc(received)
        day = london(received).date()
        weeks[day - dt.timedelta(days=day.weekday())] += 1
        by_remit[remit or "none"] += 1
        by_region[region or "unclaimed"] += 1
        by_category[category] += 1
        if decision:
            decided[decision] += 1
        if claimed_at is not None:
            minutes = (as_utc(claimed_at) - received).total_seconds() / 60
            claims.append(minutes)
            if is_urgent and minutes <= policy.claim_target_urgent_min:
                urgent_in_target += 1
        if is_urgent:
            urgent += 1
        if decided_at is not None:
            decisions.append((as_utc(decided_at) - received).total_seconds() / 60)
    return Figures(
        start=start,
        end=end,
        calls=len(rows),
        weeks=sorted(weeks.items()),
        authorised=decided[Decision.AUTHORISED],
        declined=decided[Decision.DECLINED],
        claim_median_min=statistics.median(claims) if claims else None,
        claim_p90_min=_p90(claims),
        decision_median_min=statistics.median(decisions) if decisions else None,
        decision_p90_min=_p90(decisions),
        urgent_calls=urgent,
        urgent_claimed_in_target=urgent_in_target,
        by_remit=dict(by_remit.most_common()),
        by_region=dict(by_region.most_common()),
        by_category=dict(by_category.most_common()),
    )
