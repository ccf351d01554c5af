"""Keeping up: many consoles open on one database while a writer logs calls at a steady rate,
with CPU hogs beside them. Each console is a real console process (headless), reporting when
each new call first shows in its queue; the writer notes when each call was committed.

Printed per rate: propagation (commit -> shown) p50/p99/max over every console and change,
whether the delay grows over the run (a backlog: the last third's median against the first's),
and CPU per console; beside the floor: one console alone, the same writer, the same hogs.

Goal (#32): p99 <= 1 s and no backlog at 2 changes a second with 50 consoles and 4 hogs, on
SQLite and PostgreSQL. Run: python bench/keeping_up.py [--consoles 50] [--rates 2,10]
[--seconds 120] [--hogs 4] [--db URL: an empty PostgreSQL database to fill]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import tempfile
import time
from pathlib import Path

from propagation import console

import benchdb


def hog(stop) -> None:
    while not stop.is_set():
        sum(range(10_000))


def cpu_seconds(pid: int) -> float:
    """User and system CPU a process has used (Linux /proc), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_run(url: str, consoles: int, rate: float, seconds: float, hogs: int) -> dict:
    """`consoles` consoles, `hogs` hogs, a writer at `rate` calls a second for `seconds`."""
    from helpdesk.clock import Clock
    from helpdesk.domain.intake import validate_concern
    from helpdesk.store.commands.intake import log_concern
    from helpdesk.store.db.engine import make_engine

    context = multiprocessing.get_context("spawn")
    seen = context.Queue()
    stop = context.Event()
    readies = [context.Event() for _ in range(consoles)]
    watchers = [context.Process(target=console, args=(url, seen, ready), daemon=True) for ready in readies]
    for watcher in watchers:
        watcher.start()
    for ready in readies:
        ready.wait(300)
    time.sleep(3)  # the first loads over
    while not seen.empty():
        seen.get()
    burners = [context.Process(target=hog, args=(stop,), daemon=True) for _ in range(hogs)]
    for burner in burners:
        burner.start()
    engine = make_engine(url)
    concern = validate_concern(
        urn="930037", caller_name="Sample Caller", caller_role="headteacher", phone="0113 496 0001",
        category="wellbeing", summary="Keeping up",
    )  # fmt: skip
    cpu_before = {w.pid: cpu_seconds(w.pid) for w in watchers if w.pid}
    committed: dict[int, float] = {}
    started = time.time()
    for n in range(int(rate * seconds)):
        due = started + n / rate
        if (wait := due - time.time()) > 0:
            time.sleep(wait)
        concern_id = log_concern(engine, concern, "rdouglas", Clock().now())  # a handler of the samples
        committed[concern_id] = time.time()
    wanted = len(committed) * consoles
    latencies: list[tuple[float, float]] = []  # (committed at, delay)
    deadline = time.time() + 30
    while len(latencies) < wanted and time.time() < deadline:
        try:
            concern_id, at = seen.get(timeout=max(0.1, deadline - time.time()))
        except Exception:  # noqa: BLE001 - the queue's Empty: what is missing is counted below
            break
        if concern_id in committed:
            latencies.append((committed[concern_id], at - committed[concern_id]))
    elapsed = time.time() - started
    cpu = [cpu_seconds(pid) - before for pid, before in cpu_before.items()]
    stop.set()
    for process in [*watchers, *burners]:
        process.terminate()
    engine.dispose()
    latencies.sort()
    delays = [delay * 1000 for _, delay in latencies]
    third = max(1, len(latencies) // 3)
    first = statistics.median(d * 1000 for _, d in latencies[:third]) if latencies else 0
    last = statistics.median(d * 1000 for _, d in latencies[-third:]) if latencies else 0
    return {
        "shown": len(latencies),
        "wanted": wanted,
        "p50": statistics.median(delays) if delays else float("nan"),
        "p99": benchdb.percentile(delays, 0.99) if delays else float("nan"),
        "max": max(delays, default=float("nan")),
        "first": first,
        "last": last,
        "cpu": statistics.mean(cpu) / elapsed * 100 if cpu else float("nan"),
    }


def said(label: str, found: dict) -> str:
    growing = found["last"] > 2 * max(found["first"], 1) and found["last"] > 1000
    return (
        f"  {label:<22} p50 {found['p50']:6.0f} ms, p99 {found['p99']:6.0f} ms, max {found['max']:6.0f} ms"
        f" ({found['shown']} of {found['wanted']} shown); first third {found['first']:.0f} ms, last third"
        f" {found['last']:.0f} ms: {'a BACKLOG' if growing else 'no backlog'}; CPU {found['cpu']:.1f} % a console"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--consoles", type=int, default=50)
    parser.add_argument("--rates", default="2,10", help="changes a second, comma-separated")
    parser.add_argument("--seconds", type=float, default=120, help="how long the writer writes at each rate")
    parser.add_argument("--hogs", type=int, default=4, help="busy loops running beside the consoles")
    parser.add_argument("--db", help="an empty PostgreSQL database to fill (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'keeping-up.sqlite'}"
        if args.db:
            benchdb.empty_postgres(args.db)
        benchdb.build(url, waiting=200, closed=10_000)
        print(
            f"keeping up on {url.split(':')[0]}: {args.consoles} consoles, {args.hogs} CPU hogs,"
            f" {args.seconds:.0f} s at each rate",
            flush=True,
        )
        for rate in (float(r) for r in args.rates.split(",")):
            print(f"{rate:g} changes a second:", flush=True)
            print(said("one console alone", one_run(url, 1, rate, args.seconds, args.hogs)), flush=True)
            print(
                said(f"{args.consoles} consoles", one_run(url, args.consoles, rate, args.seconds, args.hogs)),
                flush=True,
            )


if __name__ == "__main__":
    main()
