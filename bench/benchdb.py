"""Building benchmark databases quickly: reference samples plus many concerns, inserted in bulk.
With `record=True`, each closed call also gets the record a console would have written: its
advice note, a contact with the responsible body, its pause decision when it had one, a review
for three calls in ten, and the chained audit events of each (logged, claimed, advice, contact,
decision, closed, reviewed), about 5.7 events a call. Each call's events come together, oldest
call first (consoles would interleave the calls of a day; nothing read here depends on it)."""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import time
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlmodel import Session

from helpdesk.clock import as_utc, microseconds_between
from helpdesk.domain.audit_chain import GENESIS, chained, recorded_moment
from helpdesk.domain.types import EventKind
from helpdesk.store.admin.demo import import_samples
from helpdesk.store.admin.demo_marker import mark_as_demo
from helpdesk.store.db.audit import seal_record
from helpdesk.store.db.engine import make_engine, sqlite_url, writer
from helpdesk.store.db.models import Advice, Concern, ContactAttempt, Event, PauseDecision, Review, Staff
from helpdesk.store.db.schema import upgrade

# What the builder makes, by version: part of every cached database's name. Bumped when the
# builder writes something different; a newer schema alone does not need it, since a cached
# database is brought up to the head revision each time it is used (`up_to_date`).
BUILDER_VERSION = "rev0019"
CACHE = Path(os.environ.get("HELPDESK_BENCH_CACHE", Path.home() / ".cache" / "helpdesk-bench"))


def up_to_date(url: str) -> str:
    """A cached database, migrated to the code's schema (nothing to do when it is there); `url`."""
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
    return url


def build(
    url: str,
    waiting: int,
    closed: int,
    racers: int = 0,
    record: bool = False,
    waiting_minutes: tuple[float, float] = (0, 60),
) -> None:
    """Schema, samples, `closed` closed and `waiting` waiting concerns, and `racers` extra seniors
    (racer00, racer01, ...) who are independent of every inspection. Waiting calls were received
    from `waiting_minutes` ago, the first to the second (by default in the last hour)."""
    engine = make_engine(url, create=True)
    upgrade(engine)
    now = dt.datetime.now(dt.UTC)
    import_samples(engine, now, "bench")
    with engine.connect() as connection:
        urns = [row[0] for row in connection.exec_driver_sql("SELECT urn FROM school")]
    rng = random.Random(1)

    def concern(status: str, minutes_ago: float) -> dict:
        urgent = rng.random() < 0.3
        received = now - dt.timedelta(minutes=minutes_ago)
        values = dict(
            received_at=received,
            logged_by="bench",
            caller_name="Sample Caller",
            caller_role="headteacher",
            caller_phone="+441134960000",
            urn=rng.choice(urns),
            category="wellbeing",
            urgent=urgent,
            priority=0 if urgent else 1,
            summary="Benchmark concern",
            status=status,
            closed_at=received + dt.timedelta(hours=1) if status == "closed" else None,
            outcome="Benchmark outcome" if status == "closed" else None,
        )
        return {**values, **handled(received)} if status == "closed" else values

    seniors = ["akhan", "bmorgan", "cobi", "dlewis", "efarah", "gsingh", "hwalsh", "jbrooks", "kmensah"]
    categories = ["wellbeing", "pause_request", "inspector_conduct", "inspection_process", "other"]

    def handled(received: dt.datetime) -> dict:
        """What a closed call keeps for the figures: who held it, its first claim, and for a pause
        request its first decision and the decision in force."""
        category = rng.choices(categories, weights=[3, 3, 2, 2, 1])[0]
        claimed = received + dt.timedelta(seconds=rng.expovariate(1 / 420))
        decided_at = claimed + dt.timedelta(seconds=rng.expovariate(1 / 1800))
        decided = category == "pause_request" and rng.random() < 0.8
        return dict(
            category=category,
            claimed_by=rng.choice(seniors),
            claimed_at=claimed,
            first_claimed_at=claimed,
            claim_wait_us=microseconds_between(received, claimed),
            first_decided_at=decided_at if decided else None,
            decision_wait_us=microseconds_between(received, decided_at) if decided else None,
            decision_in_force=rng.choice(["authorised", "declined"]) if decided else None,
        )

    with Session(writer(engine)) as session, session.begin():
        for start in range(0, closed, 10_000):
            batch = [concern("closed", 60 * 24 + closed - 1 - i) for i in range(start, min(start + 10_000, closed))]
            session.execute(insert(Concern), batch)
        for start in range(0, waiting, 10_000):
            batch = [
                concern("waiting", rng.uniform(*waiting_minutes)) for _ in range(start, min(start + 10_000, waiting))
            ]
            session.execute(insert(Concern), batch)
        if racers:
            session.execute(
                insert(Staff),
                [
                    dict(login=f"racer{n:02d}", name=f"Racer {n:02d}", role="senior", region="Bench", active=True)
                    for n in range(racers)
                ],
            )
    if record:
        add_records(engine, rng)
    with writer(engine).begin() as connection:  # the rows made in bulk, vouched for as the upgrade does
        seal_record(connection, "bench", now)
    if engine.dialect.name == "sqlite":
        mark_as_demo(engine)  # the benchmark's own file: lets it open consoles with --as
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    engine.dispose()


