"""A console is told of a restore through the trail: it says so, and closes by itself, so the
restore that waits for open consoles can go ahead."""

from __future__ import annotations

import pytest

from helpdesk.domain.types import EventKind
from helpdesk.store.db.audit import record_event
from helpdesk.store.db.presence import open_consoles
from helpdesk.store.db.transaction import writing
from helpdesk.tui import app as console_app
from support import console, settle, wait_until


@pytest.fixture
def quick_close(monkeypatch):
    monkeypatch.setattr(console_app, "RESTORE_CLOSE_SECONDS", 1)


async def test_a_console_told_of_a_restore_says_so_and_closes(engine, clock, policy, quick_close):
    bells = []
    app = console(engine, clock, policy, "gsingh", watch_changes=True)
    app.bell = lambda: bells.append(1)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # open from the start: a restore would wait for this console
        assert await wait_until(pilot, lambda: open_consoles(engine, clock.now()) == ["Gurpreet Singh"], seconds=5)
        with writing(engine) as session:
            record_event(session, actor="wcole", kind=EventKind.RESTORE_ANNOUNCED, at=clock.now(), consoles=1)
        assert await wait_until(pilot, lambda: app.database_trouble is not None, seconds=5)
        assert "being restored from a backup: this console closes in 1 seconds" in app.database_trouble
        banner = lambda: str(app.screen.query_one("#trouble").render())  # noqa: E731
        # (the App knows first; the screen's banner follows at its next message)
        assert await wait_until(pilot, lambda: banner().startswith("The database is being restored from a backup"))
        assert "unavailable" not in banner()
        assert bells == [1]
        assert await wait_until(pilot, lambda: not app.is_running, seconds=5)
    assert app.return_code == 1
    assert open_consoles(engine, clock.now()) == []  # it left: the restore goes ahead
