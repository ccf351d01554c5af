"""The pause register screen: supervisors only, newest first, where each pause stands, the
inspections paused past the remit's limit, Enter to the call."""

import pytest
from textual.widgets import DataTable, Static

from helpdesk.domain.pause import PauseDecisionInput
from helpdesk.store import commands
from helpdesk.store.commands.follow_ups import complete_follow_up
from helpdesk.tui.screens.call import CallScreen
from helpdesk.tui.screens.pause_register import PauseRegisterScreen
from support import authorised_pause, burst, console, settle

SIZES = [(80, 24), (120, 40)]


def a_longer_pause(engine, clock, policy):
    """A 3-day pause whose check found support not in place, replaced by an exceptional 8-day one
    (countersigned): past the 5 working days a school's inspection may be paused."""
    concern_id = authorised_pause(engine, clock, policy)
    [check] = [f.id for f in commands_detail(engine, concern_id).follow_ups]
    complete_follow_up(engine, check, "gsingh", clock.now(), outcome="support_not_in_place", note="No interim head")
    clock.advance(minutes=20)
    commands.record_pause_decision(
        engine, concern_id, "gsingh",
        PauseDecisionInput(decision="authorised", requested_by="responsible_body", grounds="wellbeing",
                           rationale="Support not in place.", working_days=8, justification="No interim head."),
        policy, clock.now(),
    )  # fmt: skip
    commands.countersign(engine, concern_id, "mokafor", "Checked with the trust.", clock.now(), policy)
    return concern_id


def commands_detail(engine, concern_id):
    from helpdesk.store.queries.call import call_detail

    return call_detail(engine, concern_id, "lpark")


async def test_a_senior_is_told_the_register_is_for_supervisors(engine, clock, policy):
    notices = []
    app = console(engine, clock, policy, "gsingh")
    app.notify = lambda message, **kwargs: notices.append(message)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "p")
        assert not isinstance(app.screen, PauseRegisterScreen)
    assert notices == ["Only a supervisor can see the pause register"]


async def test_the_register_shows_where_each_pause_stands_and_opens_its_call(engine, clock, policy):
    concern_id = a_longer_pause(engine, clock, policy)
    app = console(engine, clock, policy, "lpark")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(pilot, "p")
        assert isinstance(app.screen, PauseRegisterScreen)
        table = app.screen.query_one("#pause-register", DataTable)
        rows = [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]
        assert [row[3:7] for row in rows] == [
            ["8d PAST LIMIT", "Mon 30 Nov", "IN FORCE", "open"],
            ["Authorised 3d", "Mon 23 Nov", "Superseded", "NOT in place"],
        ]
        header = str(app.screen.query_one("#pause-register-header", Static).content)
        assert "1 PAST LIMIT · 1 in force · 1 check open · 2 decisions" in header
        await burst(pilot, "enter")
        assert isinstance(app.screen, CallScreen) and app.screen.concern_id == concern_id


@pytest.mark.parametrize("size", SIZES)
def test_pause_register(snap_compare, engine, clock, policy, size):
    a_longer_pause(engine, clock, policy)

    async def run_before(pilot):
        await settle(pilot)
        await burst(pilot, "p")

    assert snap_compare(console(engine, clock, policy, "lpark"), terminal_size=size, run_before=run_before)
