"""`helpdesk audit verify` on 100,000, 300,000 and 1,000,000 audit events (target: a nightly run,
well under a minute at a million), beside its floor: reading the same rows with bare SQL and
hashing the same bytes, with no checks. Also times appending one event to a chain of that size.

Run: python bench/audit_verify.py [--db URL] [--sizes 100000,300000,1000000]
(--db: an empty PostgreSQL database to fill; each size is built on it in turn)
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

import benchdb
from helpdesk.domain.audit_chain import GENESIS, event_hash, recorded_moment
from helpdesk.domain.types import EventKind
from helpdesk.store.db.audit import record_event, verify_chain
from helpdesk.store.db.engine import make_engine, sqlite_url, writer
from helpdesk.store.db.schema import upgrade

KINDS = [EventKind.LOGGED, EventKind.VIEWED, EventKind.CLAIMED, EventKind.ADVICE, EventKind.CONTACT]
ACTORS = ["akhan", "bmorgan", "gsingh", "lpark", "rdouglas", "phone-system"]


def fill(engine, count: int) -> None:
    """`count` chained events, written in bulk with the guards in place (as the consoles would)."""
    rng = random.Random(1)
    start = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    previous, recorded = GENESIS, None
    statement = text(
        "INSERT INTO event (id, at, actor, kind, details, prev_hash, hash, recorded_at) "
        "VALUES (:id, :at, :actor, :kind, :details, :prev_hash, :hash, :recorded_at)"
    )
    with engine.begin() as connection:
        for first in range(1, count + 1, 20_000):  # each batch made just before it is written (its time)
            rows = []
            for event_id in range(first, min(first + 20_000, count + 1)):
                at = start + dt.timedelta(seconds=event_id * 30)
                kind = rng.choice(KINDS).value
                details = json.dumps({"advice_id": event_id} if kind == "advice" else {}, sort_keys=True)
                recorded = recorded_moment(dt.datetime.now(dt.UTC), recorded)
                row = {"id": event_id, "at": at, "actor": rng.choice(ACTORS), "kind": kind, "details": details}
                row["hash"] = event_hash(concern_id=None, prev_hash=previous, recorded_at=recorded, **row)
                row |= {"prev_hash": previous, "recorded_at": recorded}
                rows.append(row)
                previous = row["hash"]
            connection.execute(statement, rows)


def floor(engine) -> float:
    """Bare SQL over the same rows and SHA-256 of the same bytes: what any walk must cost."""
    started = time.perf_counter()
    with engine.connect() as connection:
        result = connection.exec_driver_sql(
            "SELECT id, at, actor, kind, concern_id, details, prev_hash, hash FROM event ORDER BY id"
        )
        for row in result:
            hashlib.sha256(repr(row).encode()).hexdigest()
    return time.perf_counter() - started


def append_ms(engine, runs: int = 50) -> float:
    timings = []
    for n in range(runs):
        started = time.perf_counter()
        from sqlmodel import Session

        with Session(writer(engine)) as session, session.begin():
            record_event(session, actor="lpark", kind=EventKind.EXPORTED, at=dt.datetime.now(dt.UTC), run=n)
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


def one_size(url: str, count: int) -> tuple[float, float, float]:
    engine = make_engine(url, create=True)
    upgrade(engine)
    built = time.perf_counter()
    fill(engine, count)
    print(f"  built {count:,} events in {time.perf_counter() - built:.1f} s", flush=True)
    bare = floor(engine)
    started = time.perf_counter()
    report = verify_chain(engine)
    walked = time.perf_counter() - started
    assert report.intact and report.events == count, report
    appended = append_ms(engine)
    assert verify_chain(engine).intact
    engine.dispose()
    return walked, bare, appended


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="an empty PostgreSQL database URL (default: new SQLite files)")
    parser.add_argument("--sizes", default="100000,300000,1000000")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    results = {}
    with tempfile.TemporaryDirectory() as folder:
        for count in sizes:
            if args.db:
                benchdb.empty_postgres(args.db)
            url = args.db or sqlite_url(Path(folder) / f"audit-{count}.sqlite")
            results[count] = one_size(url, count)
            walked, bare, appended = results[count]
            print(
                f"{count:>9,} events on {url.split(':')[0]}: verify {walked:.2f} s "
                f"({count / walked:,.0f} events/s); floor (bare SQL + SHA-256) {bare:.2f} s; "
                f"verify / floor {walked / bare:.2f}x; append one event: median {appended:.2f} ms",
                flush=True,
            )
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        ratio = (results[large][0] / large) / (results[small][0] / small)
        print(f"time per event at {large:,} vs {small:,}: {ratio:.2f}x (1.0 = linear)")
    print("target: a nightly run; well under 60 s at 1,000,000 events")


if __name__ == "__main__":
    main()
