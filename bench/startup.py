"""Start-up: process start to a populated queue (200 waiting, 100,000 closed concerns).

Compared with the floor `python -c "import textual.app, sqlmodel"` on the same machine.
Target: at most 1.5x the floor. Run: python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import pty
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from sqlalchemy import insert
from sqlmodel import Session

from helpdesk.shipped import shipped_file
from helpdesk.store import importers
from helpdesk.store.engine import make_engine, sqlite_url, writer
from helpdesk.store.models import Concern, Setting
from helpdesk.store.schema import upgrade


def build_database(path: Path, waiting: int, closed: int) -> str:
    url = sqlite_url(path)
    engine = make_engine(url)
    upgrade(engine)
    now = dt.datetime.now(dt.timezone.utc)
    importers.import_staff(engine, shipped_file("staff.csv"), "bench", now)
    report = importers.import_schools(engine, shipped_file("edubasealldata20261101.csv"), "bench", now)
    with engine.connect() as connection:
        urns = [row[0] for row in connection.exec_driver_sql("SELECT urn FROM school")]
    rng = random.Random(1)

    def concern(status: str, minutes_ago: float) -> dict:
        urgent = rng.random() < 0.3
        received = now - dt.timedelta(minutes=minutes_ago)
        return dict(
            received_at=received, logged_by="bench", caller_name="Sample Caller", caller_role="headteacher",
            caller_phone="+441134960000", urn=rng.choice(urns), category="wellbeing", urgent=urgent,
            priority=0 if urgent else 1, summary="Benchmark concern", status=status,
            closed_at=received + dt.timedelta(hours=1) if status == "closed" else None,
        )

    with Session(writer(engine)) as session, session.begin():
        session.add(Setting(key="demo", value="yes"))
        for start in range(0, closed, 10_000):
            session.execute(insert(Concern), [concern("closed", 60 * 24 + i) for i in range(start, min(start + 10_000, closed))])
        session.execute(insert(Concern), [concern("waiting", rng.uniform(0, 60)) for _ in range(waiting)])
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
    engine.dispose()
    assert report.added > 0
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
