"""Immediate risk: time from a call marked at risk (committed in one process) to the ring on a
supervisor's running console in another, over N markings; the floor, measured in the same run
and interleaved, is the same console showing a newly logged call (bench/propagation.py's figure).

Target: p99 at most 1 s. Run: python bench/risk_alert.py [--db URL] [--changes 200]
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import tempfile
import time
from pathlib import Path

import benchdb
from helpdesk.domain.intake import validate_concern


def console(url: str, seen, rung, ready) -> None:
    """A real supervisor's HelpdeskApp, headless: reports when each call first shows in its
    queue (the floor) and when its console rings for a call at immediate risk."""
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
        for row in message.rows or ():
            if row.id not in shown:
                shown.add(row.id)
                seen.put((row.id, now))

    QueueScreen.on_queue_screen_loaded = loaded
    engine = make_engine(url)
    app = HelpdeskApp(
        engine=engine,
        clock=Clock(),
        staff=staff_member(engine, "lpark"),
        policy=load_policy(shipped_file("policy.toml")),
    )
    announce = app.announce

    def announced(about, message, **kwargs):
        if kwargs.get("title") == "IMMEDIATE RISK":
            rung.put((about, time.time()))
        announce(about, message, **kwargs)

    app.announce = announced  # type: ignore[method-assign]

    async def run() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            ready.set()
            while True:
                await pilot.pause(0.5)

    asyncio.run(run())


def collect(queue, committed: dict[int, float], seconds: float = 10) -> list[float]:
    latencies: list[float] = []
    deadline = time.time() + seconds
    while len(latencies) < len(committed) and time.time() < deadline:
        try:
            concern_id, at = queue.get(timeout=max(deadline - time.time(), 0.1))
        except Exception:  # noqa: BLE001 - queue.Empty: the deadline passed
            break
        if concern_id in committed:
            latencies.append((at - committed[concern_id]) * 1000)
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", help="an empty database URL to fill (default: a new SQLite file)")
    parser.add_argument("--changes", type=int, default=200)
    args = parser.parse_args()
    from helpdesk.clock import Clock
    from helpdesk.store.commands.intake import log_concern
    from helpdesk.store.commands.risk import mark_risk
    from helpdesk.store.db.engine import make_engine, sqlite_url

    with tempfile.TemporaryDirectory() as folder:
        url = args.db or sqlite_url(Path(folder) / "risk_alert.sqlite")
        benchdb.build(url, waiting=200, closed=10_000)
        context = multiprocessing.get_context("spawn")
        seen, rung, ready = context.Queue(), context.Queue(), context.Event()
        watcher = context.Process(target=console, args=(url, seen, rung, ready), daemon=True)
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
            summary="Risk alert",
        )
        logged: dict[int, float] = {}
        marked: dict[int, float] = {}
        rng = random.Random(5)
        for _ in range(args.changes):  # interleaved: a call logged (the floor), then marked at risk
            concern_id = log_concern(engine, concern, "rdouglas", Clock().now())
            logged[concern_id] = time.time()
            time.sleep(rng.uniform(0.05, 0.15))
            mark_risk(engine, concern_id, "gsingh", Clock().now(), "Benchmark risk")
            marked[concern_id] = time.time()
            time.sleep(rng.uniform(0.05, 0.15))
        floor = collect(seen, logged)
        alerts = collect(rung, marked)
        watcher.terminate()
        engine.dispose()
    print(f"immediate risk alerts on {url.split(':')[0]}, {args.changes} markings, 200 waiting calls")
    print(benchdb.latency_line("marked at risk -> a supervisor's console rings", alerts, len(marked)))
    print(
        benchdb.latency_line("floor: logged -> shown in the same console's queue", floor, len(logged))
        + " (target p99 <= 1000 ms)"
    )


if __name__ == "__main__":
    main()
