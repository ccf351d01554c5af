"""Start-up: process start to a populated queue (200 waiting, 100,000 closed concerns).

Compared with the floor `python -c "import textual.app, sqlmodel"` on the same machine.
Target: at most 1.5x the floor. Run: python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import os
import pty
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import benchdb
from helpdesk.store.engine import sqlite_url


def build_database(path: Path, waiting: int, closed: int) -> str:
    url = sqlite_url(path)
    benchdb.build(url, waiting, closed)
    return url


def timed(command: list[str]) -> float:
    """Seconds from starting `command` on a pseudo-terminal until it exits (output drained)."""
    master, slave = pty.openpty()
    os.set_inheritable(slave, True)
    drained = threading.Thread(target=drain, args=(master,), daemon=True)
    started = time.perf_counter()
    process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env={**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"})
    drained.start()
    code = process.wait(timeout=120)
    elapsed = time.perf_counter() - started
    os.close(slave)
    if code != 0:
        raise SystemExit(f"{' '.join(command)} exited {code}")
    return elapsed


def drain(fd: int) -> None:
    try:
        while os.read(fd, 65536):
            pass
    except OSError:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--waiting", type=int, default=200)
    parser.add_argument("--closed", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = build_database(Path(folder) / "bench.sqlite", args.waiting, args.closed)
        floor_command = [sys.executable, "-c", "import textual.app, sqlmodel"]
        console = [sys.executable, "-m", "helpdesk", "--db", url, "--as", "akhan", "--exit-when-loaded"]
        timed(console)  # warm the file cache once
        floor = statistics.median(timed(floor_command) for _ in range(args.runs))
        startup = statistics.median(timed(console) for _ in range(args.runs))
    print(f"queue: {args.waiting} waiting, {args.closed:,} closed; median of {args.runs} runs")
    print(f"floor   python -c 'import textual.app, sqlmodel'   {floor * 1000:7.0f} ms")
    print(f"helpdesk start to populated queue                 {startup * 1000:7.0f} ms")
    print(f"ratio {startup / floor:.2f}x the floor (target <= 1.5x)")


if __name__ == "__main__":
    main()
