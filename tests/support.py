"""Helpers shared by the tests: the sample data, a fixed queue, waiting for the console."""

from __future__ import annotations

import datetime as dt
import random
import time

from helpdesk.shipped import shipped_file
from helpdesk.store import importers
from helpdesk.store.commands import log_concern
from helpdesk.store.demo import simulated_concern
from helpdesk.store.queries import staff_member

# Wednesday of the week the shipped sample inspections are set in
SAMPLE_NOW = "2026-11-18T09:00:00Z"


def import_samples(engine, now: dt.datetime) -> None:
    importers.import_staff(engine, shipped_file("staff.csv"), "wcole", now)
    importers.import_schools(engine, shipped_file("edubasealldata20261101.csv"), "wcole", now)
    importers.import_bodies(engine, shipped_file("bodies.csv"), "wcole", now)
    importers.import_inspections(engine, shipped_file("inspections.csv"), "wcole", now)
    importers.import_conflicts(engine, shipped_file("conflicts.csv"), "wcole", now)


def seed_queue(engine, clock, ages_min=(42, 31, 18, 12, 9, 6, 3, 1), seed: int = 11) -> list[int]:
    """Concerns logged `ages_min` minutes before the clock, from a fixed random seed."""
    rng = random.Random(seed)
    now = clock.now()
    return [
        log_concern(engine, simulated_concern(engine, rng), "phone-system", now - dt.timedelta(minutes=minutes))
        for minutes in ages_min
    ]



async def settle(pilot) -> None:
    """Wait for the database loads in flight and the messages they post (not the change feed,
    which runs for the app's whole life)."""
    for _ in range(2):
        loads = [worker for worker in pilot.app.workers if worker.group != "change-feed"]
        if loads:  # (an empty list would mean "every worker")
            await pilot.app.workers.wait_for_complete(loads)
        await pilot.pause()


async def wait_until(pilot, condition, seconds=10):
    """Wait for the console to react to the (threaded) change feed."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        await pilot.pause(0.05)
    return condition()


def console(engine, clock, policy, login="akhan", watch_changes=False):
    """The console on fixed data with a frozen clock and no animation, as `login`."""
    from helpdesk.tui.app import HelpdeskApp

    app = HelpdeskApp(engine=engine, clock=clock, staff=staff_member(engine, login), policy=policy, watch_changes=watch_changes)
    app.animation_level = "none"
    return app


def no_blink(pilot) -> None:
    """Steady cursors, so that a snapshot does not depend on the moment it is taken."""
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False
