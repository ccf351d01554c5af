"""The statistics screen's figures for a month and for a year, from 100,000, 300,000 and
1,000,000 closed calls (targets: a month within 100 ms, a year within 250 ms), beside a floor:
one bare SQL count of the period's calls by category on the same index. Every closed call has
its whole record (advice, contact, decision, review and their audit events: benchdb.py).
The first read of a
period reads its calls and keeps the settled days (timed apart); the median is of the reads after.

Run: python bench/figures.py [--db URL] [--sizes 100000,300000,1000000] [--runs 5]
(--db: an empty PostgreSQL database, rebuilt for each size)
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

import benchdb
from helpdesk.domain.policy import load_policy
from helpdesk.shipped import shipped_file
from helpdesk.store.db.engine import make_engine, sqlite_url
from helpdesk.store.queries import statistics as figures_module
from helpdesk.store.queries.review import london_midnight


def floor_ms(engine, start: dt.date, end: dt.date) -> float:
    started = time.perf_counter()
    with engine.connect() as connection:
        connection.execute(
            text(
                "SELECT category, count(*) FROM concern WHERE received_at >= :low AND received_at < :high "
                "GROUP BY category"
            ),
            {"low": london_midnight(start), "high": london_midnight(end + dt.timedelta(days=1))},
        ).all()
    return (time.perf_counter() - started) * 1000


def forget(engine) -> None:
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM settled_day"))


def timed_ms(engine, start: dt.date, end: dt.date, policy) -> tuple[float, int]:
    started = time.perf_counter()
    found = figures_module.figures(engine, "lpark", start, end, policy, dt.datetime.now(dt.UTC))
    return (time.perf_counter() - started) * 1000, found.calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="an empty PostgreSQL database URL (default: new SQLite files)")
    parser.add_argument("--sizes", default="100000,300000,1000000")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    policy = load_policy(shipped_file("policy.toml"))
    end = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    periods = {"month": end - dt.timedelta(days=29), "year": end - dt.timedelta(days=364)}
    medians: dict[str, dict[int, float]] = {name: {} for name in periods}
    with tempfile.TemporaryDirectory() as folder:
        for size in (int(n) for n in args.sizes.split(",")):
            if args.db:
                benchdb.empty_postgres(args.db)
            url = args.db or sqlite_url(Path(folder) / f"figures-{size}.sqlite")
            benchdb.build(url, waiting=0, closed=size, record=True)
            engine = make_engine(url)
            for name, start in periods.items():
                forget(engine)
                first = timed_ms(engine, start, end, policy)[0]  # reads every day's calls, keeps the days
                runs = [timed_ms(engine, start, end, policy) for _ in range(args.runs)]
                floors = [floor_ms(engine, start, end) for _ in range(args.runs)]
                took, calls = statistics.median(r[0] for r in runs), runs[0][1]
                floor = statistics.median(floors)
                target = 100 if name == "month" else 250
                medians[name][size] = took
                print(
                    f"{size:>9,} closed on {url.split(':')[0]}: a {name} ({calls:,} calls) {took:,.0f} ms "
                    f"(target {target} ms); floor, one count by category: {floor:,.0f} ms; "
                    f"the first read, which reads every call and keeps the settled days: {first:,.0f} ms",
                    flush=True,
                )
            engine.dispose()
    for name, by_size in medians.items():
        smallest, largest = min(by_size), max(by_size)
        if smallest != largest:
            print(
                f"a {name}: {by_size[largest] / by_size[smallest]:.2f}x the time at {largest:,} closed calls "
                f"as at {smallest:,} ({largest / smallest:.0f}x the calls)"
            )


if __name__ == "__main__":
    main()
