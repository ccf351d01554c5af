"""Exports: calls and the audit trail as CSV or JSON lines, redacted or not, streamed in batches."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import astuple
from pathlib import Path
from typing import Any, TextIO

import sqlalchemy as sa
from sqlalchemy import Engine, Select, String, and_, case, func, join, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import col

from helpdesk.clock import as_utc
from helpdesk.store.acting import tied_to
from helpdesk.store.commands.exports import check_may_export
from helpdesk.store.db.audit import redacted_details
from helpdesk.store.db.models import (
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
from helpdesk.store.faults import ExportInterrupted
from helpdesk.store.queries.decisions import in_force_id
from helpdesk.store.queries.review import london_midnight
from helpdesk.store.rows import Progress

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


class iso_text(FunctionElement[str]):  # noqa: N801 (an SQL function, named as one)
    """A stored time (UTC) or date as ISO 8601 text, the same as `_iso` gives, written by the
    database itself so that an export's times need no Python per value."""

    type = String()
    inherit_cache = True


def _is_date(element: iso_text) -> bool:
    value_type = next(iter(element.clauses)).type
    return isinstance(value_type, sa.Date) and not isinstance(value_type, sa.DateTime)


@compiles(iso_text, "sqlite")
def _iso_text_sqlite(element: iso_text, compiler: Any, **kw: Any) -> str:
    # SQLite keeps dates as 'YYYY-MM-DD' already, and times as 'YYYY-MM-DD HH:MM:SS.ffffff'
    # (naive, UTC); isoformat() leaves out microseconds that are zero. NULL stays NULL through ||.
    value = str(compiler.process(element.clauses, **kw))
    if _is_date(element):
        return value
    return (
        f"replace(substr({value}, 1, 19), ' ', 'T') || "
        f"CASE WHEN substr({value}, 20) IN ('', '.000000') THEN '' ELSE substr({value}, 20) END || '+00:00'"
    )


@compiles(iso_text, "postgresql")
def _iso_text_postgresql(element: iso_text, compiler: Any, **kw: Any) -> str:
    value = str(compiler.process(element.clauses, **kw))
    if _is_date(element):
        return f"to_char({value}, 'YYYY-MM-DD')"
    utc = f"({value} AT TIME ZONE 'UTC')"
    return (
        f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN date_trunc('second', {utc}) = {utc} "
        f"THEN '' ELSE to_char({utc}, '.US') END || '+00:00'"
    )


ADVICE_SEPARATOR = "\n---\n"


_HOLDER = table_of(Staff).alias("holder")


_IN_FORCE = table_of(PauseDecision).alias("in_force")


_SUPERSEDED = table_of(PauseDecision).alias("superseded")


def _call_joins() -> Any:
    """The call, its school, its inspection, who holds it, the decision in force (the call's
    latest settled one) and the one that decision superseded."""
    in_force = in_force_id()
    return (
        join(table_of(Concern), table_of(School), col(School.urn) == col(Concern.urn))
        .outerjoin(table_of(Inspection), col(Inspection.id) == col(Concern.inspection_id))
        .outerjoin(_HOLDER, _HOLDER.c.login == col(Concern.claimed_by))
        .outerjoin(_IN_FORCE, _IN_FORCE.c.id == in_force)
        .outerjoin(_SUPERSEDED, _SUPERSEDED.c.id == _IN_FORCE.c.supersedes_id)
    )


def _count_of(model: Any) -> Any:
    return (
        select(func.count()).select_from(table_of(model)).where(model.concern_id == col(Concern.id)).scalar_subquery()
    )


