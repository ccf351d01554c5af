"""Purge beside claims: the retention purge of N old, reviewed closed calls while 10 processes
keep claiming from the queue. Prints how long each of the purge's write transactions held the
write lock (target: never more than 100 ms), and the claims made meanwhile (target: no errors;
their latency beside the purge).

The calls are made old for the benchmark with plain SQL (closing dates moved back seven years,
a review added to each), as no command can back-date a call.

Run: python bench/purge.py [--calls 250000] [--claimers 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import tempfile
import threading
import time
from pathlib import Path

from claims import claimer

import benchdb

ADMIN = "wcole"  # an admin of the shipped samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=250_000)
    parser.add_argument("--claimers", type=int, default=10)
    args = parser.parse_args()
    from sqlalchemy import event

    from helpdesk.domain.policy import load_policy
    from helpdesk.domain.review import earliest_purge_date
    from helpdesk.shipped import shipped_file
    from helpdesk.store.commands.purging import plan_purge, purge
    from helpdesk.store.db.engine import make_engine, sqlite_url

    policy = load_policy(shipped_file("policy.toml"))
    with tempfile.TemporaryDirectory() as folder:
        url = sqlite_url(Path(folder) / "purge.sqlite")
        benchdb.build(url, waiting=20_000, closed=args.calls, racers=args.claimers)
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "UPDATE concern SET closed_at = strftime('%Y-%m-%d %H:%M:%f', closed_at, '-7 years') "
                "WHERE status = 'closed'"
            )
            connection.exec_driver_sql(
                "INSERT INTO review (concern_id, senior, reviewer, at, outcome, feedback) "
                "SELECT id, claimed_by, 'lpark', closed_at, 'meets_standard', '' FROM concern WHERE status = 'closed'"
            )
            ids = [row[0] for row in connection.exec_driver_sql("SELECT id FROM concern WHERE status = 'waiting'")]
        now = dt.datetime.now(dt.UTC)
        closed_before = earliest_purge_date(now.date(), policy.retention_min_years)
        eligible = plan_purge(engine, closed_before).calls

        held: list[float] = []  # each write transaction of the purge, BEGIN to COMMIT, in ms
        began: dict[int, float] = {}

        @event.listens_for(engine, "begin")
        def _begun(connection) -> None:
            began[id(connection)] = time.perf_counter()

        @event.listens_for(engine, "commit")
        def _committed(connection) -> None:
            if (start := began.pop(id(connection), None)) is not None:
                held.append((time.perf_counter() - start) * 1000)

        context = multiprocessing.get_context("spawn")
        ready, start, results = context.Queue(), context.Event(), context.Queue()
        purged: list[float] = []

        def run_purge() -> None:
            started = time.perf_counter()
            purge(engine, closed_before, ADMIN, policy, now)
            purged.append(time.perf_counter() - started)

        # the claimers race for a window the purge should end within; it starts when they do
        seconds = max(10.0, args.calls / 5_000)
        processes = [
            context.Process(target=claimer, args=(url, f"racer{n:02d}", ids, ready, start, seconds, results))
            for n in range(args.claimers)
        ]
        for process in processes:
            process.start()
        for _ in processes:
            ready.get(timeout=120)
        start.set()
        purging = threading.Thread(target=run_purge)
        purging.start()
        purging.join()
        reports = [results.get(timeout=seconds + 120) for _ in processes]
        for process in processes:
            process.join()
        engine.dispose()
    won = sum(r[0] for r in reports)
    errors = sum(r[1] for r in reports)
    latencies = [latency for r in reports for latency in r[2]]
    print(
        f"purge of {eligible:,} calls beside {args.claimers} claiming processes: {purged[0]:.1f} s, "
        f"{len(held)} write transactions; each held the write lock p50 {benchdb.percentile(held, 0.5):.1f} ms, "
        f"p99 {benchdb.percentile(held, 0.99):.1f} ms, longest {max(held):.1f} ms (target <= 100 ms)"
    )
    print(
        f"claims over {seconds:.0f} s (the purge ran for the first {purged[0]:.0f}): {won} won "
        f"({won / seconds:.0f}/s), {errors} errors (target 0); latency p50 "
        f"{benchdb.percentile(latencies, 0.5):.1f} ms, p99 {benchdb.percentile(latencies, 0.99):.1f} ms"
    )


if __name__ == "__main__":
    main()
