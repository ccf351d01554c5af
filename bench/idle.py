"""Idle: CPU and memory of a console left open on a queue of 200 for 60 s.

Targets: under 1 % CPU and under 120 MB RSS (fifty staff on one host). Every console reloads
when another one writes (a claim, or its presence heartbeat every 15 s), so --consoles N shows
what N consoles on one database cost each.
Run: python bench/idle.py [--seconds 60] [--consoles N]
"""

from __future__ import annotations

import argparse
import os
import pty
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import benchdb
from helpdesk.store.engine import sqlite_url

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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = sqlite_url(Path(folder) / "idle.sqlite")
        benchdb.build(url, waiting=200, closed=10_000)
        consoles = []
        for _ in range(args.consoles):
            master, slave = pty.openpty()
            consoles.append(
                subprocess.Popen(
                    [sys.executable, "-m", "helpdesk", "--db", url, "--as", "akhan"],
                    stdin=slave,
                    stdout=slave,
                    stderr=slave,
                    env={**os.environ, "TERM": "xterm-256color"},
                )
            )
            threading.Thread(target=_drain, args=(master,), daemon=True).start()
        time.sleep(5 + args.consoles)  # start-up is not idling
        before, started = [cpu_seconds(console.pid) for console in consoles], time.monotonic()
        time.sleep(args.seconds)
        used = [cpu_seconds(console.pid) - cpu for console, cpu in zip(consoles, before, strict=True)]
        elapsed = time.monotonic() - started
        rss = max(rss_mb(console.pid) for console in consoles)
        for console in consoles:
            console.terminate()
        for console in consoles:
            console.wait(timeout=10)
    shares = [100 * cpu / elapsed for cpu in used]
    together = (
        "" if args.consoles == 1 else f" each, with {args.consoles} open on one database (highest {max(shares):.2f} %)"
    )
    print(
        f"idle console, queue of 200, {elapsed:.0f} s: CPU {sum(shares) / len(shares):.2f} %{together} (target < 1 %), "
        f"RSS {rss:.0f} MB (target < 120 MB)"
    )


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass


if __name__ == "__main__":
    main()