def _call_columns(redact: bool) -> list[Any]:
    """CALL_FIELDS as SQL, in order, less the personal ones when redacted."""
    latest_review = (
        select(col(Review.outcome))
        .where(col(Review.concern_id) == col(Concern.id))
        .order_by(col(Review.id).desc())
        .limit(1)
        .scalar_subquery()
    )
    # every note in the order written (an ordered window: SQLite before 3.44 has no ORDER BY
    # inside an aggregate)
    advice_text = (
        select(
            func.aggregate_strings(col(Advice.text), ADVICE_SEPARATOR).over(order_by=col(Advice.id), rows=(None, None))
        )
        .where(col(Advice.concern_id) == col(Concern.id))
        .limit(1)
        .scalar_subquery()
    )
    columns = {
        "id": col(Concern.id),
        "received_at": iso_text(col(Concern.received_at)),
        "status": col(Concern.status),
        "urgent": col(Concern.urgent),
        "category": col(Concern.category),
        "caller_role": col(Concern.caller_role),
        "urn": col(Concern.urn),
        "school": col(School.name),
        "local_authority": col(School.local_authority),
        "inspection": col(Inspection.reference),
        "remit": col(Inspection.remit),
        "claimed_at": iso_text(col(Concern.claimed_at)),
        "closed_at": iso_text(col(Concern.closed_at)),
        "held_by": col(Concern.claimed_by),
        "region": _HOLDER.c.region,
        "pause_decision": _IN_FORCE.c.decision,
        "pause_decided_at": iso_text(_IN_FORCE.c.decided_at),
        "pause_supersedes": iso_text(_SUPERSEDED.c.decided_at),
        "pause_decisions": _count_of(PauseDecision),
        "pause_working_days": _IN_FORCE.c.working_days,
        "pause_resumes_on": iso_text(_IN_FORCE.c.resumes_on),
        "pause_exceptional": _IN_FORCE.c.exceptional,
        "pause_countersigned": case((_IN_FORCE.c.id.is_(None), None), else_=_IN_FORCE.c.countersigned_by.is_not(None)),
        "contact_attempts": _count_of(ContactAttempt),
        "advice_notes": _count_of(Advice),
        "review_outcome": latest_review,
        "caller_name": col(Concern.caller_name),
        "caller_phone": col(Concern.caller_phone),
        "summary": col(Concern.summary),
        "advice": func.coalesce(advice_text, ""),
        "outcome": col(Concern.outcome),
    }
    assert list(columns) == CALL_FIELDS
    return [value.label(field) for field, value in columns.items() if not (redact and field in PERSONAL_CALL_FIELDS)]


def _received_in(start: dt.date, end: dt.date) -> Any:
    return and_(
        col(Concern.received_at) >= london_midnight(start),
        col(Concern.received_at) < london_midnight(end + dt.timedelta(days=1)),
    )


def call_statement(start: dt.date, end: dt.date, redact: bool, barrier: Any = None) -> Select[Any]:
    """One statement for every record: it walks the received_at index and finds each call's
    decisions, contacts, advice and reviews by their concern_id indexes. `barrier`: the calls
    kept from the exporter (store.acting.tied_to), withheld."""
    statement = select(*_call_columns(redact)).select_from(_call_joins()).where(_received_in(start, end))
    if barrier is not None:
        statement = statement.where(~barrier)
    return statement.order_by(col(Concern.received_at), col(Concern.id))


def withheld_calls(engine: Engine, login: str, start: dt.date, end: dt.date, today: dt.date) -> int:
    """How many calls of the period the information barrier keeps from `login`: withheld from
    their exports (the command line says how many)."""
    with engine.connect() as connection:
        found = connection.scalar(
            select(func.count()).select_from(Concern).where(_received_in(start, end), tied_to(login, today))
        )
    return int(found or 0)


def call_records(
    engine: Engine,
    start: dt.date,
    end: dt.date,
    redact: bool,
    progress: Progress | None = None,
    barrier: Any = None,
) -> Iterator[Sequence[Any]]:
    """One record per call received from `start` to `end` (inclusive, London days), in one pass
    of one statement, streamed in batches (constant memory, linear in calls exported)."""
    with engine.connect() as connection:
        total = connection.scalar(select(func.count()).select_from(Concern).where(_received_in(start, end))) or 0
        done = 0
        batches = connection.execution_options(yield_per=BATCH).execute(call_statement(start, end, redact, barrier))
        for rows in batches.partitions():
            yield from rows
            done += len(rows)
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


def register_record(entry: Any, fields: list[str], personal: set[str], redact: bool) -> Sequence[Any]:
    """A register's entry (a dataclass) as an export's record: dates as ISO text, and, redacted,
    without the personal fields."""
    values = [value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value for value in astuple(entry)]
    if not redact:
        return values
    return [value for name, value in zip(fields, values, strict=True) if name not in personal]


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
    today: dt.date | None = None,
) -> int:
    """The period's calls; those the information barrier keeps from `login` (as of `today`)
    withheld."""
    check_may_export(engine, login)
    barrier = tied_to(login, today) if today is not None else None
    return write_records(
        call_records(engine, start, end, redact, progress, barrier),
        CALL_FIELDS,
        out,
        fmt,
        redact,
        PERSONAL_CALL_FIELDS,
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


def open_export_file(path: Path) -> TextIO:
    """A file to write an export to: made readable and writable by this user alone, like the
    database it comes from (names and phone numbers may be in it), never through a symbolic link;
    one that is there already is emptied and its access for others taken away."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        status = os.fstat(descriptor)
        if status.st_mode & 0o077:
            os.fchmod(descriptor, 0o600)
        return os.fdopen(descriptor, "w", encoding="utf-8", newline="")
    except BaseException:
        os.close(descriptor)
        raise