def add_records(engine, rng: random.Random) -> None:
    """The advice, contacts, decisions, reviews and chained events of every closed call."""
    with engine.connect() as connection:
        head = connection.execute(text("SELECT id, hash FROM event ORDER BY id DESC LIMIT 1")).first()
    event_id, previous = (head.id, head.hash) if head else (0, GENESIS)
    calls = (
        select(
            Concern.id,
            Concern.received_at,
            Concern.claimed_at,
            Concern.claimed_by,
            Concern.closed_at,
            Concern.first_decided_at,
            Concern.decision_in_force,
            Concern.urn,
            Concern.category,
        )
        .where(Concern.status == "closed")
        .order_by(Concern.id)
    )
    children = {Advice: [], ContactAttempt: [], PauseDecision: [], Review: []}
    events = []
    recorded: list[dt.datetime | None] = [None]  # the newest event's time of recording

    def event(at, actor, kind, concern_id, **details) -> None:
        nonlocal event_id, previous
        event_id += 1
        row = chained(
            id=event_id,
            at=as_utc(at),
            actor=actor,
            kind=kind.value,
            concern_id=concern_id,
            details=json.dumps(details, sort_keys=True, default=str),
            prev_hash=previous,
            # written now (the insert guard holds it within a minute of the database's clock)
            recorded_at=recorded_moment(dt.datetime.now(dt.UTC), recorded[0]),
        )
        recorded[0] = row.recorded_at
        previous = row.hash
        events.append(row._asdict())

    made = dict.fromkeys(children, 0)  # the tables start empty: ids from 1

    def child(table, **values) -> int:
        made[table] += 1
        children[table].append({"id": made[table], **values})
        return made[table]

    def flush(session) -> None:
        for table, rows in children.items():
            if rows:
                session.execute(insert(table), rows)
                rows.clear()
        if events:
            session.execute(insert(Event), events)
            events.clear()

    with Session(writer(engine)) as session, session.begin():
        for n, call in enumerate(session.execute(calls).all()):
            senior = call.claimed_by
            event(call.received_at, "bench", EventKind.LOGGED, call.id, urn=call.urn, category=call.category)
            if call.closed_at is None:
                continue  # still waiting: logged only
            event(call.claimed_at, senior, EventKind.CLAIMED, call.id)
            advised = call.claimed_at + dt.timedelta(minutes=4)
            event(
                advised,
                senior,
                EventKind.ADVICE,
                call.id,
                corrects=None,
                advice_id=child(Advice, concern_id=call.id, author=senior, at=advised, text="Advised on the process"),
            )
            contacted = advised + dt.timedelta(minutes=2)
            contact = child(
                ContactAttempt,
                concern_id=call.id,
                by=senior,
                at=contacted,
                party="responsible_body",
                contact_name="Trust lead",
                phone="+441134960001",
                channel="phone",
                outcome="reached",
            )
            event(contacted, senior, EventKind.CONTACT, call.id, contact_id=contact, party="responsible_body")
            if call.decision_in_force:
                decision = child(
                    PauseDecision,
                    concern_id=call.id,
                    requested_by="headteacher",
                    grounds="wellbeing",
                    decision=call.decision_in_force,
                    rationale="Benchmark decision",
                    decided_by=senior,
                    decided_at=call.first_decided_at,
                )
                event(
                    call.first_decided_at,
                    senior,
                    EventKind.DECISION,
                    call.id,
                    decision_id=decision,
                    decision=call.decision_in_force,
                )
            event(call.closed_at, senior, EventKind.CLOSED, call.id)
            if rng.random() < 0.3:
                reviewed = call.closed_at + dt.timedelta(days=1)
                outcome = rng.choice(["meets_standard", "meets_standard", "needs_follow_up"])
                review = child(
                    Review, concern_id=call.id, senior=senior, reviewer="lpark", at=reviewed, outcome=outcome
                )
                event(reviewed, "lpark", EventKind.REVIEWED, call.id, review_id=review, outcome=outcome)
            if n % 5_000 == 4_999:
                flush(session)
        flush(session)


