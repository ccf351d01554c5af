"""`helpdesk audit verify` over calls with their whole record (advice, a contact, a decision, a
review for three in ten, and their chained events, as bench/benchdb.py builds them), now that it
holds every row of the record to the digest its latest event carries; beside its floor: bare SQL
reading the same events and the same rows of the record, and SHA-256 over each, with no checks,
in one process (verify uses two on a long trail: the record is checked beside the chain's walk).
Target: within 2x the floor, and under 60 s at a million calls. SQLite databases are built once
per size and kept (benchdb.cached_with_records).

Run: python bench/record_verify.py [--db URL] [--sizes 10000,100000]
(--db: an empty PostgreSQL database, emptied and filled for each size; default: new SQLite files)
"""

from __future__ import annotations

import argparse
import hashlib
import time

import benchdb
from helpdesk.store.db.audit import verify_chain
from helpdesk.store.db.engine import make_engine, sqlite_url
from helpdesk.store.db.seals import RECORD_TABLES


def floor(engine) -> tuple[float, int]:
    """Read every event and every row of the record with bare SQL and hash each: what any check of
    them must cost. (seconds, rows of the record)"""
    started, rows = time.perf_counter(), 0
    with engine.connect() as connection:
        for row in connection.exec_driver_sql("SELECT * FROM event ORDER BY id"):
            hashlib.sha256(repr(tuple(row)).encode()).hexdigest()
        for name in RECORD_TABLES:
            for row in connection.exec_driver_sql(f"SELECT * FROM {name}"):
                hashlib.sha256(repr(tuple(row)).encode()).hexdigest()
                rows += 1
    return time.perf_counter() - started, rows


def one_size(url: str, calls: int) -> None:
    engine = make_engine(url)
    bare, rows = floor(engine)
    started = time.perf_counter()
    report = verify_chain(engine)
    walked = time.perf_counter() - started
    bare_again, _ = floor(engine)  # the floor on either side of the measured run: the host is noisy
    least = min(bare, bare_again)
    problems = report.record.total if report.record else "?"
    print(
        f"{calls:>9,} calls  {report.events:>9,} events  {rows:>9,} rows  verify {walked:6.1f} s  "
        f"floor {least:6.1f} s  ({walked / least:.2f}x)  record problems: {problems}  "
        f"chain {'intact' if report.broken is None else 'BROKEN'}",
        flush=True,
    )
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="an empty PostgreSQL database URL (default: new SQLite files)")
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    for size in (int(s) for s in args.sizes.split(",")):
        if args.db:
            benchdb.empty_postgres(args.db)
            built = time.perf_counter()
            benchdb.build(args.db, waiting=0, closed=size, record=True)
            print(
                f"  built {size:,} closed calls with their records in {time.perf_counter() - built:.0f} s", flush=True
            )
            one_size(args.db, size)
        else:  # (verify only reads: the cached database itself)
            one_size(sqlite_url(benchdb.cached_with_records(size)), size)


if __name__ == "__main__":
    main()
