"""Claims: 30 processes claim from a shared queue for a fixed time; successful claims per second
and the claim latency (every attempt, won or refused). `--cpu-hogs N` runs N busy loops beside
them (a loaded host: load average 10 and more on two cores); `--floor` runs the same race with a
bare conditional UPDATE and no audit event, checks or retries, for comparison.

Run: python bench/claims.py [--db URL] [--processes 30] [--seconds 10] [--cpu-hogs 10] [--floor] [--waiting N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing
import os
import random
import tempfile
import time
from pathlib import Path

import benchdb


def race(login: str, ids: list[int], ready, start, seconds: float, results, attempt) -> None:
    """Try `attempt(concern_id)` (1 if won, 0 or Refused if not) on random calls until time is up."""
    from helpdesk.domain.refusals import Refused

    rng = random.Random(login)
    latencies, won, errors = [], 0, 0
    ready.put(login)
    start.wait()
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        concern_id = rng.choice(ids)
        began = time.perf_counter()
        try:
            won += attempt(concern_id)
        except Refused:
            pass
        except Exception:  # noqa: BLE001 - counted: "database is locked" and the like
            errors += 1
        latencies.append((time.perf_counter() - began) * 1000)
    results.put((won, errors, latencies))


def claimer(url: str, login: str, ids: list[int], ready, start, seconds: float, results) -> None:
    from helpdesk.store.commands.taking import claim
    from helpdesk.store.db.engine import make_engine

    engine = make_engine(url)

    def attempt(concern_id: int) -> int:
        claim(engine, concern_id, login, dt.datetime.now(dt.UTC))
        return 1

    race(login, ids, ready, start, seconds, results, attempt)


def bare_claimer(url: str, login: str, ids: list[int], ready, start, seconds: float, results) -> None:
    """The floor: one conditional UPDATE in its own write transaction, nothing else."""
    from sqlalchemy import text

    from helpdesk.store.db.engine import make_engine, writer

    engine = writer(make_engine(url))
    update = text("UPDATE concern SET status = 'claimed', claimed_by = :login WHERE id = :id AND status = 'waiting'")

    def attempt(concern_id: int) -> int:
        with engine.begin() as connection:
            return connection.execute(update, {"login": login, "id": concern_id}).rowcount

    race(login, ids, ready, start, seconds, results, attempt)


def hog(stop) -> None:
    while not stop.is_set():
        sum(range(10_000))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="an empty database URL to fill (default: a new SQLite file)")
    parser.add_argument("--processes", type=int, default=30)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--cpu-hogs", type=int, default=0, help="busy loops running beside the claimers")
    parser.add_argument("--floor", action="store_true", help="bare conditional UPDATEs instead of claims")
    parser.add_argument(
        "--waiting", type=int, help="calls in the queue (default: 2,000 for each second, more than the floor claims)"
    )
    args = parser.parse_args()
    from helpdesk.store.db.engine import make_engine, sqlite_url

    with tempfile.TemporaryDirectory() as folder:
        url = args.db or sqlite_url(Path(folder) / "claims.sqlite")
        if args.db:  # each run starts from an empty database
            benchdb.empty_postgres(args.db)
        benchdb.build(url, waiting=args.waiting or int(2_000 * args.seconds), closed=0, racers=args.processes)
        with make_engine(url).connect() as connection:
            ids = [row[0] for row in connection.exec_driver_sql("SELECT id FROM concern WHERE status = 'waiting'")]
        context = multiprocessing.get_context("spawn")
        ready, start, results = context.Queue(), context.Event(), context.Queue()
        target = bare_claimer if args.floor else claimer
        processes = [
            context.Process(target=target, args=(url, f"racer{n:02d}", ids, ready, start, args.seconds, results))
            for n in range(args.processes)
        ]
        stop_hogs = context.Event()
        hogs = [context.Process(target=hog, args=(stop_hogs,)) for _ in range(args.cpu_hogs)]
        for process in hogs:
            process.start()
        for process in processes:
            process.start()
        for _ in processes:
            ready.get(timeout=120)
        start.set()
        reports = [results.get(timeout=args.seconds + 120) for _ in processes]
        load = os.getloadavg()[0]
        stop_hogs.set()
        for process in processes + hogs:
            process.join()
    won = sum(r[0] for r in reports)
    errors = sum(r[1] for r in reports)
    latencies = [latency for r in reports for latency in r[2]]
    what = "bare UPDATEs (the floor)" if args.floor else "claims"
    print(
        f"{args.processes} processes for {args.seconds:.0f} s on {url.split(':')[0]}, {what}, {args.cpu_hogs} CPU hogs "
        f"(load average {load:.1f}): {len(latencies)} attempts, {won} won, {errors} errors"
    )
    print(
        f"{won / args.seconds:.0f} successful claims/s; latency p50 {benchdb.percentile(latencies, 0.5):.1f} ms, p99 {benchdb.percentile(latencies, 0.99):.1f} ms"
    )


if __name__ == "__main__":
    main()
