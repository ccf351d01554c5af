"""The open-queue query with 500 open and 200,000 closed concerns (target: at most 10 ms).

Run: python bench/queue_query.py [--db URL] [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import benchdb
from helpdesk.store import queries
from helpdesk.store.engine import make_engine, sqlite_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="an empty database URL to fill (default: a new SQLite file)")
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or sqlite_url(Path(folder) / "queue.sqlite")
        benchdb.build(url, waiting=500, closed=200_000)
        engine = make_engine(url)
        queries.open_queue(engine)  # compile and warm once
        timings = []
        for _ in range(args.runs):
            started = time.perf_counter()
            rows = queries.open_queue(engine)
            timings.append((time.perf_counter() - started) * 1000)
        engine.dispose()
    print(f"open queue: {len(rows)} rows of 200,500 concerns on {url.split(':')[0]}; {args.runs} runs")
    print(
        f"median {statistics.median(timings):.2f} ms, p99 {benchdb.percentile(timings, 0.99):.2f} ms (target <= 10 ms)"
    )


if __name__ == "__main__":
    main()
