"""What one change costs a console in CPU: a running console (headless, 100x30, as in
bench/keeping_up.py) while another process logs calls at 2 a second, beside its floor: a bare
Textual app whose DataTable of the same size adds a row, puts its rows in order again and
updates a header line, at the same pace, with no database. Both are measured as the process's
own CPU time over the changes, less what it spends idle for as long.

What this tells: with N consoles on a host, every change costs N times the figure. The first
floor is what any console built on DataTable pays (it draws every row in view again after each
change); the second, the same bare app with the table the queue uses (RowCachedTable, which
draws again only the rows that changed). Run: python bench/change_cost.py [--changes 40] [--waiting 200]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import tempfile
import time
from pathlib import Path

import benchdb

PACE = 0.5  # seconds between changes
COLUMNS = ("Waiting", "URN · School", "Category", "Caller", "Claimed by", "Viewing")


def writer(url: str, changes: int, start_after: float) -> None:
    """Log `changes` calls, one every PACE seconds, after `start_after` seconds."""
    from helpdesk.clock import Clock
    from helpdesk.domain.intake import validate_concern
    from helpdesk.store.commands.intake import log_concern
    from helpdesk.store.db.engine import make_engine

    engine = make_engine(url)
    concern = validate_concern(
        urn="930037", caller_name="Sample Caller", caller_role="headteacher", phone="0113 496 0001",
        category="wellbeing", summary="Change cost",
    )  # fmt: skip
    time.sleep(start_after)
    for _ in range(changes):
        log_concern(engine, concern, "rdouglas", Clock().now())  # a handler of the samples
        time.sleep(PACE)
    engine.dispose()


def console_cost(url: str, changes: int) -> tuple[float, float]:
    """CPU seconds a change costs a running console (less what it spends idle for as long),
    and its idle CPU as a share of a core."""
    from helpdesk.clock import Clock
    from helpdesk.domain.policy import load_policy
    from helpdesk.shipped import shipped_file
    from helpdesk.store.db.engine import make_engine
    from helpdesk.store.queries.queue import staff_member
    from helpdesk.tui.app import HelpdeskApp

    engine = make_engine(url)
    app = HelpdeskApp(
        engine=engine,
        clock=Clock(),
        staff=staff_member(engine, "akhan"),
        policy=load_policy(shipped_file("policy.toml")),
    )
    settle, span, slack = 5.0, changes * PACE, 5.0  # (slack: the writer's own start-up)
    process = multiprocessing.get_context("spawn").Process(target=writer, args=(url, changes, settle + span))
    process.start()
    result: list[float] = []

    async def run() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause(settle)
            started = time.process_time()
            await pilot.pause(span)
            result.append((time.process_time() - started) / span)  # idle, a second
            started = time.process_time()
            await pilot.pause(span + slack)
            result.append(time.process_time() - started - result[0] * (span + slack))  # the changes

    asyncio.run(run())
    process.join()
    engine.dispose()
    return result[1] / changes, result[0]


def floor_cost(rows: int, changes: int, cached: bool = False) -> float:
    """CPU seconds a change costs a bare app (adding a row, ordering, a header line) with a
    DataTable (or the console's own RowCachedTable), less what it spends idle for as long."""
    from rich.text import Text
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer, Static

    from helpdesk.tui.widgets.row_cached_table import RowCachedTable

    kind = RowCachedTable if cached else DataTable

    class Floor(App[None]):
        def compose(self) -> ComposeResult:
            yield Static(f"{rows} waiting · 0 claimed", id="header")
            yield kind(cursor_type="row")
            yield Footer()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            for column in COLUMNS:
                table.add_column(column, key=column)
            for n in range(rows):
                self.add(n)

        def add(self, n: int) -> None:
            self.query_one(DataTable).add_row(
                Text(f"{n} min"), Text(f"9{n:05d} School {n}"), Text("Wellbeing"), Text("Headteacher"),
                Text(""), Text(""), key=str(n),
            )  # fmt: skip

    app, result = Floor(), []

    async def run() -> None:
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause(2)
            started = time.process_time()
            await pilot.pause(changes * PACE)
            result.append((time.process_time() - started) / (changes * PACE))  # idle, a second
            started = time.process_time()
            for n in range(changes):
                app.add(rows + n)
                table = app.query_one(DataTable)
                table.sort("Waiting", key=lambda cell: -len(cell.plain))  # the newest among the first
                app.query_one("#header", Static).update(f"{rows + n + 1} waiting · 0 claimed")
                await pilot.pause(PACE)
            result.append(time.process_time() - started - result[0] * changes * PACE)

    asyncio.run(run())
    return result[1] / changes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=40)
    parser.add_argument("--waiting", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'change-cost.sqlite'}"
        benchdb.build(url, waiting=args.waiting, closed=1_000)
        each, idle = console_cost(url, args.changes)
    floor_each = floor_cost(args.waiting, args.changes) * 1000
    cached_each = floor_cost(args.waiting, args.changes, cached=True) * 1000
    each *= 1000
    print(f"{args.changes} changes, one every {PACE} s, {args.waiting} calls waiting, 100x30")
    print(f"console: {each:6.1f} ms of CPU a change (idle: {idle * 100:.1f} % of a core)")
    print(f"floor, a bare DataTable doing the same: {floor_each:6.1f} ms a change ({each / max(floor_each, 0.1):.2f}x)")
    print(
        f"floor, the same bare app with the console's RowCachedTable: {cached_each:6.1f} ms a change"
        f" ({each / max(cached_each, 0.1):.2f}x)"
    )


if __name__ == "__main__":
    main()
