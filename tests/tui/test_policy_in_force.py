"""A running console applies a new version of the policy as soon as an admin loads it: the
queue's targets are the database's, not the file's the console was started with."""

from __future__ import annotations

import datetime as dt

from helpdesk.shipped import shipped_file
from helpdesk.store import commands
from helpdesk.store.commands.policy import load_policy
from support import console, grace_ellis, settle, wait_until


async def test_a_policy_loaded_while_the_console_runs_moves_the_queue_targets(engine, clock, policy):
    """An urgent call waiting 4 minutes: within the file's 5-minute target; past the 3 minutes
    of the version loaded while the console is open (and the header says so)."""
    commands.log_concern(engine, grace_ellis(urgent=True), "rdouglas", clock.now() - dt.timedelta(minutes=4))
    app = console(engine, clock, policy, "lpark", watch_changes=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        queue = app.screen
        assert (app.policy.claim_target_urgent_min, queue.overdue) == (5, 0)
        text = shipped_file("policy.toml").read_text(encoding="utf-8")
        load_policy(engine, "wcole", text.replace("urgent_minutes = 5 ", "urgent_minutes = 3 "), clock.now())
        assert await wait_until(pilot, lambda: queue.overdue == 1, seconds=5)
        assert app.policy.claim_target_urgent_min == 3
        await settle(pilot)
        assert "1 OVERDUE" in str(queue.query_one("#queue-header").render())
