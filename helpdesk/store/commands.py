"""Commands: one function per change to a concern, each one transaction with one audit event."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, select, update
from sqlmodel import Session

from helpdesk.clock import london_time
from helpdesk.domain.intake import ConcernInvalid, NewConcern
from helpdesk.domain.queue import priority
from helpdesk.store.audit import record_event
from helpdesk.store.engine import writer
from helpdesk.store.models import Concern, Inspection, School, Staff


def log_concern(engine: Engine, concern: NewConcern, logged_by: str, now: dt.datetime) -> int:
    """Put a checked concern in the queue; the school (and inspection, if given) must exist."""
    with Session(writer(engine)) as session, session.begin():
        if session.get(School, concern.urn) is None:
            raise ConcernInvalid({"urn": f"no school with URN {concern.urn}"})
        inspection_id = None
        if concern.inspection_ref:
            inspection = session.scalar(select(Inspection).where(Inspection.reference == concern.inspection_ref))
            if inspection is None:
                raise ConcernInvalid({"inspection": f"no inspection with reference {concern.inspection_ref}"})
            if inspection.urn != concern.urn:
                raise ConcernInvalid({"inspection": f"inspection {concern.inspection_ref} is not of URN {concern.urn}"})
            inspection_id = inspection.id
        else:
            inspection_id = session.scalar(
                select(Inspection.id)
                .where(Inspection.urn == concern.urn, Inspection.start_date <= now.date(), Inspection.end_date >= now.date())
                .order_by(Inspection.start_date.desc())
                .limit(1)
            )
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
        record_event(
            session,
            actor=logged_by,
            kind="logged",
            at=now,
            concern_id=row.id,
            urn=concern.urn,
            category=concern.category.value,
            urgent=concern.urgent,
        )
        return row.id


class ClaimRefused(RuntimeError):
    """The concern could not be claimed; str() says why in plain words."""


def claim(engine: Engine, concern_id: int, login: str, now: dt.datetime) -> None:
    """Take a waiting concern: one conditional UPDATE, so of two racing claims exactly one wins."""
    with Session(writer(engine)) as session, session.begin():
        claimed = session.execute(
            update(Concern)
            .where(Concern.id == concern_id, Concern.status == "waiting")
            .values(status="claimed", claimed_by=login, claimed_at=now)
        )
        if claimed.rowcount != 1:
            row = session.execute(
                select(Concern.status, Concern.claimed_by, Concern.claimed_at).where(Concern.id == concern_id)
            ).first()
            if row is None:
                raise ClaimRefused(f"There is no concern {concern_id}")
            if row.status == "closed":
                raise ClaimRefused("This call is already closed")
            holder = session.scalar(select(Staff.name).where(Staff.login == row.claimed_by)) or row.claimed_by
            raise ClaimRefused(f"Already claimed by {holder} at {london_time(row.claimed_at)}")
        record_event(session, actor=login, kind="claimed", at=now, concern_id=concern_id)
