"""Start-up: process start to a populated queue (200 waiting, 100,000 closed concerns).

The clock stops when the terminal has been sent the loaded queue: the header's counts and
every row in view. The bench then presses `q`, as a person would; how long from the start
until the console has quit and exited is printed as well.
Compared, in turn on the same machine, with two floors: `python -c "import textual.app,
sqlmodel"` (the imports alone), and a bare Textual app that draws the same header and rows in
view with no database (bench/startup_floor_app.py: what any Textual console pays to appear).
Target (#32): at most 1.3x the import floor. Run: python bench/startup.py [--runs N]
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

import benchdb
from helpdesk.store.db.engine import make_engine, sqlite_url
from helpdesk.store.queries.queue import open_queue

COLUMNS, LINES = 100, 30
ROWS_IN_VIEW = LINES - 3  # below the header and the column headings, above the footer


def build_database(path: Path, waiting: int, closed: int) -> tuple[str, list[bytes]]:
    """The database, and what the terminal shows once the queue is loaded: the header's counts
    and the start of each row in view ("URN School")."""
    url = sqlite_url(path)
    benchdb.build(url, waiting, closed)
    engine = make_engine(url)
    rows = open_queue(engine)[:ROWS_IN_VIEW]
    engine.dispose()
    return url, [f"{waiting} waiting (".encode()] + [f"{row.urn} {row.school}"[:14].encode() for row in rows]


def timed(command: list[str], shown: list[bytes] = ()) -> tuple[float, float]:
    """Seconds from starting `command` on a pseudo-terminal until everything in `shown` has been
    written to the terminal (then `q` is typed to quit it), and until the command has exited."""
    master, slave = pty.openpty()
    environment = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(COLUMNS), "LINES": str(LINES)}
    started = time.perf_counter()
    process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave, env=environment)
    os.close(slave)
    written = b""
    seen = None if shown else 0.0
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            process.kill()
            raise SystemExit(f"{' '.join(command)} wrote nothing for 120 s")
        try:
            chunk = os.read(master, 65536)
        except OSError:  # the terminal closes when the command exits
            chunk = b""
        if not chunk:
            break
        if seen is None:
            written += chunk
            if all(text in written for text in shown):
                seen = time.perf_counter() - started
                os.write(master, b"q")
    code = process.wait(timeout=120)
    exited = time.perf_counter() - started
    os.close(master)
    if code != 0 or seen is None:
        raise SystemExit(
            f"{' '.join(command)} exited {code}" + ("" if seen is not None else " before the queue was shown")
        )
    return seen, exited


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--waiting", type=int, default=200)
    parser.add_argument("--closed", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url, shown = build_database(Path(folder) / "bench.sqlite", args.waiting, args.closed)
        floor_command = [sys.executable, "-c", "import textual.app, sqlmodel"]
        bare_app = [
            sys.executable,
            str(Path(__file__).with_name("startup_floor_app.py")),
            shown[0].decode() + " urgent) · 0 claimed",
            *(text.decode() for text in shown[1:]),
        ]
        console = [sys.executable, "-m", "helpdesk", "--db", url, "--as", "akhan"]
        timed(console, shown)  # warm the file cache once
        timed(bare_app, shown)
        floors, apps, runs = [], [], []
        for _ in range(args.runs):  # taken in turn, so that a busy moment weighs on all alike
            floors.append(timed(floor_command)[1])
            apps.append(timed(bare_app, shown)[0])
            runs.append(timed(console, shown))
    floor, app = statistics.median(floors), statistics.median(apps)
    startup = statistics.median(seen for seen, _ in runs)
    quitted = statistics.median(exited for _, exited in runs)
    print(f"queue: {args.waiting} waiting, {args.closed:,} closed; median of {args.runs} runs")
    print(f"floor   python -c 'import textual.app, sqlmodel'   {floor * 1000:7.0f} ms")
    print(
        f"floor   a bare Textual app drawing the same rows   {app * 1000:7.0f} ms  ({app / floor:.2f}x the import floor)"
    )
    print(f"helpdesk start to populated queue on the terminal  {startup * 1000:7.0f} ms")
    print(f"ratio {startup / floor:.2f}x the import floor (target <= 1.3x); {startup / app:.2f}x the bare app")
    print(f"(start, populated queue, then quit and exit: {quitted * 1000:.0f} ms)")


if __name__ == "__main__":
    main()
