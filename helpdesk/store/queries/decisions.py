"""Where a pause decision stands, in SQL: settled (in force once, or now), superseded, awaiting
a countersignature. The one definition the queue, the call, the register and the exports use."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from helpdesk.store.db.models import Concern, PauseDecision


def settled(decision: Any) -> Any:
    """A decision that is, or was, in force: not refused, and countersigned if exceptional
    (`decision`: the model or an alias of it)."""
    return and_(
        col(decision.refused_by).is_(None),
        or_(col(decision.exceptional).is_(False), col(decision.countersigned_by).is_not(None)),
    )


def superseded(decision: Any) -> Any:
    """A settled decision that names it as the one it supersedes: the decision is no longer in
    force (an exceptional one awaiting countersignature, or refused, supersedes nothing yet)."""
    later = aliased(PauseDecision)
    return exists().where(col(later.supersedes_id) == col(decision.id), settled(later))


def awaiting(decision: Any) -> Any:
    """An exceptional decision neither countersigned nor refused, with no decision after it."""
    later = aliased(PauseDecision)
    return and_(
        col(decision.exceptional).is_(True),
        col(decision.countersigned_by).is_(None),
        col(decision.refused_by).is_(None),
        ~exists().where(col(later.concern_id) == col(decision.concern_id), col(later.id) > col(decision.id)),
    )


def in_force_id() -> Any:
    """The id of the call's decision in force (its latest settled one), for a statement over calls."""
    return (
        select(col(PauseDecision.id))
        .where(col(PauseDecision.concern_id) == col(Concern.id), settled(PauseDecision))
        .order_by(col(PauseDecision.id).desc())
        .limit(1)
        .scalar_subquery()
    )
