import datetime as dt
import re
import subprocess
import sys
import time

import pytest
from textual.widgets import DataTable

from helpdesk.store.admin.demo_marker import mark_as_demo
from helpdesk.store.commands.record import record_view
from helpdesk.store.commands.taking import claim
from helpdesk.store.db.engine import sqlite_url
from helpdesk.tui.screens.help import HelpScreen
from helpdesk.tui.screens.queue import MINUTE_LABEL_EVERY, QueueHeader
from support import grace_ellis, plain_row, settle, wait_until


def colour(table, key) -> str:
    """The style a row is drawn in (its school cell's)."""

    return " ".join(str(span.style) for span in table.get_cell(key, "school").spans)


async def test_queue_lists_concerns_urgent_first_with_their_waiting_time(make_app, engine):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert table.row_count == 8
        rows = [plain_row(table, key) for key in table.rows]
        urgent = [row for row in rows if row[0].startswith("!")]
        assert rows[: len(urgent)] == urgent  # urgent first
        ages = [int(re.search(r"\d+", row[0]).group()) for row in rows[len(urgent) :]]  # "OVERDUE 42m", "9 min"
        assert ages == sorted(ages, reverse=True)  # then oldest first
        header = str(app.screen.query_one(QueueHeader).render())
        assert "Aisha Khan · senior" in header and "8 waiting" in header and "0 claimed" in header


async def test_claimed_rows_show_the_holder(make_app, engine, clock):
    app = make_app()
    from helpdesk.store.queries.queue import open_queue

    target = open_queue(engine)[0].id
    claim(engine, target, "bmorgan", clock.now())
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert plain_row(app.screen.query_one(DataTable), str(target))[-2] == "B. Morgan <1m"


async def test_waiting_times_move_on_and_rows_change_colour_as_they_pass_the_targets(make_app, engine, clock):
    from support import seed_queue

    [concern_id] = seed_queue(engine, clock, ages_min=(1,), seed=7)  # not urgent: nearing at 7.5 min, overdue at 15
    app = make_app(seed=False)
    key = str(concern_id)

    def tick(catch_up: bool) -> None:
        app.screen.ticks = MINUTE_LABEL_EVERY - 1 if catch_up else 0
        app.screen.tick()

    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert plain_row(table, key)[0].strip() == "1 min" and colour(table, key) == ""
        clock.advance(minutes=2)
        tick(catch_up=False)  # no colour changes yet: the minute label waits for its catch-up
        assert plain_row(table, key)[0].strip() == "1 min"
        tick(catch_up=True)
        assert plain_row(table, key)[0].strip() == "3 min"
        clock.advance(minutes=5)
        tick(catch_up=False)  # nearing the target: redrawn at once
        assert plain_row(table, key)[0].strip() == "DUE SOON 8m" and colour(table, key) == "yellow"
        clock.advance(minutes=7)
        tick(catch_up=False)
        assert plain_row(table, key)[0].strip() == "OVERDUE 15m" and colour(table, key) == "bold red"
        assert "1 OVERDUE" in str(app.screen.query_one(QueueHeader).render())


async def test_the_selected_row_stays_selected_across_refreshes(make_app, engine, clock):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        await pilot.press("down", "down", "down")
        chosen = app.screen.selected_key()
        assert chosen is not None and table.cursor_row == 3
        from support import seed_queue

        seed_queue(engine, clock, ages_min=(50, 0.1), seed=99)  # one lands above the cursor, one below
        await pilot.press("r")
        await settle(pilot)
        assert table.row_count == 10
        assert app.screen.selected_key() == chosen


