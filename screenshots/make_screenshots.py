"""Regenerate the README's screenshots from a deterministic demo state (frozen clock, fixed
random seed): python screenshots/make_screenshots.py"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
from pathlib import Path

from helpdesk.clock import FrozenClock
from helpdesk.domain.policy import load_policy
from helpdesk.shipped import shipped_file
from helpdesk.store.admin.demo import seed_demo
from helpdesk.store.db.engine import make_engine, sqlite_url
from helpdesk.store.queries import queue
from helpdesk.tui.screens.call import CallScreen

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))
from support import console, no_blink, settle  # noqa: E402  (the tests' own helpers)

CLOCK = "2026-11-18T10:30:00Z"  # a Wednesday morning in the sample inspection week


async def shoot(engine, login: str, name: str, size: tuple[int, int], steps, no_color: bool = False) -> None:
    if no_color:  # the console reads NO_COLOR when it starts, as on a terminal that asks for none
        os.environ["NO_COLOR"] = "1"
    try:
        app = console(engine, FrozenClock(CLOCK), load_policy(shipped_file("policy.toml")), login)
    finally:
        os.environ.pop("NO_COLOR", None)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await steps(pilot)
        await settle(pilot)
        no_blink(pilot)
        await pilot.pause()
        app.save_screenshot(filename=f"{name}.svg", path=str(HERE))
    print(f"screenshots/{name}.svg")


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "screens.sqlite"
        engine = make_engine(sqlite_url(path), create=True)
        seed_demo(engine, FrozenClock(CLOCK), path)
        waiting = next(
            row.id for row in queue.open_queue(engine) if row.status == "waiting" and row.category == "pause_request"
        )

        async def nothing(pilot):
            pass

        async def open_call(pilot):
            pilot.app.push_screen(CallScreen(waiting))
            await settle(pilot)

        async def claim_and_pause(pilot):
            await open_call(pilot)
            await pilot.press("c")
            await settle(pilot)
            await pilot.press("p")
            await settle(pilot)
            pilot.app.screen.query_one("#pause-days").value = "2"

        async def review(pilot):
            await pilot.press("v")

        async def pause_register(pilot):
            await pilot.press("p")

        calls = queue.list_concerns(engine)
        busiest = max({c.urn for c in calls}, key=lambda urn: sum(c.urn == urn for c in calls))
        about_it = max(c.id for c in calls if c.urn == busiest)

        async def school_history(pilot):
            pilot.app.push_screen(CallScreen(about_it))
            await settle(pilot)
            await pilot.press("h")

        async def figures(pilot):
            await pilot.press("s")

        await shoot(engine, "akhan", "queue", (80, 24), nothing)
        await shoot(engine, "akhan", "queue-wide", (120, 32), nothing)
        await shoot(engine, "gsingh", "call", (120, 32), open_call)
        await shoot(engine, "gsingh", "pause-decision", (100, 30), claim_and_pause)
        await shoot(engine, "lpark", "review", (120, 32), review)
        await shoot(engine, "lpark", "statistics", (100, 36), figures)
        await shoot(engine, "lpark", "pause-register", (120, 24), pause_register)
        await shoot(engine, "lpark", "school-history", (120, 20), school_history)
        await shoot(engine, "akhan", "queue-no-color", (80, 24), nothing, no_color=True)
        await shoot(engine, "gsingh", "call-no-color", (80, 24), open_call, no_color=True)
        engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
