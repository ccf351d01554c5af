"""Follow-ups in the console: typed in bursts (the database is checked, not the screen), the
queue's section and its counts as time passes, the call's card, and the new pause decision a
resumption check offers when support is not in place."""

import datetime as dt

import pytest
from textual.widgets import DataTable, Static

from helpdesk.store import commands
from helpdesk.store.commands.follow_ups import set_follow_up
from helpdesk.store.db.models import ContactAttempt, FollowUp
from helpdesk.tui.forms.follow_up_done import FollowUpDoneForm
from helpdesk.tui.forms.pause import PauseForm
from helpdesk.tui.screens.call import CallScreen
from helpdesk.tui.screens.queue import QueueHeader
from support import authorised_pause, burst, console, held_call, no_blink, open_call, pause_request, rows, settle

SIZES = [(80, 24), (120, 40)]


async def test_a_follow_up_set_and_completed_in_bursts(engine, clock, policy):
    concern_id = held_call(engine, clock)
    app = console(engine, clock, policy, "gsingh")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_call(pilot, concern_id)
        await burst(pilot, "u", "[Ring the trust about cover]", "tab", "tab", "ctrl+u", "[16:30]", "ctrl+s", "a")
        [follow_up] = rows(engine, FollowUp, concern_id=concern_id)
        assert (follow_up.what, follow_up.owner, follow_up.kind) == ("Ring the trust about cover", "gsingh", "task")
        assert follow_up.due_at.replace(tzinfo=dt.UTC) == dt.datetime(2026, 11, 18, 16, 30, tzinfo=dt.UTC)
        assert app.screen.__class__.__name__ == "AdviceForm"  # the key after Ctrl+S went to the call
        await burst(pilot, "escape", "d", "tab", "tab", "[Trust confirmed cover]", "ctrl+s")
        [done] = rows(engine, FollowUp, concern_id=concern_id)
        assert (done.done_by, done.outcome, done.note) == ("gsingh", "done", "Trust confirmed cover")
        assert isinstance(app.screen, CallScreen)
        assert "none open" in str(app.screen.query_one("#follow-ups-card", Static).content)


async def test_a_call_back_is_scheduled_and_its_attempt_logged(engine, clock, policy):
    concern_id = held_call(engine, clock)
    app = console(engine, clock, policy, "gsingh")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_call(pilot, concern_id)
        # the number comes filled in with the caller's; Owner and Due follow it
        await burst(pilot, "b", "[After the feedback meeting]", "tab", "tab", "tab", "[14:00]", "ctrl+s")
        [callback] = rows(engine, FollowUp, concern_id=concern_id)
        assert (callback.kind, callback.phone) == ("callback", "+442079460123")
        # outcome: the menu opened, the second choice (voicemail) taken
        await burst(pilot, "d", "tab", "enter", "down", "down", "enter", "tab", "[Left a message]", "ctrl+s")
        [attempt] = rows(engine, ContactAttempt, concern_id=concern_id)
        assert (attempt.party, attempt.phone, attempt.outcome, attempt.note) == (
            "caller",
            "+442079460123",
            "voicemail",
            "Left a message",
        )


async def test_a_wrong_due_time_is_shown_and_nothing_is_saved(engine, clock, policy):
    concern_id = held_call(engine, clock)
    app = console(engine, clock, policy, "gsingh")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_call(pilot, concern_id)
        await burst(pilot, "u", "[Ring]", "tab", "tab", "ctrl+u", "[08:00]")
        assert "Due: 08:00 has passed" in str(app.screen.query_one("#error-due", Static).content)
        await burst(pilot, "ctrl+s")
        assert rows(engine, FollowUp) == [] and app.screen.__class__.__name__ == "FollowUpForm"
        await burst(pilot, "ctrl+u", "[2026-11-19 10:00]", "ctrl+s")
        assert len(rows(engine, FollowUp)) == 1


