"""The open-queue query with 500 open and 200,000 closed concerns (target: at most 10 ms), and
everything a console reads to show its queue: the queue, who is viewing, unread feedback, the
follow-ups due, calls handed over, escalations standing (the floor: the open-queue query alone).

Run: python bench/queue_query.py [--db URL] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import benchdb
from helpdesk.clock import Clock
from helpdesk.domain.policy import Policy
from helpdesk.store.db.engine import make_engine, sqlite_url
from helpdesk.store.desk import Desk
from helpdesk.store.queries import queue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="an empty database URL to fill (default: a new SQLite file)")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or sqlite_url(Path(folder) / "queue.sqlite")
        benchdb.build(url, waiting=500, closed=200_000)
        engine = make_engine(url)
        queue.open_queue(engine)  # compile and warm once
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            rows = queue.open_queue(engine)
            timings.append((time.perf_counter() - started) * 1000)
        desk = Desk(engine, queue.staff_member(engine, "lpark"), Clock(), Policy())
        loads = []
        for _ in range(args.runs):
            started = time.perf_counter()
            desk.open_queue(), desk.viewers(), desk.unread_feedback(), desk.follow_ups_due()
            desk.handed_to_me(), desk.open_escalations()
            loads.append((time.perf_counter() - started) * 1000)
        engine.dispose()
    print(f"open queue: {len(rows)} rows of 200,500 concerns on {url.split(':')[0]}; {args.runs} runs")
    print(
        f"median {statistics.median(timings):.2f} ms, p99 {benchdb.percentile(timings, 0.99):.2f} ms (target <= 10 ms)"
    )
    print(
        f"a console's whole queue load: median {statistics.median(loads):.2f} ms, "
        f"p99 {benchdb.percentile(loads, 0.99):.2f} ms (floor: the open queue alone, above)"
    )


if __name__ == "__main__":
    main()
