"""Writing the audit trail (one event per change, in the change's own transaction) as a hash
chain, and walking the chain to show it is intact (`helpdesk audit verify`)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import Connection, Engine, Insert, Select, String, bindparam, exists, func, insert, select, type_coerce
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col

from helpdesk.clock import as_utc
from helpdesk.domain.audit_chain import (
    GENESIS,
    Anchor,
    Break,
    ChainedEvent,
    EventTexts,
    chained,
    link_problem,
    recorded_moment,
    utc_text,
)
from helpdesk.domain.types import EventKind
from helpdesk.store.db.beside import record_checked_beside
from helpdesk.store.db.engine import is_sqlite, sqlite_file
from helpdesk.store.db.models import Concern, Event
from helpdesk.store.db.seals import (
    RECORD_TABLES,
    RecordReport,
    Touched,
    before_later_columns_now,
    check_record,
    digests,
    record_mentions,
    take_touched,
    time_text,
)
from helpdesk.store.db.story import StoryReport, check_stories

if TYPE_CHECKING:
    import psycopg

# What an event's details may hold, by key. Codes, ids, counts and dates stay in a redacted
# export; logins (a reassignment's new holder, the first admin) do not, nor does any key not
# listed here (a test checks every key the commands write is one or the other).
CODE_DETAILS = frozenset(
    {
        "added", "advice_id", "alert_id", "alerts", "attempt", "level", "message_id", "more", "reason", "results", "retry_at", "calls", "category", "channel", "closed_before", "contact_id", "corrects",
        "decision", "decision_id", "due_at", "end", "events", "escalation_id", "exceptional", "follow_up_id", "follow_up_kind", "follow_ups", "handover_id", "inspection_id", "interrupted", "link_kind", "linked_id", "minutes_over", "notification_id", "on_call_id",
        "outcome", "party", "policy_version", "recorded", "records", "redacted", "restored", "resumes_on", "review_id", "reviews", "risk_id", "risk_step_id", "safety", "at_risk", "contact",
        "skipped", "start", "subject", "superseded_follow_up", "supersedes", "told", "updated", "urgent", "urn", "what", "working_days",
    }
)  # fmt: skip
LOGIN_DETAILS = frozenset({"to", "login", "owner"})
# the digests of the rows the event created or changed (see db/seals.py): not in a redacted export
SEAL_DETAILS = frozenset({"rows"})


def redacted_details(details: str) -> str:
    """An event's details with only the codes, ids, counts and dates kept."""
    try:
        values = json.loads(details)
    except ValueError:
        return "{}"
    if not isinstance(values, dict):
        return "{}"
    return json.dumps({key: value for key, value in values.items() if key in CODE_DETAILS}, sort_keys=True)


# PostgreSQL: writers of events queue on this transaction-scoped advisory lock, so that each
# reads the head the previous one committed (SQLite's BEGIN IMMEDIATE already orders writers).
CHAIN_LOCK = 0x68656C70  # "help"


def record_event(
    session: Session | Connection,
    *,
    actor: str,
    kind: EventKind,
    at: dt.datetime,
    concern_id: int | None = None,
    rows: Touched | None = None,
    **details: object,
) -> None:
    """Add one audit event, chained to the newest. Details hold ids and codes only, never names,
    numbers or free text. Call it last in the transaction: on PostgreSQL it holds the chain's
    lock until commit."""
    connection = session if isinstance(session, Connection) else session.connection()
    _seal(session, connection, rows, details)
    event = _next_event(_head(connection), actor=actor, kind=kind, at=at, concern_id=concern_id, details=details)
    values = event._asdict()
    if event.recorded_at is None:  # (revision 0013's seals: no such column yet)
        del values["recorded_at"]
    connection.execute(_insert_event(), values)


def _seal(
    session: Session | Connection, connection: Connection, rows: Touched | None, details: dict[str, object]
) -> None:
    """Put in the event's details the digest of every row of the record this transaction created,
    changed or removed: those the session's flushes noticed, and `rows` (changed in bulk)."""
    if isinstance(session, Session):
        session.flush()
    touched = take_touched(session) if isinstance(session, Session) else {}
    for table, keys in (rows or {}).items():
        touched.setdefault(table, set()).update(keys)
    if touched:
        details["rows"] = digests(connection, touched)