async def test_support_not_in_place_opens_a_new_pause_decision(engine, clock, policy):
    concern_id = authorised_pause(engine, clock, policy)
    app = console(engine, clock, policy, "gsingh")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await open_call(pilot, concern_id)
        await burst(pilot, "d")
        assert isinstance(app.screen, FollowUpDoneForm)
        await burst(pilot, "tab", "enter", "down", "down", "enter", "tab", "[No interim head yet]", "ctrl+s")
        [check] = rows(engine, FollowUp, concern_id=concern_id)
        assert (check.outcome, check.note) == ("support_not_in_place", "No interim head yet")
        assert isinstance(app.screen, PauseForm)


async def test_support_not_in_place_on_a_closed_call_says_what_to_do(engine, clock, policy):
    concern_id = authorised_pause(engine, clock, policy)
    from support import complete_the_record

    commands.add_advice(engine, concern_id, "gsingh", "Advised", clock.now())
    complete_the_record(engine, concern_id, "gsingh", clock.now(), policy)
    commands.close(engine, concern_id, "gsingh", "Paused", clock.now(), policy=policy)
    notices = []
    app = console(engine, clock, policy, "gsingh")
    app.notify = lambda message, **kwargs: notices.append(message)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await open_call(pilot, concern_id)
        await burst(pilot, "d", "tab", "enter", "down", "down", "enter", "tab", "[No interim head]", "ctrl+s")
        assert isinstance(app.screen, CallScreen)
    assert any("Support is NOT in place. Cannot record a new pause decision: the call is closed" in n for n in notices)


async def test_the_queue_shows_follow_ups_due_and_counts_them_as_they_fall_overdue(engine, clock, policy):
    concern_id = held_call(engine, clock, senior="bmorgan")
    earlier = clock.now() - dt.timedelta(hours=1)
    set_follow_up(engine, concern_id, "lpark", earlier, policy, what="Ring the head", owner=None, due="08:30")
    set_follow_up(engine, concern_id, "lpark", earlier, policy, what="Mine soon", owner="akhan", due="09:10")
    set_follow_up(engine, concern_id, "lpark", earlier, policy, what="Tomorrow", owner="akhan", due="2026-11-19")
    app = console(engine, clock, policy, "akhan")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#follow-ups", DataTable)
        assert table.row_count == 2  # not tomorrow's
        first = [str(cell) for cell in table.get_row_at(0)]
        assert first[0].strip() == "OVERDUE 30m" and first[2] == "Ring the head"
        assert "due 09:10" in str(table.get_row_at(1)[0])
        header = app.screen.query_one(QueueHeader)
        assert "2 follow-ups due, 1 OVERDUE" in header.shown_line or "2 follow-ups, 1 OVERDUE" in header.shown_line
        clock.advance(minutes=11)  # 09:11: the second falls due
        app.screen.tick()
        await pilot.pause()
        assert "OVERDUE 1m" in str(table.get_row_at(1)[0])
        assert "2 OVERDUE" in header.shown_line
        # u goes to the section; Enter opens that follow-up's call
        await burst(pilot, "u", "enter")
        assert isinstance(app.screen, CallScreen) and app.screen.concern_id == concern_id


async def test_a_handler_has_no_follow_ups(engine, clock, policy):
    concern_id = held_call(engine, clock)
    set_follow_up(engine, concern_id, "gsingh", clock.now(), policy, what="Any", owner=None, due="09:30")
    app = console(engine, clock, policy, "rdouglas")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.query_one("#follow-ups-section").has_class("-empty")
        await open_call(pilot, concern_id)
        await burst(pilot, "u")
        assert isinstance(app.screen, CallScreen)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("view", ["queue", "call", "u", "b", "d"])
