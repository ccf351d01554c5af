"""Idle: CPU and memory of one console left open on a queue of 200 for 60 s.

Targets: under 1 % CPU and under 120 MB RSS (fifty staff on one host).
Run: python bench/idle.py [--seconds 60]
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
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = sqlite_url(Path(folder) / "idle.sqlite")
        benchdb.build(url, waiting=200, closed=10_000)
        master, slave = pty.openpty()
        process = subprocess.Popen(
            [sys.executable, "-m", "helpdesk", "--db", url, "--as", "akhan"],
            stdin=slave, stdout=slave, stderr=slave, env={**os.environ, "TERM": "xterm-256color"},
        )
        threading.Thread(target=lambda: _drain(master), daemon=True).start()
        time.sleep(5)  # start-up is not idling
        cpu_before, started = cpu_seconds(process.pid), time.monotonic()
        time.sleep(args.seconds)
        cpu = cpu_seconds(process.pid) - cpu_before
        elapsed = time.monotonic() - started
        rss = rss_mb(process.pid)
        process.terminate()
        process.wait(timeout=10)
    print(f"one idle console, queue of 200, {elapsed:.0f} s: CPU {100 * cpu / elapsed:.2f} % (target < 1 %), RSS {rss:.0f} MB (target < 120 MB)")


def _drain(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass


if __name__ == "__main__":
    main()
