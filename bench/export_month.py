"""A month's CSV export (about 43,000 calls) from 100,000 and from 300,000 closed calls: its time
should follow the calls exported, not the table's size, and keep at least 0.7x the rows per
second of its floor. Two floors, each written with the csv module straight from the driver:
the export's own statement (bare SQL doing the same work: every call with its school,
inspection, decisions, contacts, advice and reviews), and a plain dump of the calls alone
joined to their school (less work than the export: no other table is read). Every closed call
has its whole record (advice, contact, decision, review and their audit events). Each figure
is the median of three runs, taken in turn.

Run: python bench/export_month.py [--db URL] [--sizes 100000,300000]
(--db: an empty PostgreSQL database, rebuilt for each size)
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import statistics
import tempfile
import time
import tracemalloc
from pathlib import Path

from sqlalchemy import text

import benchdb
from helpdesk.store.admin import export
from helpdesk.store.db.engine import make_engine, sqlite_url


def plain_dump(engine, start: dt.date, end: dt.date) -> int:
    """The floor: the same calls by received time, joined to their school, straight to CSV."""
    from helpdesk.store.queries.review import london_midnight

    out = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    writer = csv.writer(out)
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT c.*, s.name, s.local_authority FROM concern c JOIN school s ON s.urn = c.urn "
                "WHERE c.received_at >= :start AND c.received_at < :end ORDER BY c.received_at, c.id"
            ),
            {"start": london_midnight(start), "end": london_midnight(end + dt.timedelta(days=1))},
        )
        count = 0
        for row in rows:
            writer.writerow(row)
            count += 1
    out.close()
    return count


def same_work_dump(engine, start: dt.date, end: dt.date) -> int:
    """The floor doing the same work: the export's own statement, run by the driver itself."""
    statement = export.call_statement(start, end, redact=False)
    sql = str(statement.compile(engine, compile_kwargs={"literal_binds": True}))
    out = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    writer = csv.writer(out)
    with engine.connect() as connection:
        count = 0
        for row in connection.exec_driver_sql(sql):
            writer.writerow(row)
            count += 1
    out.close()
    return count


def export_to_nowhere(engine, start: dt.date, end: dt.date) -> int:
    with open(os.devnull, "w", encoding="utf-8") as sink:
        return export.export_calls(engine, "lpark", start, end, "csv", False, sink)


def timed(runs: dict[str, list[float]], name: str, work, *args) -> int:
    started = time.perf_counter()
    rows = work(*args)
    runs.setdefault(name, []).append(time.perf_counter() - started)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="an empty database URL to fill (default: new SQLite files)")
    parser.add_argument("--sizes", default="100000,300000")
    args = parser.parse_args()
    end = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=2)
    start = end - dt.timedelta(days=29)
    for size in (int(n) for n in args.sizes.split(",")):
        with tempfile.TemporaryDirectory() as folder:
            if args.db:
                benchdb.empty_postgres(args.db)
            url = args.db or sqlite_url(Path(folder) / f"export-{size}.sqlite")
            benchdb.build(url, waiting=0, closed=size, record=True)
            engine = make_engine(url)
            runs: dict[str, list[float]] = {}
            for _ in range(3):
                floor_rows = timed(runs, "calls alone", plain_dump, engine, start, end)
                same_rows = timed(runs, "same work", same_work_dump, engine, start, end)
                rows = timed(runs, "export", export_to_nowhere, engine, start, end)
            tracemalloc.start()  # a further run for memory alone (tracing slows it several times)
            export_to_nowhere(engine, start, end)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            engine.dispose()
        assert rows == floor_rows == same_rows, (rows, floor_rows, same_rows)
        took, same, alone = (statistics.median(runs[name]) for name in ("export", "same work", "calls alone"))
        print(
            f"{size:>7,} closed calls on {url.split(':')[0]}: a month's export, {rows:,} calls, {took:.2f} s "
            f"({rows / took:,.0f} calls/s), memory peak {peak / 1e6:.1f} MB; floors: the same statement by the "
            f"driver {same:.2f} s, {same / took:.2f}x; the calls alone {alone:.2f} s, {alone / took:.2f}x "
            "(target >= 0.7x)"
        )


if __name__ == "__main__":
    main()
