"""Supervisors' screens: review list, a closed call read end to end, a review, the senior's
feedback, learning reviews, statistics with charts."""

import datetime as dt

import pytest
from textual.widgets import DataTable, Select, Sparkline, Static, TextArea

from helpdesk.store import commands
from helpdesk.tui.screens.call import CallScreen
from helpdesk.tui.screens.feedback import FeedbackScreen
from helpdesk.tui.screens.review import ReviewScreen
from helpdesk.tui.screens.statistics import StatisticsScreen
from support import closed_call, console, settle


@pytest.fixture
def history(engine, clock, policy):
    return {
        "declined": closed_call(engine, clock, policy, decision="declined"),
        "authorised": closed_call(engine, clock, policy, decision="authorised", senior="bmorgan", days_ago=3),
        "old": closed_call(engine, clock, policy, decision="declined", days_ago=20),
    }


async def test_a_senior_is_refused_the_review_screen(engine, clock, policy):
    app = console(engine, clock, policy, "akhan")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        assert not isinstance(app.screen, ReviewScreen)
        assert any("Only a supervisor or an admin can read closed calls" in n.message for n in app._notifications)


async def test_find_last_weeks_declined_pauses_read_one_and_review_it(engine, clock, policy, history):
    app = console(engine, clock, policy, "lpark")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, ReviewScreen)
        assert {row.id for row in screen.rows} == set(history.values())
        today = clock.now().date()
        screen.query_one("#filter-from").value = (today - dt.timedelta(days=7)).isoformat()
        screen.query_one("#filter-pause", Select).value = "declined"
        await settle(pilot)
        assert [row.id for row in screen.rows] == [history["declined"]]
        screen.query_one(DataTable).focus()
        await pilot.press("enter")
        await settle(pilot)
        call = app.screen
        assert isinstance(call, CallScreen) and call.detail.status == "closed"
        kinds = [entry.kind for entry in call.detail.timeline]
        assert kinds[:2] == ["logged", "claimed"] and "closed" in kinds and kinds[-1] == "viewed"
        await pilot.press("a")  # nothing to add to a closed call
        await settle(pilot)
        assert app.screen is call
        await pilot.press("v")
        await settle(pilot)
        form = app.screen
        form.query_one("#review-outcome", Select).value = "needs_follow_up"
        form.query_one("#review-feedback", TextArea).text = "Ring the trust back to confirm the cover."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is call
        reviewed = [e for e in call.detail.timeline if e.kind == "reviewed"]
        assert len(reviewed) == 1 and "Ring the trust back to confirm the cover." in reviewed[0].text


async def test_the_senior_sees_feedback_and_the_header_counts_it_until_read(engine, clock, policy, history):
    commands.review(
        engine, history["declined"], "lpark", "needs_follow_up", "Ring the trust back.", clock.now(), policy
    )
    app = console(engine, clock, policy, "gsingh")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        header = lambda: str(app.screen.query_one("#queue-header").render())  # noqa: E731
        assert "1 new feedback" in header()
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FeedbackScreen)
        feedback = str(app.screen.query_one("#feedback", Static).content)
        assert "Ring the trust back." in feedback
        # the follow-up the review gave the senior: two working days on, at the start of the day
        assert "for you, due Fri 20 Nov 09:00 (on your queue when due; d on the call completes it)" in feedback
        await pilot.press("escape")
        await settle(pilot)
        assert "new feedback" not in header()


async def test_learning_reviews_are_listed_with_why(engine, clock, policy, history):
    commands.review(
        engine,
        history["old"],
        "lpark",
        "learning_review",
        "Late decision: discuss at the learning review.",
        clock.now(),
        policy,
    )
    app = console(engine, clock, policy, "lpark")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        await pilot.press("ctrl+l")
        await settle(pilot)
        assert app.screen.query_one(DataTable).row_count == 1
        assert "Late decision" in str(app.screen.query_one("#learning-why", Static).content)


async def test_statistics_show_charts(engine, clock, policy, history):
    app = console(engine, clock, policy, "lpark")
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatisticsScreen)
        assert sum(screen.query_one(Sparkline).data) == 3
        pauses = str(screen.query_one("#pauses", Static).content)
        assert "Authorised" in pauses and "█" in pauses


# --- snapshots -----------------------------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_review_list(snap_compare, engine, clock, policy, history, size):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("v")
        await settle(pilot)
        for widget in pilot.app.screen.query("Input"):
            widget.cursor_blink = False

    assert snap_compare(console(engine, clock, policy, "lpark"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_closed_call_timeline(snap_compare, engine, clock, policy, history, size):
    commands.review(engine, history["declined"], "mokafor", "meets_standard", "Clear record.", clock.now(), policy)

    async def run_before(pilot):
        await settle(pilot)
        pilot.app.push_screen(CallScreen(history["declined"]))
        await settle(pilot)

    assert snap_compare(console(engine, clock, policy, "lpark"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_statistics_screen(snap_compare, engine, clock, policy, history, size):
    async def run_before(pilot):
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)

    assert snap_compare(console(engine, clock, policy, "lpark"), terminal_size=size, run_before=run_before)


async def test_statistics_recompute_only_after_changes_to_their_figures_and_at_most_so_often(
    engine, clock, policy, monkeypatch
):
    """A call being viewed or advised changes no figure: nothing is recomputed. A burst of new
    calls is recomputed once at once and once more when the interval is up, not once a call."""
    from helpdesk.store.desk import Desk
    from helpdesk.tui.messages import DatabaseChanged
    from support import wait_until

    computed = []
    original = Desk.figures
    monkeypatch.setattr(Desk, "figures", lambda desk, start, end: computed.append(1) or original(desk, start, end))
    monkeypatch.setattr(StatisticsScreen, "RELOAD_AT_MOST_EVERY", 1.0)
    app = console(engine, clock, policy, "lpark")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, StatisticsScreen) and len(computed) == 1
        screen.post_message(DatabaseChanged(True, frozenset({"viewed", "advice", "contact"})))
        screen.post_message(DatabaseChanged(False))  # presence only
        await settle(pilot)
        assert len(computed) == 1
        for _ in range(5):  # five calls logged within the interval: one recompute when it is up
            screen.post_message(DatabaseChanged(True, frozenset({"logged"})))
        assert await wait_until(pilot, lambda: len(computed) == 2, seconds=3)
        await pilot.pause(1.5)  # (the absence of more recomputes can only be waited for)
        assert len(computed) == 2
        screen.post_message(DatabaseChanged(True, frozenset({"decision"})))  # the interval is over: at once
        await settle(pilot)
        assert len(computed) == 3
        screen.post_message(DatabaseChanged(True, None))  # after a fault: anything may have changed
        assert await wait_until(pilot, lambda: len(computed) == 4, seconds=3)
