"""Idle: CPU, memory and SQL statements of consoles left open on a queue of 200 for 60 s.

Targets: under 1 % CPU and under 120 MB RSS each (fifty staff on one host), and at most 0.5
SQL statement/s per idle console whatever the number of consoles (linear in consoles, not
the square: a console's heartbeat every 15 s must not wake the others). Statements are those
sent through SQLAlchemy (counted in bench/counted_console.py); the change feed's own
`PRAGMA data_version` poll on its dedicated connection (5/s, SQLite only) is not among them.
`--past-target`: every waiting call was received 1 to 2 hours ago, so all are past their target
and raised at start-up, and none falls due while statements are counted: what a console costs
with nothing happening. By default calls fall due all the while (about 3 a minute), and the
console alone raises each one (a write with its audit event), which is work, not idling.
`--floor` runs a bare Textual app with a table of 200 rows and no database instead
(bench/idle_floor_app.py): what any Textual screen costs idle on this host.
Run: python bench/idle.py [--seconds 60] [--consoles N] [--past-target] [--floor]
"""

from __future__ import annotations

import argparse
import os
import pty
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import benchdb
from helpdesk.store.db.engine import sqlite_url

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--consoles", type=int, default=1, help="consoles open at once on the one database")
    parser.add_argument("--floor", action="store_true", help="run the bare Textual app of idle_floor_app.py instead")
    parser.add_argument("--past-target", action="store_true", help="no call falls due during the run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = sqlite_url(Path(folder) / "idle.sqlite")
        benchdb.build(url, waiting=200, closed=10_000, waiting_minutes=(60, 120) if args.past_target else (0, 60))
        consoles = []
        counts = [Path(folder) / f"count-{n}" for n in range(args.consoles)]
        for count in counts:
            master, slave = pty.openpty()
            consoles.append(
                subprocess.Popen(
                    [sys.executable, str(Path(__file__).with_name("idle_floor_app.py"))]
                    if args.floor
                    else [
                        sys.executable,
                        str(Path(__file__).with_name("counted_console.py")),
                        "--db",
                        url,
                        "--as",
                        "akhan",
                    ],
                    stdin=slave,
                    stdout=slave,
                    stderr=slave,
                    env={**os.environ, "TERM": "xterm-256color", "HELPDESK_BENCH_COUNT": str(count)},
                )
            )
            threading.Thread(target=_drain, args=(master,), daemon=True).start()
        time.sleep(5 + args.consoles)  # start-up is not idling
        for console in consoles:  # statements counted from here on
            console.send_signal(signal.SIGUSR1)
        before, started = [cpu_seconds(console.pid) for console in consoles], time.monotonic()
        time.sleep(args.seconds)
        used = [cpu_seconds(console.pid) - cpu for console, cpu in zip(consoles, before, strict=True)]
        elapsed = time.monotonic() - started
        rss = max(rss_mb(console.pid) for console in consoles)
        for console in consoles:
            console.terminate()
        for console in consoles:
            console.wait(timeout=10)
        statements = [int(count.read_text()) for count in counts if count.exists()]
    shares = [100 * cpu / elapsed for cpu in used]
    together = (
        "" if args.consoles == 1 else f" each, with {args.consoles} open on one database (highest {max(shares):.2f} %)"
    )
    per_console = sum(statements) / max(len(statements), 1) / elapsed
    print(
        f"{'FLOOR, a bare Textual app' if args.floor else 'idle console'}, queue of 200"
        f"{' all past target' if args.past_target else ''}, {elapsed:.0f} s: CPU {sum(shares) / len(shares):.2f} %{together} (target < 1 %), "
        f"RSS {rss:.0f} MB (target < 120 MB)\n"
        f"SQL statements: {per_console:.2f}/s per console, {per_console * args.consoles:.1f}/s for all "
        f"{args.consoles} (target <= 0.5/s per console; {len(statements)} of {args.consoles} consoles reported)"
    )


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass


if __name__ == "__main__":
    main()