def record_event_and_commit(
    connection: Connection,
    *,
    actor: str,
    kind: EventKind,
    at: dt.datetime,
    concern_id: int | None = None,
    rows: Touched | None = None,
    **details: object,
) -> None:
    """`record_event`, then commit the connection's transaction. On PostgreSQL the INSERT and the
    COMMIT go to the server together, so the chain's lock is held across a single exchange with
    this process (its head, read under the lock, for the hash) instead of three: on a busy host
    every exchange waits for the process to be scheduled again, and every other writer waits
    behind the lock."""
    if connection.dialect.name != "postgresql":
        record_event(connection, actor=actor, kind=kind, at=at, concern_id=concern_id, rows=rows, **details)
        connection.commit()
        return
    _seal(connection, connection, rows, details)
    event = _next_event(_head(connection), actor=actor, kind=kind, at=at, concern_id=concern_id, details=details)
    insert_sql = _insert_event().compile(dialect=connection.dialect, column_keys=list(ChainedEvent._fields))
    with _pipeline(connection) as psycopg:
        psycopg.execute(str(insert_sql), event._asdict())
        psycopg.commit()
    connection.commit()  # the transaction is over already: this only closes it for SQLAlchemy


def _head(connection: Connection) -> ChainedHead:
    """The chain's head, and the clock's time to record the next event by. On PostgreSQL, read
    after taking the chain's lock (its own statement, so it sees what the previous holder
    committed), both sent in one exchange with the server, whose clock it is (the insert guard
    holds a new event's time to it). On SQLite, this host's clock: the file is on it."""
    if before_later_columns_now():  # (revision 0013's seals: the events have no time of recording yet)
        old = connection.execute(select(col(Event.id), col(Event.hash)).order_by(col(Event.id).desc()).limit(1)).first()
        return ChainedHead(old.id or 0, old.hash, None, None) if old else ChainedHead(0, GENESIS, None, None)
    if connection.dialect.name != "postgresql":
        row = connection.execute(_newest()).first()
        now = dt.datetime.now(dt.UTC)
        return ChainedHead(row.id, row.hash, row.recorded_at, now) if row else ChainedHead(0, GENESIS, None, now)
    with _pipeline(connection) as psycopg:
        psycopg.execute("SELECT pg_advisory_xact_lock(%(key)s)", {"key": CHAIN_LOCK})
        cursor = psycopg.execute(NEWEST_WITH_THE_CLOCK)
    row = cursor.fetchone()
    assert row is not None  # (one row, the clock's, even with no event)
    return ChainedHead(row[0] or 0, row[1] or GENESIS, row[2], row[3])


# PostgreSQL: the head, and the server's clock, in one row even before the first event
NEWEST_WITH_THE_CLOCK = (
    "SELECT newest.id, newest.hash, newest.recorded_at, clock_timestamp() FROM (SELECT 1) AS one "
    "LEFT JOIN (SELECT id, hash, recorded_at FROM event ORDER BY id DESC LIMIT 1) AS newest ON true"
)


@contextmanager
def _pipeline(connection: Connection) -> Iterator[psycopg.Connection[Any]]:
    """The psycopg connection under SQLAlchemy's, its statements sent to the server together
    when the block ends; its errors raised as SQLAlchemy's, as every other statement's are."""
    import psycopg  # installed with PostgreSQL support only

    driver = connection.connection.driver_connection
    assert isinstance(driver, psycopg.Connection)
    try:
        with driver.pipeline():
            yield driver
    except psycopg.Error as error:
        raise DBAPIError.instance(None, None, error, psycopg.Error, dialect=connection.dialect) from error


class ChainedHead(NamedTuple):
    id: int  # 0 and GENESIS before the first event
    hash: str
    recorded_at: dt.datetime | None  # None: before the first event, or one written before revision 0021
    now: dt.datetime | None  # the clock's time, read with the head (None: events have no such time yet)


def _next_event(
    head: ChainedHead,
    *,
    actor: str,
    kind: EventKind,
    at: dt.datetime,
    concern_id: int | None,
    details: dict[str, object],
) -> ChainedEvent:
    return chained(
        id=head.id + 1,
        at=as_utc(at),
        actor=actor,
        kind=kind.value,
        concern_id=concern_id,
        details=json.dumps(details, sort_keys=True, default=str),
        prev_hash=head.hash,
        recorded_at=None if head.now is None else recorded_moment(head.now, head.recorded_at),
    )


