"""Writing the audit trail: one event per change, in the change's own transaction."""

from __future__ import annotations

import datetime as dt
import json

from sqlmodel import Session

from helpdesk.domain.types import EventKind
from helpdesk.store.models import Event


def record_event(
    session: Session,
    *,
    actor: str,
    kind: EventKind,
    at: dt.datetime,
    concern_id: int | None = None,
    **details: object,
) -> None:
    """Add one audit event. Details hold ids and codes only, never names, numbers or free text."""
    session.add(
        Event(
            concern_id=concern_id,
            actor=actor,
            kind=kind.value,
            at=at,
            details=json.dumps(details, sort_keys=True, default=str),
        )
    )
