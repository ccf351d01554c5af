"""Looking a call up on the console (#34): `l` on the queue, the words typed in one burst, Enter;
the results newest first; Enter on one opens it; n for older ones; the look-up on the trail."""

import pytest
from sqlalchemy import select
from textual.widgets import DataTable

from helpdesk.store import commands
from helpdesk.store.commands.looking_up import PAGE
from helpdesk.store.db.models import Event
from support import burst, console, grace_ellis, handled, log, no_blink, settle

SIZES = [(80, 24), (120, 40)]


def found(app) -> list[int]:
    table = app.screen.query_one("#look-up-results", DataTable)
    return [int(table.coordinate_to_cell_key((row, 0)).row_key.value) for row in range(table.row_count)]


async def test_a_caller_rings_back_and_is_found_by_the_number_they_ring_from(engine, clock, policy):
    first = handled(engine, clock, days_ago=2)
    second = commands.log_concern(engine, grace_ellis(), "rdouglas", clock.now())
    log(engine, clock, urn="931663", category="other")
    app = console(engine, clock, policy, "lpark")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "l", "[+44 (0)113 496-0777]", "enter")
        await settle(pilot)
        assert found(app) == [second, first]
        assert "2 found, newest first" in str(app.screen.query_one("#look-up-said").content)
        await burst(pilot, "down", "enter")  # the older one
        await settle(pilot)
        assert getattr(app.screen, "concern_id", None) == first
    with engine.connect() as connection:
        [details] = connection.execute(select(Event.details).where(Event.kind == "looked_up")).scalars().all()
    assert '"what": "phone"' in details and "496" not in details


async def test_older_results_come_a_page_at_a_time(engine, clock, policy):
    made = [log(engine, clock, category="wellbeing") for _ in range(PAGE + 3)]
    app = console(engine, clock, policy, "lpark")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await burst(pilot, "l", "[head taken ill]", "enter")
        await settle(pilot)
        assert found(app) == sorted(made, reverse=True)[:PAGE]
        assert "n: older ones" in str(app.screen.query_one("#look-up-said").content)
        await burst(pilot, "n")
        await settle(pilot)
        assert found(app) == sorted(made, reverse=True)


async def test_nothing_to_look_up_is_said_in_a_line(engine, clock, policy):
    app = console(engine, clock, policy, "gsingh")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "l", "[!!!]", "enter")
        await settle(pilot)
        assert "Type letters or digits to look for" in str(app.screen.query_one("#look-up-said").content)


@pytest.mark.parametrize("size", SIZES)
def test_look_up_results(snap_compare, engine, clock, policy, size):
    handled(engine, clock, days_ago=2)
    commands.log_concern(engine, grace_ellis(), "rdouglas", clock.now())
    commands.log_concern(engine, grace_ellis(urn="931663"), "rdouglas", clock.now())

    async def run_before(pilot):
        await settle(pilot)
        await burst(pilot, "l", "[grace]", "enter")
        await settle(pilot)
        no_blink(pilot)

    assert snap_compare(console(engine, clock, policy, "lpark"), terminal_size=size, run_before=run_before)
