"""Exports of calls and of the audit trail, as CSV or JSON, in full or redacted.

Redacted exports keep what the published figures need (times, codes, counts, the school) and
drop every name, phone number and piece of free text."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from sqlalchemy import Engine, and_, func, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from helpdesk.clock import as_utc
from helpdesk.store.audit import redacted_details
from helpdesk.store.models import (
    PERSONAL_COLUMNS,
    Advice,
    Concern,
    ContactAttempt,
    Event,
    Inspection,
    PauseDecision,
    Review,
    School,
    Staff,
    table_of,
)
from helpdesk.store.review_queries import london_midnight

Progress = Callable[[int, int], None]
BATCH = 1000

CALL_FIELDS = [
    "id",
    "received_at",
    "status",
    "urgent",
    "category",
    "caller_role",
    "urn",
    "school",
    "local_authority",
    "inspection",
    "remit",
    "claimed_at",
    "closed_at",
    "held_by",
    "region",
    "pause_decision",
    "pause_decided_at",
    "pause_supersedes",
    "pause_decisions",
    "pause_working_days",
    "pause_resumes_on",
    "pause_exceptional",
    "pause_countersigned",
    "contact_attempts",
    "advice_notes",
    "review_outcome",
    "caller_name",
    "caller_phone",
    "summary",
    "advice",
    "outcome",
]
# a redacted export leaves out who held the call, the advice, and the call's personal columns
PERSONAL_CALL_FIELDS = {"held_by", "advice"} | {field for field in PERSONAL_COLUMNS[Concern] if field in CALL_FIELDS}
AUDIT_FIELDS = ["id", "at", "actor", "kind", "concern_id", "details"]
PERSONAL_AUDIT_FIELDS = {"actor"}


def _iso(value: dt.date | dt.datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return as_utc(value).isoformat()
    return value.isoformat()


def call_records(
    engine: Engine, start: dt.date, end: dt.date, redact: bool, progress: Progress | None = None
) -> Iterator[dict[str, Any]]:
    """One record per call received from `start` to `end` (inclusive, London days)."""
    window = and_(
        col(Concern.received_at) >= london_midnight(start),
        col(Concern.received_at) < london_midnight(end + dt.timedelta(days=1)),
    )
    holder = aliased(Staff)
    latest = select(func.max(col(PauseDecision.id))).group_by(col(PauseDecision.concern_id)).scalar_subquery()
    latest_review = select(func.max(col(Review.id))).group_by(col(Review.concern_id)).scalar_subquery()
    with engine.connect() as connection:
        total = connection.scalar(select(func.count()).select_from(Concern).where(window)) or 0
        ids = list(
            connection.scalars(
                select(col(Concern.id)).where(window).order_by(col(Concern.received_at), col(Concern.id))
            )
        )
        done = 0
        for start_at in range(0, len(ids), BATCH):
            chunk = ids[start_at : start_at + BATCH]
            rows = connection.execute(
                select(
                    table_of(Concern),
                    col(School.name).label("school"),
                    col(School.local_authority),
                    col(Inspection.reference),
                    col(Inspection.remit),
                    col(holder.region),
                )
                .join(School, col(School.urn) == col(Concern.urn))
                .outerjoin(Inspection, col(Inspection.id) == col(Concern.inspection_id))
                .outerjoin(holder, col(holder.login) == col(Concern.claimed_by))
                .where(col(Concern.id).in_(chunk))
                .order_by(col(Concern.received_at), col(Concern.id))
            ).all()
            decisions = {
                row.concern_id: row
                for row in connection.execute(
                    select(table_of(PauseDecision)).where(
                        col(PauseDecision.concern_id).in_(chunk), col(PauseDecision.id).in_(latest)
                    )
                )
            }
            superseded = [d.supersedes_id for d in decisions.values() if d.supersedes_id]
            superseded_at = (
                dict(
                    connection.execute(
                        select(col(PauseDecision.id), col(PauseDecision.decided_at)).where(
                            col(PauseDecision.id).in_(superseded)
                        )
                    ).all()
                )
                if superseded
                else {}
            )
            decision_counts = dict(
                connection.execute(
                    select(col(PauseDecision.concern_id), func.count())
                    .where(col(PauseDecision.concern_id).in_(chunk))
                    .group_by(col(PauseDecision.concern_id))
                ).all()
            )
            reviews = dict(
                connection.execute(
                    select(col(Review.concern_id), col(Review.outcome)).where(
                        col(Review.concern_id).in_(chunk), col(Review.id).in_(latest_review)
                    )
                ).all()
            )
            contacts = dict(
                connection.execute(
                    select(col(ContactAttempt.concern_id), func.count())
                    .where(col(ContactAttempt.concern_id).in_(chunk))
                    .group_by(col(ContactAttempt.concern_id))
                ).all()
            )
            advice: dict[int, list[str]] = {}
            for concern_id, text in connection.execute(
                select(col(Advice.concern_id), col(Advice.text))
                .where(col(Advice.concern_id).in_(chunk))
                .order_by(col(Advice.id))
            ):
                advice.setdefault(concern_id, []).append(text)
            for row in rows:
                concern = row._mapping
                school, authority, reference, remit, region = (
                    row.school,
                    row.local_authority,
                    row.reference,
                    row.remit,
                    row.region,
                )
                decision = decisions.get(concern["id"])
                record = {
                    "id": concern["id"],
                    "received_at": _iso(concern["received_at"]),
                    "status": concern["status"],
                    "urgent": concern["urgent"],
                    "category": concern["category"],
                    "caller_role": concern["caller_role"],
                    "urn": concern["urn"],
                    "school": school,
                    "local_authority": authority,
                    "inspection": reference,
                    "remit": remit,
                    "claimed_at": _iso(concern["claimed_at"]),
                    "closed_at": _iso(concern["closed_at"]),
                    "held_by": concern["claimed_by"],
                    "region": region,
                    # the decision in force; the one it superseded (by when it was decided); how many there were
                    "pause_decision": decision.decision if decision else None,
                    "pause_decided_at": _iso(decision.decided_at) if decision else None,
                    "pause_supersedes": _iso(superseded_at.get(decision.supersedes_id))
                    if decision and decision.supersedes_id
                    else None,
                    "pause_decisions": decision_counts.get(concern["id"], 0),
                    "pause_working_days": decision.working_days if decision else None,
                    "pause_resumes_on": _iso(decision.resumes_on) if decision else None,
                    "pause_exceptional": decision.exceptional if decision else None,
                    "pause_countersigned": bool(decision.countersigned_by) if decision else None,
                    "contact_attempts": contacts.get(concern["id"], 0),
                    "advice_notes": len(advice.get(concern["id"], [])),
                    "review_outcome": reviews.get(concern["id"]),
                    "caller_name": concern["caller_name"],
                    "caller_phone": concern["caller_phone"],
                    "summary": concern["summary"],
                    "advice": "\n---\n".join(advice.get(concern["id"], [])),
                    "outcome": concern["outcome"],
                }
                yield {k: v for k, v in record.items() if not (redact and k in PERSONAL_CALL_FIELDS)}
                done += 1
            if progress:
                progress(done, total)


def audit_records(
    engine: Engine, start: dt.date, end: dt.date, redact: bool, progress: Progress | None = None
) -> Iterator[dict[str, Any]]:
    """The audit trail from `start` to `end` (inclusive, London days). Events hold no personal
    data but logins; a redacted export drops who acted and any login inside the details."""
    window = and_(col(Event.at) >= london_midnight(start), col(Event.at) < london_midnight(end + dt.timedelta(days=1)))
    with engine.connect() as connection:
        total = connection.scalar(select(func.count()).select_from(Event).where(window)) or 0
        done = 0
        for row in connection.execute(
            select(
                col(Event.id),
                col(Event.at),
                col(Event.actor),
                col(Event.kind),
                col(Event.concern_id),
                col(Event.details),
            )
            .where(window)
            .order_by(col(Event.id))
        ):
            record = {
                "id": row.id,
                "at": _iso(row.at),
                "actor": row.actor,
                "kind": row.kind,
                "concern_id": row.concern_id,
                "details": redacted_details(row.details) if redact else row.details,
            }
            yield {k: v for k, v in record.items() if not (redact and k in PERSONAL_AUDIT_FIELDS)}
            done += 1
            if progress and done % BATCH == 0:
                progress(done, total)
        if progress:
            progress(done, total)


class ExportInterrupted(Exception):
    """The output went away (a closed pipe, a full disk) after `written` records."""

    def __init__(self, written: int, error: OSError) -> None:
        super().__init__(f"the output failed ({error.strerror or error}) after {written} record(s) were written to it")
        self.written, self.error = written, error


def write_records(
    records: Iterator[dict[str, Any]], fields: list[str], out: TextIO, fmt: str, redact: bool, personal: set[str]
) -> int:
    """Write CSV (header first) or a JSON array, streaming; the number of records. If the output
    fails, ExportInterrupted says how many records had been written."""
    tally = [0]
    try:
        return _write_records(records, fields, out, fmt, redact, personal, tally)
    except OSError as error:
        raise ExportInterrupted(tally[0], error) from error


def _write_records(
    records: Iterator[dict[str, Any]],
    fields: list[str],
    out: TextIO,
    fmt: str,
    redact: bool,
    personal: set[str],
    tally: list[int],
) -> int:
    columns = [f for f in fields if not (redact and f in personal)]
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, columns, lineterminator="\n")
        writer.writeheader()
        for record in records:
            writer.writerow(record)
            count += 1
            tally[0] = count
        out.flush()  # so that a failing output shows here, not when the process exits
        return count
    out.write("[")
    for record in records:
        out.write(("," if count else "") + "\n" + json.dumps(record, ensure_ascii=False))
        count += 1
        tally[0] = count
    out.write("\n]\n")
    out.flush()
    return count


def export_calls(
    engine: Engine,
    login: str,
    start: dt.date,
    end: dt.date,
    fmt: str,
    redact: bool,
    out: TextIO,
    progress: Progress | None = None,
) -> int:
    check_may_export(engine, login)
    return write_records(
        call_records(engine, start, end, redact, progress), CALL_FIELDS, out, fmt, redact, PERSONAL_CALL_FIELDS
    )


def export_audit(
    engine: Engine,
    login: str,
    start: dt.date,
    end: dt.date,
    fmt: str,
    redact: bool,
    out: TextIO,
    progress: Progress | None = None,
) -> int:
    check_may_export(engine, login)
    return write_records(
        audit_records(engine, start, end, redact, progress), AUDIT_FIELDS, out, fmt, redact, PERSONAL_AUDIT_FIELDS
    )


def check_may_export(engine: Engine, login: str) -> None:
    """Only those who may export do (the data is about people's health): see domain.permissions."""
    from helpdesk.domain.permissions import Permission
    from helpdesk.store.acting import acting_member

    with engine.connect() as connection:
        acting_member(connection, login, Permission.EXPORT)


def record_export(
    engine: Engine,
    login: str,
    what: str,
    start: dt.date,
    end: dt.date,
    redact: bool,
    count: int,
    now: dt.datetime,
    interrupted: bool = False,
) -> None:
    """Every export is in the audit trail: who took what, for which period."""
    from sqlmodel import Session

    from helpdesk.domain.types import EventKind
    from helpdesk.store.audit import record_event
    from helpdesk.store.engine import writer

    with Session(writer(engine)) as session, session.begin():
        record_event(
            session,
            actor=login,
            kind=EventKind.EXPORTED,
            at=now,
            what=what,
            start=start.isoformat(),
            end=end.isoformat(),
            redacted=redact,
            records=count,
            **({"interrupted": True} if interrupted else {}),
        )