def test_follow_up_screens(snap_compare, engine, clock, policy, view, size):
    """The queue's section, a call's card, setting one and completing one."""
    from support import seed_queue

    seed_queue(engine, clock, ages_min=(12, 3))
    concern_id = authorised_pause(engine, clock, policy, senior="akhan")
    earlier = clock.now() - dt.timedelta(hours=1)
    set_follow_up(engine, concern_id, "lpark", earlier, policy, what="Ring the head", owner=None, due="08:30")
    set_follow_up(
        engine, concern_id, "akhan", earlier, policy, what="After the feedback meeting", owner="akhan", due="11:15",
        kind="callback", phone="020 7946 0123",
    )  # fmt: skip

    async def run_before(pilot):
        await settle(pilot)
        if view != "queue":
            pilot.app.push_screen(CallScreen(concern_id))
            await settle(pilot)
        if view in ("u", "b", "d"):
            await burst(pilot, view)
        no_blink(pilot)
        await pilot.pause()

    assert snap_compare(console(engine, clock, policy, "akhan"), terminal_size=size, run_before=run_before)


async def test_a_call_handed_over_is_told_at_once_and_new_until_opened(engine, clock, policy):
    """The supervisor's reassignment reaches the new holder's console through the change feed,
    while they are on another screen: a bell, a notification, NEW on the row until opened."""
    from support import plain_row, wait_until

    concern_id = held_call(engine, clock, senior="bmorgan")
    notices, bells = [], []
    app = console(engine, clock, policy, "akhan", watch_changes=True)
    app.notify = lambda message, **kwargs: notices.append(message)
    app.bell = lambda: bells.append(1)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#queue", DataTable)
        await pilot.pause(0.5)  # the change feed is primed
        from helpdesk.tui.screens.feedback import FeedbackScreen

        app.push_screen(FeedbackScreen())  # somewhere other than the queue
        await settle(pilot)
        commands.reassign(engine, concern_id, "lpark", "akhan", "Bethan has gone home", clock.now())
        assert await wait_until(pilot, lambda: notices, seconds=5)
        assert notices == [
            f"Lucy Park handed you call {concern_id} (930037 Thornhill High School): Bethan has gone home"
        ]
        assert bells == [1]
        assert plain_row(table, str(concern_id))[-2].startswith("NEW A. Khan")
        app.pop_screen()
        await settle(pilot)
        clock.advance(minutes=1)
        await open_call(pilot, concern_id)
        app.pop_screen()
        assert await wait_until(pilot, lambda: plain_row(table, str(concern_id))[-2].startswith("A. Khan"))
        assert len(notices) == 1 and bells == [1]  # told once


async def test_a_notice_never_covers_a_form_and_goes_when_its_call_is_opened(engine, clock, policy):
    """Calls are handed to a senior while she works on another. A notice showing when she opens
    a form is taken down (a toast sits over the form's error and its save); one raised while
    the form is open rings the bell but waits; both show when the form closes, and opening a
    handed call takes its notice down (the row said NEW until then)."""
    from helpdesk.tui.forms.advice import AdviceForm
    from support import wait_until

    def notices() -> list[str]:  # what the console shows as toasts (Textual keeps them here)
        return [str(n.message) for n in app._notifications]

    def toasts() -> list:  # on every screen: one under a form shows through around it
        return [toast for screen in app.screen_stack for toast in screen.query("Toast")]

    def told(concern_id: int) -> str:
        return f"Lucy Park handed you call {concern_id} (930037 Thornhill High School): Bethan has gone home"

    own = held_call(engine, clock, senior="akhan")
    first, second = held_call(engine, clock, senior="bmorgan"), held_call(engine, clock, senior="bmorgan")
    bells = []
    app = console(engine, clock, policy, "akhan", watch_changes=True)
    app.bell = lambda: bells.append(1)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.pause(0.5)  # the change feed is primed
        await open_call(pilot, own)
        commands.reassign(engine, first, "lpark", "akhan", "Bethan has gone home", clock.now())
        assert await wait_until(pilot, lambda: notices() == [told(first)] and len(toasts()) == 1, seconds=5)
        await burst(pilot, "a", "[Talked it through with]")
        await pilot.pause(0.2)
        assert isinstance(app.screen, AdviceForm)
        assert notices() == [] and toasts() == []  # taken down over the form
        commands.reassign(engine, second, "lpark", "akhan", "Bethan has gone home", clock.now())
        assert await wait_until(pilot, lambda: len(bells) == 2, seconds=5)
        await pilot.pause(0.3)
        assert notices() == [] and toasts() == []  # waits: the form stays clear
        assert str(app.screen.query_one("#field-text").widget.text) == "Talked it through with"
        await burst(pilot, "escape", "d")  # the form closes (its draft discarded)
        await settle(pilot)
        assert sorted(notices()) == sorted([told(first), told(second)])
        await burst(pilot, "escape")
        await settle(pilot)
        await open_call(pilot, first)
        assert await wait_until(pilot, lambda: notices() == [told(second)], seconds=5)  # read: it goes
        assert len(bells) == 2


