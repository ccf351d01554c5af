"""The pause register: every pause decision with its inspection's paused days."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Engine, Select, and_, func, select, tuple_
from sqlmodel import col

from helpdesk.clock import as_utc
from helpdesk.domain.follow_up import FollowUpKind
from helpdesk.domain.pause import Decision, PauseState, awaits_countersignature, days_paused, past_limit, pause_state
from helpdesk.domain.permissions import Permission
from helpdesk.domain.policy import Policy
from helpdesk.store.acting import acting_member, tied_among
from helpdesk.store.db.models import (
    Concern,
    FollowUp,
    Inspection,
    PauseDecision,
    School,
    Staff,
)
from helpdesk.store.queries.decisions import settled, superseded
from helpdesk.store.queries.policy import in_force
from helpdesk.store.queries.review import london_midnight
from helpdesk.store.rows import PauseEntry, Progress


def pause_entries(
    engine: Engine,
    start: dt.date,
    end: dt.date,
    today: dt.date,
    policy: Policy,
    progress: Progress | None = None,
    reader: str | None = None,
) -> Iterator[PauseEntry]:
    """The decisions made from `start` to `end` (London days), oldest first, in pages; those on
    calls the information barrier keeps from `reader`, if given, left out."""
    window = and_(
        col(PauseDecision.decided_at) >= london_midnight(start),
        col(PauseDecision.decided_at) < london_midnight(end + dt.timedelta(days=1)),
    )
    with engine.connect() as connection:
        policy = in_force(connection, policy).policy
        names = dict(connection.execute(select(col(Staff.login), col(Staff.name))).all())
        total = connection.scalar(select(func.count()).select_from(PauseDecision).where(window)) or 0
        done = 0
        decisions: Select[*tuple[Any, ...]] = (
            select(
                col(PauseDecision.id),
                col(PauseDecision.concern_id),
                col(PauseDecision.decided_at),
                col(Concern.urn),
                col(School.name).label("school"),
                col(Concern.inspection_id),
                col(Inspection.reference),
                col(Inspection.remit),
                col(PauseDecision.requested_by),
                col(PauseDecision.grounds),
                col(PauseDecision.decision),
                col(PauseDecision.working_days),
                col(PauseDecision.starts_on),
                col(PauseDecision.resumes_on),
                col(PauseDecision.exceptional),
                col(PauseDecision.decided_by),
                col(PauseDecision.countersigned_by),
                col(PauseDecision.countersigned_at),
                col(PauseDecision.supersedes_id),
                col(PauseDecision.rationale),
                col(PauseDecision.justification),
                col(PauseDecision.countersign_reason),
                col(PauseDecision.refused_by),
                col(PauseDecision.refused_at),
                col(PauseDecision.refusal_reason),
                superseded(PauseDecision).label("superseded"),
            )
            .join(Concern, col(Concern.id) == col(PauseDecision.concern_id))
            .join(School, col(School.urn) == col(Concern.urn))
            .outerjoin(Inspection, col(Inspection.id) == col(Concern.inspection_id))
            .where(window)
        )
        for rows in pages(connection, decisions, col(PauseDecision.decided_at), col(PauseDecision.id)):
            checks = dict(
                connection.execute(
                    select(col(FollowUp.decision_id), col(FollowUp.outcome)).where(
                        col(FollowUp.decision_id).in_([row.id for row in rows]),
                        col(FollowUp.kind) == FollowUpKind.RESUMPTION_CHECK.value,
                    )
                ).all()
            )
            paused = _paused_days(connection, {row.inspection_id for row in rows if row.inspection_id is not None})
            kept = tied_among(connection, reader, today, (row.concern_id for row in rows)) if reader else frozenset()
            for row in rows:
                if row.concern_id in kept:
                    done += 1
                    continue
                days = paused.get(row.inspection_id, 0) if row.inspection_id is not None else 0
                refused = row.refused_by is not None
                state = pause_state(
                    row.decision,
                    row.resumes_on,
                    bool(row.superseded),
                    today,
                    awaiting=awaits_countersignature(bool(row.exceptional), row.countersigned_by is not None, refused),
                    refused=refused,
                )
                yield PauseEntry(
                    decision_id=row.id,
                    call=row.concern_id,
                    decided_at=as_utc(row.decided_at),
                    urn=row.urn,
                    school=row.school,
                    inspection=row.reference,
                    remit=row.remit,
                    requested_by=row.requested_by,
                    grounds=row.grounds,
                    decision=row.decision,
                    working_days=row.working_days,
                    starts_on=row.starts_on,
                    resumes_on=row.resumes_on,
                    exceptional=bool(row.exceptional),
                    decided_by=names.get(row.decided_by, row.decided_by),
                    countersigned_by=names.get(row.countersigned_by, row.countersigned_by)
                    if row.countersigned_by
                    else None,
                    countersigned_at=as_utc(row.countersigned_at) if row.countersigned_at else None,
                    supersedes=row.supersedes_id,
                    state=state.value,
                    check_outcome=checks.get(row.id),
                    inspection_paused_days=days,
                    # an authorised pause in force on an inspection paused past the remit's limit
                    past_limit=row.decision == Decision.AUTHORISED
                    and state in (PauseState.IN_FORCE, PauseState.RESUMED)
                    and past_limit(days, row.remit, policy),
                    rationale=row.rationale,
                    justification=row.justification,
                    countersign_reason=row.countersign_reason,
                    refused_by=names.get(row.refused_by, row.refused_by) if refused else None,
                    refused_at=as_utc(row.refused_at) if row.refused_at else None,
                    refusal_reason=row.refusal_reason or "",
                )
                done += 1
            if progress:
                progress(done, total)


def standing_pauses(
    connection: Any, inspections: set[int], except_call: int | None = None
) -> dict[int, list[tuple[dt.date, dt.date]]]:
    """(first day, resume day) of each authorised pause in force or resumed (settled and not
    superseded), by inspection, across all its calls (but `except_call`'s, whose new decision
    replaces them)."""
    if not inspections:
        return {}
    statement = (
        select(col(Concern.inspection_id), col(PauseDecision.starts_on), col(PauseDecision.resumes_on))
        .join(Concern, col(Concern.id) == col(PauseDecision.concern_id))
        .where(
            col(Concern.inspection_id).in_(inspections),
            col(PauseDecision.decision) == Decision.AUTHORISED.value,
            col(PauseDecision.starts_on).is_not(None),
            col(PauseDecision.resumes_on).is_not(None),
            settled(PauseDecision),
            ~superseded(PauseDecision),
        )
    )
    if except_call is not None:
        statement = statement.where(col(PauseDecision.concern_id) != except_call)
    found: dict[int, list[tuple[dt.date, dt.date]]] = {}
    for inspection, starts_on, resumes_on in connection.execute(statement):
        found.setdefault(inspection, []).append((starts_on, resumes_on))
    return found


def paused_elsewhere(connection: Any, inspection_id: int | None, concern_id: int) -> frozenset[dt.date]:
    """The working days the call's inspection is paused for by the standing pauses of its other
    calls (what the remit's limit counts before this call's own decision)."""
    if inspection_id is None:
        return frozenset()
    return days_paused(standing_pauses(connection, {inspection_id}, except_call=concern_id).get(inspection_id, []))


def _paused_days(connection: Any, inspections: set[int]) -> dict[int, int]:
    """Working days paused and still standing, by inspection (a day two pauses share counted once)."""
    return {
        inspection: len(days_paused(pauses)) for inspection, pauses in standing_pauses(connection, inspections).items()
    }


def pause_register(
    engine: Engine, login: str, start: dt.date, end: dt.date, today: dt.date, policy: Policy
) -> list[PauseEntry]:
    """The register for the supervisors' screen: the period's decisions, newest first."""
    with engine.connect() as connection:
        acting_member(connection, login, Permission.SEE_PAUSE_REGISTER)
    return list(reversed(list(pause_entries(engine, start, end, today, policy, reader=login))))


PAGE_SIZE = 1000  # decisions read a page at a time


def pages(connection: Any, statement: Any, moment: Any, key: Any) -> Iterator[list[Any]]:
    """The statement's rows in pages of PAGE_SIZE, in order of (moment, key), each page read after the
    last one's final row (keyset paging: every page costs the same, memory stays constant)."""
    after: tuple[Any, Any] | None = None
    while True:
        page = statement.order_by(moment, key).limit(PAGE_SIZE)
        if after is not None:
            page = page.where(tuple_(moment, key) > tuple_(*after))
        rows = connection.execute(page).all()
        if not rows:
            return
        yield rows
        last = rows[-1]._mapping
        after = (last[moment.key], last[key.key])
