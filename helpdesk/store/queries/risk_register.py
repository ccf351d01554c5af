"""The register of calls marked at immediate risk: each marker with its protocol as recorded
(the latest contact and safety steps), the acknowledgement and any lifting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, and_, func, select
from sqlmodel import col

from helpdesk.clock import as_utc
from helpdesk.store.acting import tied_among
from helpdesk.store.db.models import Concern, Risk, RiskStep, School, Staff, table_of
from helpdesk.store.queries.review import london_midnight
from helpdesk.store.rows import Progress, RiskEntry

PAGE = 500


def risk_entries(
    engine: Engine,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    progress: Progress | None = None,
    reader: str | None = None,
) -> Iterator[RiskEntry]:
    """The markers set from `start` to `end` (London days), oldest first, in pages; those on
    calls the information barrier keeps from `reader`, if given, left out."""
    window = and_(
        col(Risk.marked_at) >= london_midnight(start), col(Risk.marked_at) < london_midnight(end + dt.timedelta(days=1))
    )
    with engine.connect() as connection:
        names = dict(connection.execute(select(col(Staff.login), col(Staff.name))).all())
        total = connection.scalar(select(func.count()).select_from(Risk).where(window)) or 0
        done, after = 0, (dt.datetime.min.replace(tzinfo=dt.UTC), 0)
        while True:
            rows = connection.execute(
                select(
                    table_of(Risk),
                    col(Concern.urn),
                    col(School.name).label("school"),
                    col(Concern.status),
                )
                .join(Concern, col(Concern.id) == col(Risk.concern_id))
                .join(School, col(School.urn) == col(Concern.urn))
                .where(window)
                .where(
                    (col(Risk.marked_at) > after[0]) | ((col(Risk.marked_at) == after[0]) & (col(Risk.id) > after[1]))
                )
                .order_by(col(Risk.marked_at), col(Risk.id))
                .limit(PAGE)
            ).all()
            if not rows:
                return
            steps: dict[tuple[int, str], Any] = {}
            for step in connection.execute(
                select(table_of(RiskStep))
                .where(col(RiskStep.risk_id).in_([row.id for row in rows]))
                .order_by(col(RiskStep.id))
            ):
                steps[(step.risk_id, step.kind)] = step  # the latest of each kind
            kept = tied_among(connection, reader, today, (row.concern_id for row in rows)) if reader else frozenset()
            for row in rows:
                done += 1
                if row.concern_id in kept:
                    continue
                yield _entry(row, steps.get((row.id, "contact")), steps.get((row.id, "safety")), names)
            if progress:
                progress(done, total)
            after = (rows[-1].marked_at, rows[-1].id)


def _time(value: dt.datetime | None) -> dt.datetime | None:
    return as_utc(value) if value is not None else None


def _entry(row: Any, contact: Any, safety: Any, names: dict[str, str]) -> RiskEntry:
    marked, acknowledged = as_utc(row.marked_at), _time(row.acknowledged_at)
    return RiskEntry(
        risk_id=row.id,
        call=row.concern_id,
        marked_at=marked,
        urn=row.urn,
        school=row.school,
        call_status=row.status,
        marked_by=names.get(row.marked_by, row.marked_by),
        what=row.what,
        contact=contact.contact if contact else None,
        contacted_at=as_utc(contact.happened_at) if contact else None,
        contact_who=contact.who if contact else "",
        contact_reference=contact.reference if contact else "",
        contact_why_not=contact.why_not if contact else "",
        safety=safety.safety if safety else None,
        safety_at=as_utc(safety.at) if safety else None,
        safety_note=safety.note if safety else "",
        acknowledged_by=names.get(row.acknowledged_by, row.acknowledged_by) if row.acknowledged_by else None,
        acknowledged_at=acknowledged,
        minutes_to_acknowledgement=round((acknowledged - marked).total_seconds() / 60, 1) if acknowledged else None,
        lifted_by=names.get(row.lifted_by, row.lifted_by) if row.lifted_by else None,
        lifted_at=_time(row.lifted_at),
        lift_reason=row.lift_reason,
    )