async def test_a_console_raises_an_overdue_call_and_a_supervisor_is_alerted_within_a_second(
    engine, clock, policy, monkeypatch
):
    """A senior's console sees a waiting call pass its target and raises it; the supervisor's
    console (another App on the same database, through the change feed) rings once within a
    second. (Consoles raise after a random pause of up to 3 s: none here, to time the alert.)"""
    import time

    from helpdesk.tui.screens.queue import QueueScreen

    monkeypatch.setattr(QueueScreen, "ESCALATION_SPREAD_SECONDS", 0)

    from helpdesk.store.db.models import Escalation
    from support import wait_until

    concern_id = pause_request(engine, clock)  # urgent: 5 minutes
    notices, bells = [], []
    supervisor = console(engine, clock, policy, "lpark", watch_changes=True)
    supervisor.notify = lambda message, **kwargs: notices.append(message)
    supervisor.bell = lambda: bells.append(1)
    senior = console(engine, clock, policy, "akhan")
    async with supervisor.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.pause(0.5)  # the change feed is primed
        async with senior.run_test(size=(100, 30)) as senior_pilot:
            await settle(senior_pilot)
            clock.advance(minutes=6)
            senior.screen.tick()  # the row turns OVERDUE on the senior's console
            await settle(senior_pilot)
            raised_at = time.monotonic()
            assert len(rows(engine, Escalation)) == 1
        assert await wait_until(pilot, lambda: notices, seconds=1), "no alert within a second"
        assert time.monotonic() - raised_at < 1
        assert notices == [f"930037 Thornhill High School: call {concern_id} is not claimed within its target"]
        assert bells == [1]
        header = supervisor.screen.query_one(QueueHeader).shown_line
        assert "1 ESCALATED" in header
        supervisor.screen.load()  # read again: still one alert
        await settle(pilot)
        assert len(notices) == 1
        commands.claim(engine, concern_id, "gsingh", clock.now())
        assert await wait_until(pilot, lambda: "ESCALATED" not in supervisor.screen.query_one(QueueHeader).shown_line)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("login", ["akhan", "lpark"])
def test_queue_with_a_handover_and_escalations(snap_compare, engine, clock, policy, login, size):
    """The senior's queue with a call just handed to them (NEW, and the notice); the supervisor's
    with escalations standing (the header's count, and the one-line notice on opening)."""
    from helpdesk.store.commands.escalations import escalate
    from support import seed_queue

    ids = seed_queue(engine, clock, ages_min=(22, 12, 3))
    commands.claim(engine, ids[-1], "bmorgan", clock.now())
    commands.reassign(engine, ids[-1], "lpark", "akhan", "Bethan has gone home", clock.now())
    escalate(engine, "gsingh", clock.now(), policy, concern_ids=ids[:2])

    async def run_before(pilot):
        await settle(pilot)
        await pilot.pause()

    assert snap_compare(console(engine, clock, policy, login), terminal_size=size, run_before=run_before)