@pytest.mark.slow  # separate processes
async def test_a_concern_added_by_another_process_appears(make_app, engine, db_path):
    mark_as_demo(engine)  # this user's own test database: lets the other process use --as
    app = make_app(watch_changes=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        before = table.row_count
        added = subprocess.run(
            [
                sys.executable,
                "-m",
                "helpdesk",
                "--db",
                sqlite_url(db_path),
                "--as",
                "rdouglas",
                "concern",
                "add",
                "--urn",
                "930037",
                "--caller-name",
                "Jo Bloggs",
                "--caller-role",
                "lead_inspector",
                "--phone",
                "020 7946 0001",
                "--category",
                "pause_request",
                "--summary",
                "Head taken ill",
                "--urgent",
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert added.returncode == 0, added.stderr
        new_key = added.stdout.strip()
        deadline = time.monotonic() + 10
        while new_key not in table.rows and time.monotonic() < deadline:
            await pilot.pause(0.05)  # waiting on the other process's commit to reach the feed
        assert table.row_count == before + 1
        assert "930037" in plain_row(table, new_key)[1]


async def test_help_lists_the_real_bindings(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        keys = {key.description: key.key for key in app.screen.keys}
        assert keys["Refresh"] == "r" and keys["Open call"] == app.get_key_display(app.screen_stack[-2].BINDINGS[0])
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_the_palette_offers_the_screens_actions(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Refresh (r)" in titles and "Open call (⏎)" in titles


def test_queue_at_80x24(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=settle)


def test_queue_at_120x40(snap_compare, make_app):
    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=settle)


def test_help_at_80x24(snap_compare, make_app):
    async def open_help(pilot):
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(80, 24), run_before=open_help)


async def test_the_queue_shows_who_is_viewing_each_call(make_app, engine, clock):
    import datetime as dt

    from helpdesk.store.db import presence
    from helpdesk.store.queries.queue import open_queue

    app = make_app()
    first, second = [row.id for row in open_queue(engine)[:2]]
    presence.beat(engine, "session-a", "bmorgan", first, clock.now())
    presence.beat(engine, "session-b", "lpark", second, clock.now() - dt.timedelta(minutes=5))  # gone away
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        assert plain_row(table, str(first))[-1] == "B. Morgan"
        assert plain_row(table, str(second))[-1] == ""


def test_help_at_120x40(snap_compare, make_app):
    async def open_help(pilot):
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=open_help)


async def test_another_console_opening_a_call_redraws_who_is_viewing_without_reading_the_queue_again(
    make_app, engine, clock, monkeypatch
):
    """Presence moves all the time (every console's heartbeat) and wakes no console: who is
    viewing is read again every few seconds; only a change to the record (here a claim) makes
    the queue read again."""
    from helpdesk.store.db import presence
    from helpdesk.store.queries import queue

    app = make_app(watch_changes=True)
    first = str(queue.open_queue(engine)[0].id)
    reads = []
    original = queue.open_queue
    monkeypatch.setattr(queue, "open_queue", lambda engine: reads.append(1) or original(engine))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        await pilot.pause(0.5)  # the change feed is primed
        reads.clear()
        presence.beat(engine, "session-a", "bmorgan", int(first), clock.now())
        assert await wait_until(pilot, lambda: plain_row(table, first)[-1] == "B. Morgan", seconds=15)
        presence.leave(engine, "session-a")  # back to the queue: no change to the record
        assert await wait_until(pilot, lambda: plain_row(table, first)[-1] == "", seconds=15)
        assert reads == []
        claim(engine, int(first), "bmorgan", clock.now())
        assert await wait_until(pilot, lambda: plain_row(table, first)[-2].startswith("B. Morgan"))
        assert reads


async def test_a_call_opened_elsewhere_shows_who_is_viewing_it_without_waiting_for_a_heartbeat(
    make_app, engine, clock, policy, monkeypatch
):
    """Opening a call is recorded, and the change feed brings who is viewing it at once: with no
    heartbeat (and so no periodic read of presence) during the test, the name still shows. A
    change that neither the queue nor presence shows (an escalation, to a senior) reads nothing."""
    from helpdesk.store.commands import escalations
    from helpdesk.store.commands.intake import log_concern
    from helpdesk.store.db import presence
    from helpdesk.store.queries import queue

    monkeypatch.setattr(presence, "HEARTBEAT_SECONDS", 3600)
    app = make_app(watch_changes=True)
    first = queue.open_queue(engine)[0].id
    just_in = grace_ellis(caller_name="Jo Bloggs", phone="020 7946 0001", summary="Just received: within its target")
    fresh = log_concern(engine, just_in, "rdouglas", clock.now())
    reads = []
    original = presence.viewers
    monkeypatch.setattr(presence, "viewers", lambda *args: reads.append(1) or original(*args))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(DataTable)
        await pilot.pause(0.5)  # the change feed is primed
        presence.beat(engine, "session-a", "bmorgan", first, clock.now())  # what opening a call does
        record_view(engine, first, "bmorgan", clock.now())
        assert await wait_until(pilot, lambda: plain_row(table, str(first))[-1] == "B. Morgan", seconds=10)
        reads.clear()
        later = clock.now() + dt.timedelta(hours=6)
        assert escalations.escalate(engine, "bmorgan", later, policy, concern_ids=[fresh])
        await pilot.pause(1.5)  # (a read that does not come can only be waited for)
        assert reads == []


@pytest.mark.parametrize(("login", "reads_for_escalation"), [("akhan", False), ("lpark", True)])
async def test_a_call_opened_elsewhere_reads_no_queue_and_an_escalation_only_those_who_receive_it(
    make_app, engine, clock, policy, monkeypatch, login, reads_for_escalation
):
    """Through the real change feed: another console opening a call records a "viewed" event,
    which changes nothing a queue shows; an escalation changes only a supervisor's; a call
    logged changes everyone's."""
    from helpdesk.store.commands import escalations
    from helpdesk.store.commands.intake import log_concern
    from helpdesk.store.queries import queue

    app = make_app(login=login, watch_changes=True)
    waiting = [row.id for row in queue.open_queue(engine) if row.status == "waiting"]
    just_in = grace_ellis(caller_name="Jo Bloggs", phone="020 7946 0001", summary="Just received: within its target")
    fresh = log_concern(engine, just_in, "rdouglas", clock.now())
    reads = []
    original = queue.open_queue
    monkeypatch.setattr(queue, "open_queue", lambda engine: reads.append(1) or original(engine))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.pause(0.5)  # the change feed is primed
        reads.clear()
        record_view(engine, waiting[0], "bmorgan", clock.now())
        await pilot.pause(1.5)  # (a read that does not come can only be waited for)
        assert reads == []
        later = clock.now() + dt.timedelta(hours=6)  # every waiting call long past its target
        assert escalations.escalate(engine, "bmorgan", later, policy, concern_ids=[fresh])
        if reads_for_escalation:
            assert await wait_until(pilot, lambda: bool(reads), seconds=5)
        else:
            await pilot.pause(1.5)
            assert reads == []
        reads.clear()
        claim(engine, waiting[1], "bmorgan", clock.now())
        assert await wait_until(pilot, lambda: bool(reads), seconds=5)


async def test_the_filter_narrows_the_queue_as_you_type_and_keeps_up_with_changes(make_app, engine, clock):
    """`/` and words: the school, a category, a holder, or a state (overdue, mine, urgent),
    every word to match; the count says how many of how many; a call logged meanwhile that
    matches appears; Enter opens the selected row; Esc clears the filter."""
    from helpdesk.store.commands.intake import log_concern
    from helpdesk.store.queries.queue import open_queue
    from helpdesk.tui.screens.call import CallScreen
    from support import burst

    app = make_app(watch_changes=True)
    rows = open_queue(engine)
    mine = rows[0]
    claim(engine, mine.id, "akhan", clock.now())
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.pause(0.5)  # the change feed is primed
        table = app.screen.query_one(DataTable)
        everything = table.row_count
        unfiltered = {key.value: plain_row(table, key.value) for key in table.rows}

        def shown() -> set[str]:
            return {key.value for key in table.rows}

        def count() -> str:
            return str(app.screen.query_one("#queue-filter-count").render()).strip()

        await burst(pilot, "slash", "[mine]")
        assert shown() == {str(mine.id)} and count() == f"1 of {everything}"
        word = next(row.school.split()[0] for row in rows if row.id != mine.id)
        await burst(pilot, "ctrl+u", f"[{word.upper()} overdue]")  # any case; every word must match
        expected = {
            str(row.id)
            for row in rows
            if word.casefold() in row.school.casefold() and "OVERDUE" in unfiltered[str(row.id)][0]
        }
        assert expected and shown() == expected
        await burst(pilot, "ctrl+u", "[no such school anywhere]")
        assert shown() == set() and count() == f"0 of {everything}"
        await burst(pilot, "ctrl+u", f"[{mine.urn}]")
        before = shown()
        log_concern(engine, grace_ellis(urn=mine.urn), "rdouglas", clock.now())  # another console logs one
        assert await wait_until(pilot, lambda: len(shown()) == len(before) + 1, seconds=10)
        assert all(mine.urn in plain_row(table, key)[1] for key in shown())
        await burst(pilot, "escape")
        assert table.row_count == everything + 1 and not app.screen.query_one("#queue-filter-bar").display
        await burst(pilot, "slash", "[mine]", "enter")
        await settle(pilot)
        assert isinstance(app.screen, CallScreen) and app.screen.concern_id == mine.id


async def test_a_burst_of_changes_is_read_once_more_not_once_each(engine, clock, policy, monkeypatch):
    """Twenty changes while a read is in flight: one read for them after it (the latest change
    wins: the queue's reads are one exclusive group of workers), not twenty reads at once; the
    queue then shows what the last change wrote."""
    import threading

    from helpdesk.store import commands
    from helpdesk.store.desk import Desk
    from helpdesk.tui.messages import DatabaseChanged
    from support import console

    reads, gate = [], threading.Event()
    honest = Desk.open_queue

    def counted(desk):
        reads.append(1)
        gate.wait(5)  # a slow read, on a busy host
        return honest(desk)

    app = console(engine, clock, policy, "akhan")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(Desk, "open_queue", counted)
        screen = app.screen
        for _ in range(20):
            screen.post_message(DatabaseChanged(True, frozenset({"logged"})))
        await pilot.pause(0.3)
        assert len(reads) == 1  # the rest wait for it
        newest = commands.log_concern(engine, grace_ellis(), "rdouglas", clock.now())
        screen.post_message(DatabaseChanged(True, frozenset({"logged"})))
        gate.set()
        assert await wait_until(pilot, lambda: newest in {row.id for row in screen.rows}, seconds=5)
        await settle(pilot)
        assert len(reads) == 2


async def test_a_change_updates_the_table_in_place_in_the_queues_order(make_app, engine, clock, policy):
    """A new urgent call (to the top), a call claimed and one closed elsewhere: the table is not
    cleared and filled again (every row measured again, in every console), yet its rows end in
    the queue's order and the selected call stays selected."""
    from helpdesk.store import commands
    from support import complete_the_record

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen, table = app.screen, app.screen.query_one(DataTable)
        await pilot.press("down", "down")
        chosen = screen.selected_key()
        cleared = []
        original = table.clear
        table.clear = lambda *a, **k: (cleared.append(1), original(*a, **k))[1]
        others = [row.id for row in screen.rows if str(row.id) != chosen]
        commands.claim(engine, others[0], "gsingh", clock.now())
        commands.claim(engine, others[1], "bmorgan", clock.now())
        commands.add_advice(engine, others[1], "bmorgan", "Advice", clock.now())
        complete_the_record(engine, others[1], "bmorgan", clock.now(), policy)
        commands.close(engine, others[1], "bmorgan", "Done", clock.now(), policy=policy)
        newest = commands.log_concern(engine, grace_ellis(urgent=True), "rdouglas", clock.now())
        await pilot.press("r")
        await settle(pilot)
        shown = [table.coordinate_to_cell_key((n, 0)).row_key.value for n in range(table.row_count)]
        assert shown == [str(row.id) for row in screen.rows]
        assert str(others[1]) not in shown
        assert shown.index(str(newest)) < len(shown) - 1  # not where add_row put it: the table was sorted
        assert screen.selected_key() == chosen and cleared == []