def empty_postgres(url: str) -> None:
    """Empty the PostgreSQL database a benchmark was given, before it builds a size."""
    from sqlalchemy import text

    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def latency_line(name: str, latencies: list[float], of: int) -> str:
    """ "name (n of m): p50, p99, max" in milliseconds, or that none arrived."""
    import statistics

    if not latencies:
        return f"{name}: none of {of} arrived"
    return (
        f"{name} ({len(latencies)} of {of}): p50 {statistics.median(latencies):.0f} ms, "
        f"p99 {percentile(latencies, 0.99):.0f} ms, max {max(latencies):.0f} ms"
    )


def cached_postgres(url: str, name: str, fill) -> str:
    """The database `name` on the PostgreSQL server of `url`, filled once by `fill(its url)` and
    kept (named with what it holds and BUILDER_VERSION), migrated to the code's schema; its
    name. A build cut short leaves only `name_building`, made again next time."""
    import time

    from sqlalchemy import create_engine, make_url

    admin = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            if connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                up_to_date(make_url(url).set(database=name).render_as_string(hide_password=False))
                return name
            connection.execute(text(f"DROP DATABASE IF EXISTS {name}_building WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {name}_building"))
        started = time.perf_counter()
        building = make_url(url).set(database=f"{name}_building").render_as_string(hide_password=False)
        fill(building)
        make_engine(building).dispose()
        with admin.connect() as connection:
            connection.execute(text(f"ALTER DATABASE {name}_building RENAME TO {name}"))
        print(f"  built {name} in {time.perf_counter() - started:.0f} s", flush=True)
        return name
    finally:
        admin.dispose()


def cached_sqlite(name: str, fill) -> Path:
    """The SQLite database `name` in the cache folder (HELPDESK_BENCH_CACHE, default
    ~/.cache/helpdesk-bench), filled once by `fill(its url)` and kept (named with
    BUILDER_VERSION), migrated to the code's schema on use. A build cut short leaves only
    `name.building`, made again next time. Work on a copy if the bench writes."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}-{BUILDER_VERSION}.sqlite"
    if not path.exists():
        building = path.with_suffix(".building")
        for leftover in building.parent.glob(building.name + "*"):
            leftover.unlink()
        started = time.perf_counter()
        fill(sqlite_url(building))
        make_engine(sqlite_url(building)).dispose()  # (its -wal folded in)
        building.rename(path)
        print(f"  built {name} in {time.perf_counter() - started:.0f} s", flush=True)
    up_to_date(sqlite_url(path))
    return path


def cached_with_records(calls: int) -> Path:
    """A SQLite database of `calls` closed calls with their records (see cached_sqlite)."""
    return cached_sqlite(f"backup-{calls}", lambda url: build(url, waiting=0, closed=calls, record=True))
