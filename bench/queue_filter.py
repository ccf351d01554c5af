"""The queue's `/` filter: time from a key typed into the filter to the queue redrawn for it (the
rows it lets through), headless at 120x40, with 500 open calls; beside the floor measured in the
same run: the same key typed into a bare Input above a 500-row table that nothing filters.

Goal (#34): a keypress repainting within 30 ms. Run: python bench/queue_filter.py [--open 500]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Input

import benchdb

TYPED = "thornhill high"  # then erased, key by key
WORK: list[float] = []  # the filter's own work for each key (the queue screen's handler)


async def per_key(pilot, keys: list[str]) -> list[float]:
    times = []
    for key in keys:
        started = time.perf_counter()
        await pilot.press(key)  # (the key handled, then the screen idle: its repaint done)
        await pilot.pause()
        times.append((time.perf_counter() - started) * 1000)
    return times


class Floor(App):
    def __init__(self, rows: int) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        yield Input(id="typed")
        yield DataTable(id="rows")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for heading in ("Waiting", "URN · School", "Category", "Caller", "Claimed by", "Viewing"):
            table.add_column(heading)
        for n in range(self.rows):
            table.add_row(f"{n} min", f"93{n:04d} A School", "Well-being", "Headteacher", "", "")
        self.query_one(Input).focus()


def keys_for(text: str) -> list[str]:
    return [("space" if ch == " " else ch) for ch in text] + ["backspace"] * len(text)


async def measure(url: str, open_calls: int) -> tuple[list[float], list[float]]:
    from helpdesk.clock import Clock
    from helpdesk.domain.policy import load_policy
    from helpdesk.shipped import shipped_file
    from helpdesk.store.db.engine import make_engine
    from helpdesk.store.queries.queue import staff_member
    from helpdesk.tui.app import HelpdeskApp
    from helpdesk.tui.screens.queue import QueueScreen

    original = QueueScreen.on_input_changed

    def timed_change(screen, event):  # the filter's own work for a key: the rows it lets through, redrawn
        started = time.perf_counter()
        original(screen, event)
        WORK.append((time.perf_counter() - started) * 1000)

    QueueScreen.on_input_changed = timed_change  # type: ignore[method-assign]
    engine = make_engine(url)
    app = HelpdeskApp(
        engine=engine,
        clock=Clock(),
        staff=staff_member(engine, "akhan"),
        policy=load_policy(shipped_file("policy.toml")),
    )
    ours: list[float] = []
    floor: list[float] = []
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(1.0)
        await pilot.press("slash")
        await pilot.pause()
        bare = Floor(open_calls)
        async with bare.run_test(size=(120, 40)) as floor_pilot:
            await floor_pilot.pause()
            for _ in range(3):  # interleaved rounds
                ours += await per_key(pilot, keys_for(TYPED))
                floor += await per_key(floor_pilot, keys_for(TYPED))
    engine.dispose()
    return ours, floor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--open", type=int, default=500, help="open calls in the queue")
    args = parser.parse_args()
    from helpdesk.store.db.engine import sqlite_url

    with tempfile.TemporaryDirectory() as folder:
        url = sqlite_url(Path(folder) / "filter.sqlite")
        benchdb.build(url, waiting=args.open, closed=0)
        ours, floor = asyncio.run(measure(url, args.open))
    print(f"the queue's / filter, {args.open} open calls, 120x40, {len(ours)} keys")
    print(
        f"  a key to the queue redrawn: median {statistics.median(ours):.1f} ms, p90 {sorted(ours)[int(len(ours) * 0.9)]:.1f} ms"
    )
    print(
        f"  the filter's own work for a key (the rows it lets through, laid in the table): median "
        f"{statistics.median(WORK):.1f} ms, p90 {sorted(WORK)[int(len(WORK) * 0.9)]:.1f} ms"
    )
    print(
        f"  floor (a bare Input over a 500-row table): median {statistics.median(floor):.1f} ms, "
        f"p90 {sorted(floor)[int(len(floor) * 0.9)]:.1f} ms (goal: 30 ms)"
    )


if __name__ == "__main__":
    main()
