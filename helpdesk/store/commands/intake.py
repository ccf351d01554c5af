"""Intake: a checked concern put in the queue, tied to its school and inspection."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select
from sqlmodel import col

from helpdesk.clock import london
from helpdesk.domain.intake import ConcernInvalid, NewConcern
from helpdesk.domain.permissions import Permission
from helpdesk.domain.queue import priority
from helpdesk.domain.types import EventKind
from helpdesk.store.acting import acting_member
from helpdesk.store.commands.risk import start_risk
from helpdesk.store.db.audit import record_event
from helpdesk.store.db.models import (
    Concern,
    Inspection,
    School,
)
from helpdesk.store.db.transaction import new_id, writing
from helpdesk.store.queries.queue import current_inspection_id


def log_concern(engine: Engine, concern: NewConcern, logged_by: str, now: dt.datetime) -> int:
    """Put a checked concern in the queue; the school (and inspection, if given) must exist."""
    with writing(engine) as session:
        acting_member(session, logged_by, Permission.LOG_CONCERN)
        if session.get(School, concern.urn) is None:
            raise ConcernInvalid({"urn": f"No school with URN {concern.urn}"})
        if concern.inspection_ref:
            inspection = session.scalar(select(Inspection).where(col(Inspection.reference) == concern.inspection_ref))
            if inspection is None:
                raise ConcernInvalid({"inspection": f"No inspection with reference {concern.inspection_ref}"})
            if inspection.urn != concern.urn:
                raise ConcernInvalid({"inspection": f"Inspection {concern.inspection_ref} is not of URN {concern.urn}"})
            inspection_id = inspection.id
        else:
            inspection_id = current_inspection_id(session, concern.urn, london(now).date())
        row = Concern(
            received_at=now,
            logged_by=logged_by,
            caller_name=concern.caller_name,
            caller_role=concern.caller_role.value,
            caller_phone=concern.caller_phone,
            urn=concern.urn,
            inspection_id=inspection_id,
            category=concern.category.value,
            urgent=concern.urgent,
            priority=priority(concern.urgent),
            summary=concern.summary,
        )
        session.add(row)
        session.flush()
        if concern.at_risk:  # marked by whoever logs it: the summary says what the risk is
            start_risk(session, row, logged_by, now, "")
        details: dict[str, Any] = {"urn": concern.urn, "category": concern.category.value, "urgent": concern.urgent}
        if concern.at_risk:
            details["at_risk"] = True
        record_event(session, actor=logged_by, kind=EventKind.LOGGED, at=now, concern_id=row.id, **details)
        return new_id(row)
