"""Calls seen together in the console: the call says which other calls are about its school or
inspection, k links one (typed in a burst, checked in the database), the queue shows linked
calls together, h opens the school's history (from a call and from the review list)."""

import pytest
from sqlalchemy import select
from textual.widgets import DataTable, Static

from helpdesk.store import commands
from helpdesk.store.db.models import CallLink
from helpdesk.tui.screens.school_history import SchoolHistoryScreen
from support import burst, console, grace_ellis, no_blink, open_call, settle

SIZES = [(80, 24), (120, 40)]


def two_calls(engine, clock):
    first = commands.log_concern(engine, grace_ellis(), "rdouglas", clock.now())
    second = commands.log_concern(
        engine, grace_ellis(caller_name="Tom Ellis", category="pause_request"), "rdouglas", clock.now()
    )
    commands.claim(engine, second, "gsingh", clock.now())
    return first, second


async def test_a_call_names_the_others_about_its_school_and_links_one(engine, clock, policy):
    first, second = two_calls(engine, clock)
    app = console(engine, clock, policy, "gsingh")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = await open_call(pilot, second)
        text = str(screen.query_one("#related-card", Static).content)
        assert "1 about this school or inspection" in text and f"#{first} " in text and "WAITING" in text
        await burst(pilot, "k", "enter", "down", "enter", "tab", "enter", "down", "enter", "ctrl+s")
        with engine.connect() as connection:
            [link] = connection.execute(select(CallLink)).all()
        assert (link.first_id, link.second_id, link.kind) == (first, second, "same_matter")
        assert "LINKED (same matter)" in str(app.screen.query_one("#related-card", Static).content)
        await burst(pilot, "escape")
        queue = app.screen.query_one("#queue", DataTable)
        keys = [key.value for key in queue.rows]
        assert keys.index(str(second)) == keys.index(str(first)) + 1  # together
        assert str(queue.get_row(str(second))[1]).startswith(f"↳ {first} 930037")


async def test_h_opens_the_schools_history_and_enter_a_call(engine, clock, policy):
    first, second = two_calls(engine, clock)
    app = console(engine, clock, policy, "gsingh")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await open_call(pilot, second)
        await burst(pilot, "h")
        assert isinstance(app.screen, SchoolHistoryScreen)
        table = app.screen.query_one("#history", DataTable)
        assert [key.value for key in table.rows] == [str(second), str(first)]  # newest first
        assert "Thornhill High School (URN 930037) · 2 calls" in str(
            app.screen.query_one("#history-header", Static).content
        )
        await burst(pilot, "down", "enter")
        assert app.screen.concern_id == first


async def test_the_review_list_opens_a_schools_history(engine, clock, policy):
    from support import complete_the_record

    first, _ = two_calls(engine, clock)
    commands.claim(engine, first, "akhan", clock.now())
    commands.add_advice(engine, first, "akhan", "Advised", clock.now())
    complete_the_record(engine, first, "akhan", clock.now(), policy)
    commands.close(engine, first, "akhan", "Advised and signposted", clock.now(), policy=policy)
    app = console(engine, clock, policy, "lpark")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(pilot, "v")
        await burst(pilot, "ctrl+o")
        assert isinstance(app.screen, SchoolHistoryScreen) and app.screen.urn == "930037"


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("view", ["call", "history"])
def test_linked_call_screens(snap_compare, engine, clock, policy, view, size):
    first, second = two_calls(engine, clock)
    commands.claim(engine, first, "akhan", clock.now())
    from helpdesk.store.commands.links import link_calls

    link_calls(engine, second, first, "gsingh", "same_inspection", clock.now())

    async def run_before(pilot):
        await settle(pilot)
        await open_call(pilot, second)
        if view == "history":
            await burst(pilot, "h")
        no_blink(pilot)
        await pilot.pause()

    assert snap_compare(console(engine, clock, policy, "lpark"), terminal_size=size, run_before=run_before)