ROWS_A_SEAL = 1000  # rows one "sealed" event vouches for


def seal_record(connection: Connection, actor: str, at: dt.datetime) -> int:
    """Vouch, in "sealed" events of a thousand rows each, for every row of the record as it stands
    (the upgrade that bound the record to the trail runs it once, for the rows already there). The
    number of rows sealed."""
    sealed = 0
    for name, table in RECORD_TABLES.items():
        if not sa_inspect(connection).has_table(name):  # a table a later upgrade adds: nothing to seal
            continue
        primary = list(table.primary_key.columns)
        keys = [tuple(row) for row in connection.execute(select(*primary).order_by(*primary))]
        for start in range(0, len(keys), ROWS_A_SEAL):
            chunk = set(keys[start : start + ROWS_A_SEAL])
            record_event(connection, actor=actor, kind=EventKind.SEALED, at=at, rows={name: chunk})
            sealed += len(chunk)
    return sealed


# --- verifying -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainReport:
    """What `verify` found: how many events it walked, the head, and the first break if any."""

    events: int
    head: Anchor | None
    broken: Break | None = None
    record: RecordReport | None = None  # the record's rows against their events' digests
    story: StoryReport | None = None  # each call's row against the story its events tell

    @property
    def intact(self) -> bool:
        return (
            self.broken is None
            and (self.record is None or self.record.total == 0)
            and (self.story is None or self.story.total == 0)
        )


BATCH = 5000


def chained_events(connection: Connection, after_id: int = 0) -> Iterator[EventTexts]:
    """Every event from `after_id` on, oldest first, its times in the chain's UTC text, read in
    batches (constant memory). SQLite's times are taken from the text the file keeps."""
    as_stored = connection.dialect.name == "sqlite"
    statement, parse = _chained_events(as_stored), _time_parser(connection) if as_stored else None
    while True:
        rows = connection.execute(statement, {"after": after_id}).all()
        for id, at, actor, kind, concern_id, details, prev_hash, hash, recorded_at in rows:
            yield EventTexts(
                id, _chain_text(at, parse), actor, kind, concern_id, details, prev_hash, hash,
                None if recorded_at is None else _chain_text(recorded_at, parse),
            )  # fmt: skip
        if len(rows) < BATCH:
            return
        after_id = rows[-1].id


@cache
def _chained_events(as_stored: bool) -> Select[Any]:
    times = {"at", "recorded_at"} if as_stored else set()
    columns = [  # in the tuple's order
        type_coerce(col(getattr(Event, f)), String).label(f) if f in times else col(getattr(Event, f))
        for f in ChainedEvent._fields
    ]
    return select(*columns).where(col(Event.id) > bindparam("after")).order_by(col(Event.id)).limit(BATCH)


def _time_parser(connection: Connection) -> Any:
    dialect = connection.dialect
    return Event.__table__.c.at.type.dialect_impl(dialect).result_processor(dialect, None)  # type: ignore[attr-defined]


def _chain_text(value: Any, parse: Any) -> str:
    moment = time_text(value, parse) if type(value) is str else value
    return moment if isinstance(moment, str) else utc_text(moment)


BESIDE_FROM = 50_000  # events: from a trail this long, the record is checked in a second process


