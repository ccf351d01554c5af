"""What the data screens share: loading in a worker thread, reloading on a change they show,
reading again after a failed read, and a period in weeks for the screens that show one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer

from helpdesk.domain.refusals import Refused
from helpdesk.domain.types import EventKind
from helpdesk.store.faults import DatabaseUnavailable, describe_fault
from helpdesk.tui.messages import DatabaseChanged, DatabaseTrouble, PolicyChanged
from helpdesk.tui.widgets.banner import TroubleBanner

if TYPE_CHECKING:
    from helpdesk.tui.app import HelpdeskApp


class DataScreen(Screen):
    """A screen that shows database data, with a TroubleBanner in it. The banner follows the
    App's word on the database. On DatabaseChanged the screen loads again (`load`) when the
    record changed in a way it shows, and calls `presence_moved` when only presence did or a
    call was opened elsewhere; after a recovery the
    App sends DatabaseChanged, and screens reload from that alone."""

    if TYPE_CHECKING:

        @property
        def app(self) -> HelpdeskApp:  # type: ignore[override]  # the console's App, with its desk
            ...

    def on_screen_resume(self) -> None:
        self.app.show_held_notices()  # held while a form, a prompt or the help was open

    def on_screen_suspend(self) -> None:
        if self.app.form_open():  # (another screen of data takes the notices over as they are)
            self.app.hold_notices()
            # this screen shows through around the form: its own toasts go too (Textual
            # refreshes only the toasts of the screen on top)
            for rack in self.query("ToastRack"):
                rack.remove_children()
                rack.display = False

    def load(self) -> object:
        """Read what the screen shows again (in a worker: subclasses decorate it with @work)."""
        raise NotImplementedError

    read_once = False  # the screen's first read has come back (or failed): keys may reach it
    READ_AGAIN_SECONDS = 2.0  # a read that failed is tried again this long after, until one succeeds
    read_again: Timer | None = None  # the one try waiting, however many reads failed meanwhile

    def post_loaded(self, read: Callable[[], Message | None]) -> None:
        """In a load worker: post the message `read` builds from the database; if the database
        cannot be reached, the banner says why and what is on screen stays. If the store refuses
        this person the read (an account deactivated, a role changed since the console opened),
        a notification says so and what is on screen stays."""
        try:
            loaded = read()
        except DatabaseUnavailable as error:  # any database fault shows in the banner, and is read past
            self.post_message(DatabaseTrouble(describe_fault(error), read_failed=True))
            return
        except Refused as refused:
            self.app.call_from_thread(self.notify, str(refused), severity="error", title="Refused", timeout=20)
            return
        finally:
            self.read_once = True
        if loaded is not None:
            self.post_message(loaded)

    def read_fine(self) -> None:
        """A read succeeded: the banner shows only what the App still knows of the database (a
        change feed that cannot reach it), not a trouble this read has shown to be over."""
        self.query_one(TroubleBanner).show_trouble(self.app.database_trouble)

    def presence_moved(self) -> None:
        """Only who is viewing which call changed (most screens do not show it)."""

    def moved_by(self, kinds: frozenset[str]) -> bool:
        """Whether a change whose audit events are of these kinds can alter what the screen shows
        (any can, unless the screen says otherwise)."""
        return True

    def reload_for_change(self) -> None:
        """A change this screen shows: read again (a screen may hold changes back, see statistics)."""
        self.load()

    def on_database_changed(self, message: DatabaseChanged) -> None:
        if not message.records:
            self.presence_moved()
        elif message.kinds is None or self.moved_by(message.kinds):
            self.reload_for_change()
        elif EventKind.VIEWED in message.kinds:  # a call opened elsewhere: who is viewing it moved
            self.presence_moved()

    def on_policy_changed(self, message: PolicyChanged) -> None:
        """A new version of the policy: what the screen shows by it is drawn again."""
        self.reload_for_change()

    def on_database_trouble(self, message: DatabaseTrouble) -> None:
        """The banner says what is wrong and that the console is retrying: a read of this screen's
        that failed is tried again by itself (the change feed may be fine and never ask)."""
        self.query_one(TroubleBanner).show_trouble(message.reason)
        if message.read_failed and self.read_again is None:
            self.read_again = self.set_timer(self.READ_AGAIN_SECONDS, self.read_again_now)

    def read_again_now(self) -> None:
        self.read_again = None
        self.load()


PERIODS = [1, 4, 8, 13, 26, 52]  # weeks a period of figures or of the pause register can cover


class PeriodInWeeks:
    """`+` and `-` step a screen's period through PERIODS and read it again."""

    weeks = 8

    def load(self) -> object:
        raise NotImplementedError

    def action_longer(self) -> None:
        self.weeks = next((w for w in PERIODS if w > self.weeks), self.weeks)
        self.load()

    def action_shorter(self) -> None:
        self.weeks = next((w for w in reversed(PERIODS) if w < self.weeks), self.weeks)
        self.load()
