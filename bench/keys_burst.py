"""How fast the console takes a burst of keys (keys handed on one at a time, in order): a
note of N characters written to the terminal in one write, with the keys that open and claim
the call before it and Ctrl+S after it; the clock stops when the note is in the database,
whole. The floor is the same burst with a one-character note (opening, claiming and saving),
so the difference is the cost of the typing alone.

    python bench/keys_burst.py [--chars 2000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import pty
import select
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

import benchdb
from helpdesk.store.db.engine import make_engine, sqlite_url

CTRL_S, CTRL_Q = "\x13", "\x11"


def burst_seconds(url: str, note: str) -> float:
    """Seconds from writing the burst until the note is stored (exactly as typed)."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "30"}
    console = subprocess.Popen(
        [sys.executable, "-m", "helpdesk", "--db", url, "--as", "akhan"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
    )
    os.close(slave)
    engine = make_engine(url)
    shown = b""

    def drain(seconds: float) -> None:
        nonlocal shown
        ready, _, _ = select.select([master], [], [], seconds)
        if ready:
            try:
                shown += os.read(master, 1 << 16)
            except OSError:
                pass

    try:
        deadline = time.monotonic() + 60
        while b"1 waiting" not in shown and time.monotonic() < deadline:
            drain(0.1)
        time.sleep(0.5)  # let the first load settle
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM advice"))
            connection.execute(text("UPDATE concern SET status = 'waiting', claimed_by = NULL, claimed_at = NULL"))
        drain(1.0)
        started = time.perf_counter()
        os.write(master, ("\r" + "c" + "a" + note + CTRL_S).encode())
        while True:
            with engine.connect() as connection:
                stored = connection.execute(text("SELECT text FROM advice")).scalars().all()
            if stored:
                break
            drain(0.01)
            if time.perf_counter() - started > 120:
                raise SystemExit("the note was not stored within 120 s")
        took = time.perf_counter() - started
        if stored != [note]:
            raise SystemExit(f"stored {stored[0][:40]!r}… ({len(stored[0])} characters), not the note typed")
        return took
    finally:
        os.write(master, CTRL_Q.encode())
        try:
            console.wait(timeout=10)
        except subprocess.TimeoutExpired:
            console.kill()
        os.close(master)
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chars", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    note = ("Advised the head on the pause and the support available. " * 100)[: args.chars - 4] + " END"
    with tempfile.TemporaryDirectory() as folder:
        url = sqlite_url(Path(folder) / "typing.sqlite")
        benchdb.build(url, 1, 0)
        floors, bursts = [], []
        for _ in range(args.runs):  # taken in turn, so that a busy moment weighs on both alike
            floors.append(burst_seconds(url, "x"))
            bursts.append(burst_seconds(url, note))
    floor, burst = statistics.median(floors), statistics.median(bursts)
    per_key = (burst - floor) / (len(note) - 1)
    print(f"median of {args.runs} runs, each burst written in one write and stored whole")
    print(f"floor   open, claim, one-character note, save       {floor * 1000:7.0f} ms")
    print(f"burst   the same with a {len(note)}-character note     {burst * 1000:7.0f} ms")
    print(f"typing  {per_key * 1000:.2f} ms a key, {1 / per_key:,.0f} keys a second (a fast typist: about 12)")


if __name__ == "__main__":
    main()
