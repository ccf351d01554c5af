"""Exports of calls and of the audit trail, as CSV or JSON, in full or redacted.

Redacted exports keep what the published figures need (times, codes, counts, the school) and
drop every name, phone number and piece of free text."""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

from sqlalchemy import Engine, and_, func, select, tuple_
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


def pages(connection: Any, statement: Any, moment: Any, key: Any) -> Iterator[list[Any]]:
    """The statement's rows in pages of BATCH, in order of (moment, key), each page read after the
    last one's final row (keyset paging: every page costs the same, memory stays constant)."""
    after: tuple[Any, Any] | None = None
    while True:
        page = statement.order_by(moment, key).limit(BATCH)
        if after is not None:
            page = page.where(tuple_(moment, key) > tuple_(*after))
        rows = connection.execute(page).all()
        if not rows:
            return
        yield rows
        last = rows[-1]._mapping
        after = (last[moment.key], last[key.key])


def call_records(
    engine: Engine, start: dt.date, end: dt.date, redact: bool, progress: Progress | None = None
) -> Iterator[Sequence[Any]]:
    """One record per call received from `start` to `end` (inclusive, London days), in one pass:
    pages of calls by (received_at, id) on the received_at index, and for each page only that
    page's decisions, reviews, contacts and advice (constant memory, linear in calls exported)."""
    window = and_(
        col(Concern.received_at) >= london_midnight(start),
        col(Concern.received_at) < london_midnight(end + dt.timedelta(days=1)),
    )
    holder = aliased(Staff)
    kept = [i for i, field in enumerate(CALL_FIELDS) if field not in PERSONAL_CALL_FIELDS]
    with engine.connect() as connection:
        total = connection.scalar(select(func.count()).select_from(Concern).where(window)) or 0
        done = 0
        calls = (
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
            .where(window)
        )
        for rows in pages(connection, calls, col(Concern.received_at), col(Concern.id)):
            chunk = [row.id for row in rows]
            # every decision on these calls, oldest first: the last is in force, and the one it
            # supersedes is among them (a decision supersedes one on the same call)
            decisions: dict[int, Any] = {}
            decided_at: dict[int, dt.datetime] = {}
            decision_counts: dict[int, int] = {}
            for decision_row in connection.execute(
                select(table_of(PauseDecision))
                .where(col(PauseDecision.concern_id).in_(chunk))
                .order_by(col(PauseDecision.id))
            ):
                decisions[decision_row.concern_id] = decision_row
                decided_at[decision_row.id] = decision_row.decided_at
                decision_counts[decision_row.concern_id] = decision_counts.get(decision_row.concern_id, 0) + 1
            reviews: dict[int, str] = {}
            for concern_id, outcome in connection.execute(
                select(col(Review.concern_id), col(Review.outcome))
                .where(col(Review.concern_id).in_(chunk))
                .order_by(col(Review.id))
            ):
                reviews[concern_id] = outcome  # the latest review stands
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
                notes = advice.get(concern["id"], [])
                record = (
                    concern["id"],
                    _iso(concern["received_at"]),
                    concern["status"],
                    concern["urgent"],
                    concern["category"],
                    concern["caller_role"],
                    concern["urn"],
                    school,
                    authority,
                    reference,
                    remit,
                    _iso(concern["claimed_at"]),
                    _iso(concern["closed_at"]),
                    concern["claimed_by"],
                    region,
                    # the decision in force; the one it superseded (by when it was decided); how many there were
                    decision.decision if decision else None,
                    _iso(decision.decided_at) if decision else None,
                    _iso(decided_at.get(decision.supersedes_id)) if decision and decision.supersedes_id else None,
                    decision_counts.get(concern["id"], 0),
                    decision.working_days if decision else None,
                    _iso(decision.resumes_on) if decision else None,
                    decision.exceptional if decision else None,
                    bool(decision.countersigned_by) if decision else None,
                    contacts.get(concern["id"], 0),
                    len(notes),
                    reviews.get(concern["id"]),
                    concern["caller_name"],
                    concern["caller_phone"],
                    concern["summary"],
                    "\n---\n".join(notes),
                    concern["outcome"],
                )
                yield [record[i] for i in kept] if redact else record
                done += 1
            if progress:
                progress(done, total)


def audit_records(
    engine: Engine, start: dt.date, end: dt.date, redact: bool, progress: Progress | None = None
) -> Iterator[Sequence[Any]]:
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
            if redact:  # AUDIT_FIELDS less who acted, and only the codes of the details
                yield (row.id, _iso(row.at), row.kind, row.concern_id, redacted_details(row.details))
            else:
                yield (row.id, _iso(row.at), row.actor, row.kind, row.concern_id, row.details)
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
    records: Iterator[Sequence[Any]], fields: list[str], out: TextIO, fmt: str, redact: bool, personal: set[str]
) -> int:
    """Write CSV (header first) or a JSON array, streaming; the number of records. If the output
    fails, ExportInterrupted says how many records had been written."""
    columns = [f for f in fields if not (redact and f in personal)]
    count = 0
    try:
        if fmt == "csv":
            writer = csv.writer(out, lineterminator="\n")
            writer.writerow(columns)
            for record in records:
                writer.writerow(record)
                count += 1
        else:
            out.write("[")
            for record in records:
                item = json.dumps(dict(zip(columns, record, strict=True)), ensure_ascii=False)
                out.write(("," if count else "") + "\n" + item)
                count += 1
            out.write("\n]\n")
        out.flush()  # so that a failing output shows here, not when the process exits
    except OSError as error:
        raise ExportInterrupted(count, error) from error
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