def verify_chain(
    engine: Engine,
    anchors: tuple[Anchor, ...] = (),
    progress: Callable[[int], None] | None = None,
    beside: bool | None = None,
) -> ChainReport:
    """Walk the whole chain; stop at the first event that was changed, removed or inserted out
    of order, or that no longer has the hash an anchor kept off the host says it had; hold every
    row of the record to the digest its latest event carries, and every call to its story.
    Everything is read as one moment of the database: what the helpline writes meanwhile is for
    the next run, never taken for rows or calls no event accounts for. On a long trail (or if
    `beside`), the record is checked by a second process reading the same moment."""
    in_memory = is_sqlite(str(engine.url)) and sqlite_file(str(engine.url)) is None  # no second process sees it
    beside = not in_memory and (_trail_length(engine) >= BESIDE_FROM if beside is None else beside)
    with one_moment(engine) as connection:
        with record_checked_beside(engine, connection) if beside else nullcontext() as checked_beside:
            record = None if beside else check_record(connection, record_mentions(connection))
            walk = _Walk({anchor.event_id: anchor.hash for anchor in anchors}, progress)
            walk.through(connection)
            story = check_stories(connection) if walk.broken is None else None
            if checked_beside is not None and walk.broken is None:
                record = checked_beside()
        orphan = _call_without_its_logging(connection) if walk.broken is None and not walk.expected else None
    if walk.broken is not None:
        return ChainReport(walk.count, _anchor(walk.previous), walk.broken)
    if walk.expected:  # an anchored event is gone: a copy made before it, or the trail cut back
        missing, newest = min(walk.expected), max(walk.expected)
        last = walk.previous.id if walk.previous else 0
        lost = f"; the trail ends at event {last}, at least {newest - last:,} event(s) short of the newest anchor"
        return ChainReport(
            walk.count,
            _anchor(walk.previous),
            Break(
                missing,
                None,
                "this event, kept off the host as an anchor, is no longer in the trail (a copy made before it, "
                f"or events removed){lost if newest > last else ''}",
            ),
        )
    if orphan:  # the trail emptied or swapped (a renamed table)
        calls, first_id, received = orphan
        return ChainReport(
            walk.count,
            _anchor(walk.previous),
            Break(
                None,
                as_utc(received) if received else None,
                f"{calls} call(s) on record have no 'logged' event in the trail (the first: call {first_id}): "
                "their events were removed",
            ),
        )
    return ChainReport(walk.count, _anchor(walk.previous), record=record, story=story)


@dataclass
class _Walk:
    """One walk along the chain: how far it got, and where it broke."""

    expected: dict[int, str]  # anchors not yet met: event id, hash
    progress: Callable[[int], None] | None
    previous: EventTexts | None = None
    count: int = 0
    broken: Break | None = None

    def through(self, connection: Connection) -> None:
        """Check each event against the one before it, oldest first, stopping at the first break."""
        for event in chained_events(connection):
            problem = link_problem(event, self.previous)
            if problem is None and event.id in self.expected and self.expected.pop(event.id) != event.hash:
                problem = "its hash is not the one kept off the host: the trail up to it was rewritten"
            if problem:
                self.broken = Break(event.id, dt.datetime.fromisoformat(event.at), problem)
                return
            self.previous, self.count = event, self.count + 1
            if self.progress and self.count % BATCH == 0:
                self.progress(self.count)


def _trail_length(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.max(col(Event.id)))) or 0)


def _call_without_its_logging(connection: Connection) -> tuple[int, int, dt.datetime | None] | None:
    """How many calls have no 'logged' event, the first of them and when it was received."""
    logged = exists().where(col(Event.concern_id) == col(Concern.id), col(Event.kind) == EventKind.LOGGED)
    calls, first = connection.execute(
        select(func.count(), func.min(col(Concern.id))).select_from(Concern).where(~logged)
    ).one()
    if not calls or first is None:
        return None
    received = connection.scalar(select(col(Concern.received_at)).where(col(Concern.id) == first))
    return int(calls), int(first), received


@contextmanager
def one_moment(engine: Engine) -> Iterator[Connection]:
    """A connection whose reads all see the database as it stood at the first of them: SQLite's
    transaction (its snapshot is taken at the first read); PostgreSQL's REPEATABLE READ."""
    options = {} if engine.dialect.name == "sqlite" else {"isolation_level": "REPEATABLE READ"}
    with engine.connect().execution_options(**options) as connection, connection.begin():
        yield connection


def chain_head(engine: Engine) -> Anchor | None:
    """The newest event's id and hash: the anchor a supervisor keeps off the host."""
    with engine.connect() as connection:
        head = connection.execute(_newest()).first()
    return Anchor(head.id, head.hash) if head else None


@cache
def _insert_event() -> Insert:
    """One event's INSERT, built once (its values are the parameters of each)."""
    return insert(Event)


@cache
def _newest() -> Select[int | None, str, dt.datetime | None]:
    """The newest event's id, hash and time of recording: the chain's head (built once: every
    command reads it)."""
    return select(col(Event.id), col(Event.hash), col(Event.recorded_at)).order_by(col(Event.id).desc()).limit(1)


def _anchor(event: EventTexts | None) -> Anchor | None:
    return Anchor(event.id, event.hash) if event else None
