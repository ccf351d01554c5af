"""Propagation: time from a commit in one process to the change showing in another process's
running console (its change feed, its queue reload, its table), over N changes.

Target: p99 at most 1 s. Run: python bench/propagation.py [--db URL] [--changes 200]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import statistics
import tempfile
import time
from pathlib import Path

import benchdb
from helpdesk.domain.intake import validate_concern


def console(url: str, seen, ready) -> None:
    """A real HelpdeskApp, headless, reporting when each concern first appears in its table."""
    import asyncio

    from helpdesk.clock import Clock
    from helpdesk.domain.policy import load_policy
    from helpdesk.shipped import shipped_file
    from helpdesk.store.db.engine import make_engine
    from helpdesk.store.queries.queue import staff_member
    from helpdesk.tui.app import HelpdeskApp
    from helpdesk.tui.screens.queue import QueueScreen

    shown: set[int] = set()
    original = QueueScreen.on_queue_screen_loaded

    def loaded(screen, message):
        original(screen, message)
        now = time.time()
        for row in message.rows or ():  # (None when only presence was read again)
            if row.id not in shown:
                shown.add(row.id)
                seen.put((row.id, now))

    QueueScreen.on_queue_screen_loaded = loaded
    engine = make_engine(url)
    app = HelpdeskApp(
        engine=engine,
        clock=Clock(),
        staff=staff_member(engine, "akhan"),
        policy=load_policy(shipped_file("policy.toml")),
    )

    async def run() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            ready.set()
            while True:
                await pilot.pause(0.5)

    asyncio.run(run())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="an empty database URL to fill (default: a new SQLite file)")
    parser.add_argument("--changes", type=int, default=200)
    args = parser.parse_args()
    from helpdesk.store.commands.intake import log_concern
    from helpdesk.store.db.engine import make_engine, sqlite_url

    with tempfile.TemporaryDirectory() as folder:
        url = args.db or sqlite_url(Path(folder) / "propagation.sqlite")
        benchdb.build(url, waiting=200, closed=10_000)
        context = multiprocessing.get_context("spawn")
        seen, ready = context.Queue(), context.Event()
        watcher = context.Process(target=console, args=(url, seen, ready), daemon=True)
        watcher.start()
        ready.wait(60)
        time.sleep(2)
        while not seen.empty():
            seen.get()
        engine = make_engine(url)
        concern = validate_concern(
            urn="930037",
            caller_name="Sample Caller",
            caller_role="headteacher",
            phone="0113 496 0001",
            category="wellbeing",
            summary="Propagation",
        )
        committed: dict[int, float] = {}
        rng = random.Random(5)
        for _ in range(args.changes):
            from helpdesk.clock import Clock

            concern_id = log_concern(engine, concern, "rdouglas", Clock().now())  # a handler of the samples
            committed[concern_id] = time.time()
            time.sleep(rng.uniform(0.05, 0.15))
        latencies = []
        deadline = time.time() + 10
        while len(latencies) < len(committed) and time.time() < deadline:
            concern_id, at = seen.get(timeout=10)
            if concern_id in committed:
                latencies.append((at - committed[concern_id]) * 1000)
        watcher.terminate()
        engine.dispose()
    print(f"propagation over {len(latencies)} of {len(committed)} changes on {url.split(':')[0]}")
    print(
        f"p50 {statistics.median(latencies):.0f} ms, p99 {benchdb.percentile(latencies, 0.99):.0f} ms, max {max(latencies):.0f} ms (target p99 <= 1000 ms)"
    )


if __name__ == "__main__":
    main()
