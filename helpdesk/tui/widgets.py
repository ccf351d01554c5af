"""Widgets shared by several screens."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from helpdesk.domain.refusals import Refused
from helpdesk.store.faults import DatabaseUnavailable, describe_fault
from helpdesk.tui.messages import DatabaseChanged, DatabaseTrouble

if TYPE_CHECKING:
    from helpdesk.tui.app import HelpdeskApp


class TroubleBanner(Static):
    """A visible line while the database cannot be reached; hidden otherwise."""

    DEFAULT_CLASSES = "-hidden"

    def show_trouble(self, reason: str | None) -> None:
        if reason:
            self.update(f"Database unavailable: {reason}. Retrying; nothing you saved is lost.")
        self.set_class(not reason, "-hidden")


class DataScreen(Screen):
    """A screen that shows database data, with a TroubleBanner in it. The banner follows the
    App's word on the database. On DatabaseChanged the screen loads again (`load`) when the
    record changed, and calls `presence_moved` when only presence did; after a recovery the
    App sends DatabaseChanged, and screens reload from that alone."""

    if TYPE_CHECKING:

        @property
        def app(self) -> HelpdeskApp:  # type: ignore[override]  # the console's App, with its desk
            ...

    def load(self) -> object:
        """Read what the screen shows again (in a worker: subclasses decorate it with @work)."""
        raise NotImplementedError

    def post_loaded(self, read: Callable[[], Message | None]) -> None:
        """In a load worker: post the message `read` builds from the database; if the database
        cannot be reached, the banner says why and what is on screen stays. If the store refuses
        this person the read (an account deactivated, a role changed since the console opened),
        a notification says so and what is on screen stays."""
        try:
            loaded = read()
        except DatabaseUnavailable as error:  # any database fault shows in the banner
            self.post_message(DatabaseTrouble(describe_fault(error)))
            return
        except Refused as refused:
            self.app.call_from_thread(self.notify, str(refused), severity="error", title="Refused", timeout=20)
            return
        if loaded is not None:
            self.post_message(loaded)

    def presence_moved(self) -> None:
        """Only who is viewing which call changed (most screens do not show it)."""

    def on_database_changed(self, message: DatabaseChanged) -> None:
        if message.records:
            self.load()
        else:
            self.presence_moved()

    def on_database_trouble(self, message: DatabaseTrouble) -> None:
        self.query_one(TroubleBanner).show_trouble(message.reason)
