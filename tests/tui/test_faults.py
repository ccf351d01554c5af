"""A database that is locked or gone: a banner, retries, nothing lost, recovery by itself."""

from sqlalchemy.exc import OperationalError
from textual.widgets import DataTable, Static, TextArea

from helpdesk.store import commands
from helpdesk.store.db.changes import ChangeFeed
from helpdesk.tui.forms.advice import AdviceForm
from helpdesk.tui.screens.call import CallScreen
from helpdesk.tui.widgets.banner import TroubleBanner
from support import settle, wait_until


def gone(*args, **kwargs):
    raise OperationalError("SELECT 1", {}, Exception("unable to open database file"))


async def test_a_banner_shows_while_the_database_is_gone_and_clears_when_it_returns(
    make_app, engine, clock, monkeypatch
):
    app = make_app(watch_changes=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        banner = app.screen.query_one(TroubleBanner)
        assert not banner.display or banner.has_class("-hidden")
        original = ChangeFeed.wait
        monkeypatch.setattr(ChangeFeed, "wait", gone)
        assert await wait_until(pilot, lambda: not banner.has_class("-hidden"))
        assert "Database unavailable: unable to open database file" in str(banner.content)
        assert app.screen.query_one(DataTable).row_count == 8  # what was on screen stays
        monkeypatch.setattr(ChangeFeed, "wait", original)
        assert await wait_until(pilot, lambda: banner.has_class("-hidden"))


async def test_a_database_file_deleted_under_the_console_shows_the_banner(make_app, db_path):
    app = make_app(watch_changes=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        banner = app.screen.query_one(TroubleBanner)
        for path in (db_path, db_path.with_name(db_path.name + "-wal"), db_path.with_name(db_path.name + "-shm")):
            path.unlink(missing_ok=True)
        assert await wait_until(pilot, lambda: not banner.has_class("-hidden"), seconds=5)
        assert "is gone" in str(banner.content)
        assert app.screen.query_one(DataTable).row_count == 8  # what was on screen stays
    assert not db_path.exists()  # and nothing made an empty one in its place


async def test_an_action_that_could_not_be_saved_says_so_and_can_be_retried(make_app, engine, clock, monkeypatch):
    from support import seed_queue

    [concern_id] = seed_queue(engine, clock, ages_min=(3,))
    commands.claim(engine, concern_id, "akhan", clock.now())
    app = make_app(seed=False)
    async with app.run_test(size=(100, 40)) as pilot:
        await settle(pilot)
        app.push_screen(CallScreen(concern_id))
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, AdviceForm)
        form.query_one("#advice-text", TextArea).text = "Advised a pause until tomorrow."
        original = commands.add_advice
        monkeypatch.setattr(commands, "add_advice", gone)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form
        message = str(form.query_one("#form-error", Static).content)
        assert message.startswith("Not saved — the database is unavailable (unable to open database file)")
        assert "press Ctrl+S to try again" in message
        assert form.query_one("#advice-text", TextArea).text == "Advised a pause until tomorrow."
        monkeypatch.setattr(commands, "add_advice", original)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CallScreen)
        assert any("Advised a pause until tomorrow." in entry.text for entry in app.screen.detail.timeline)


async def test_an_account_deactivated_while_the_console_is_open_is_told_not_crashed(make_app, engine):
    """The store refuses every read to an inactive account: the queue says so and stays up."""
    from sqlalchemy import update

    from helpdesk.store.db.models import Staff

    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        rows = app.screen.query_one(DataTable).row_count
        with engine.begin() as connection:
            connection.execute(update(Staff).where(Staff.login == app.staff.login).values(active=False))
        await pilot.press("r")
        await settle(pilot)
        assert any("is inactive" in n.message for n in app._notifications)
        assert app.is_running and app.screen.query_one(DataTable).row_count == rows


async def test_a_queue_whose_first_read_failed_reads_again_by_itself(make_app, monkeypatch):
    """Consoles that start together can find the database locked for a moment: the queue that
    could not read says so, and reads again by itself, though nothing changes in the record that
    would make the change feed ask it to (the banner promises a retry)."""
    from helpdesk.store.queries import queue

    original = queue.open_queue
    failures = []

    def locked_once(*args, **kwargs):
        if not failures:
            failures.append(True)
            raise OperationalError("SELECT …", {}, Exception("database is locked"))
        return original(*args, **kwargs)

    monkeypatch.setattr(queue, "open_queue", locked_once)
    app = make_app(watch_changes=True)
    async with app.run_test(size=(100, 30)) as pilot:
        banner = app.screen.query_one(TroubleBanner)
        assert await wait_until(pilot, lambda: failures and not banner.has_class("-hidden"))
        assert "Database unavailable: database is locked. Retrying" in str(banner.content)
        assert app.screen.query_one(DataTable).row_count == 0
        assert await wait_until(pilot, lambda: app.screen.query_one(DataTable).row_count == 8, seconds=6)
        assert banner.has_class("-hidden")
