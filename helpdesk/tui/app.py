"""The App: builds the desk for the member of staff (the one way it reaches the store), pushes
the queue, and tells every screen when the database changed or cannot be reached."""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterable
from functools import partial

from sqlalchemy import Engine
from textual import work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.notifications import Notify, SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.worker import get_current_worker

from helpdesk.clock import Clock
from helpdesk.domain.policy import Policy, PolicyInvalid
from helpdesk.domain.types import EventKind
from helpdesk.store.desk import Desk
from helpdesk.store.faults import DatabaseUnavailable, describe_fault
from helpdesk.store.rows import StaffMember
from helpdesk.tui import navigation, themes
from helpdesk.tui.keys import KeysInOrder
from helpdesk.tui.messages import Announcement, DatabaseChanged, DatabaseTrouble, PolicyChanged
from helpdesk.tui.notices import NOTICE_SECONDS, Notices, notice
from helpdesk.tui.screen_keys import EVERYWHERE, screen_keys
from helpdesk.tui.terminal import input_closed

CHANGE_WAIT_SECONDS = 5  # one wait on the feed (it reacts to a change at once, and to quitting)
RETRY_SECONDS = 1.0
RESTORE_CLOSE_SECONDS = 10  # a console told of a restore closes this long after
HANG_UP_CHECK_SECONDS = 1.0


class HelpdeskApp(KeysInOrder):
    CSS_PATH = "helpdesk.tcss"
    TITLE = "helpdesk"
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        # the same where `?` is typed into a field (a filter, a form)
        Binding("f1", "help", "Help", id="app.help-f1"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True, show=False),
        Binding("g", "go_to_call", "Go to call", id="app.go-to-call", show=False),
    ]

    def __init__(
        self,
        *,
        engine: Engine,
        clock: Clock,
        staff: StaffMember,
        policy: Policy,
        database_url: str = "",
        exit_when_loaded: bool = False,
        watch_changes: bool = True,
        theme: str = themes.STANDARD,
    ) -> None:
        super().__init__()
        for look in themes.HELPDESK_THEMES:
            self.register_theme(look)
        self.theme = themes.TEXTUAL_THEME[themes.chosen_theme(theme, self.no_color)]
        self.animation_level = "none"  # nothing that floods a slow SSH link
        self.desk = Desk(engine, staff, clock, policy)
        self.clock = clock
        self.staff = staff
        # what the screens show targets and limits by: the policy in force, read again when an
        # admin loads a new version (the store applies the one in force whatever this holds)
        self.policy = self.desk.policy_in_force().policy
        self.database_url = database_url
        self.exit_when_loaded = exit_when_loaded
        self.watch_changes = watch_changes
        self.session_id = self.desk.new_session()
        self.quitting = threading.Event()  # ends the change feed's wait at once
        self.database_trouble: str | None = None  # why the change feed cannot reach the database
        # what was typed in forms left unsaved, by form and call, for this session only
        self.drafts: dict[tuple[str, object], dict[str, object]] = {}
        self.notices = Notices()
        self.closing_for_restore = False

    def on_mount(self) -> None:
        navigation.show(self, "queue")
        if self.watch_changes:
            self.watch_database()
            # presence wakes no console: who is viewing is read again on a change to the record
            # (opening a call is one) and after each heartbeat, a fixed cost per console
            self.set_interval(self.desk.heartbeat_seconds(), self.heartbeat)
            self.heartbeat()  # open from the start (a restore waits for open consoles to close)
        if not self.is_headless:
            self.set_interval(HANG_UP_CHECK_SECONDS, self.leave_if_the_terminal_closed)

    def leave_if_the_terminal_closed(self) -> None:
        """A console whose terminal has gone exits (nobody can see it or type into it). Not
        through Textual's shutdown: that restores the terminal first, and its output thread,
        failing on the closed terminal, would hold it for ever."""
        if input_closed():
            self.leave()
            os._exit(1)

    @work(thread=True, exclusive=True, group="change-feed")
    def watch_database(self) -> None:
        """Wait on the change feed and tell every screen when to reload, and whether the record
        changed or only presence; show a banner while the database cannot be reached, and clear
        it (and reload) when it comes back."""
        feed = self.desk.change_feed(self.quitting)
        worker = get_current_worker()
        kinds: frozenset[str] | None = None
        trouble: str | None = None
        seen_event: int | None = None  # the newest audit event the screens have been told of
        try:
            while not (worker.is_cancelled or self.quitting.is_set()):
                try:
                    if seen_event is None:  # before the feed's first wait, which primes it
                        seen_event = self.desk.latest_event_id()
                    changed = feed.wait(CHANGE_WAIT_SECONDS)
                    if changed:
                        seen_event, kinds = self.desk.events_since(seen_event)
                        records = bool(kinds)
                except Exception as error:  # noqa: BLE001 - any database fault shows as a banner
                    if describe_fault(error) != trouble:
                        trouble = describe_fault(error)
                        self.post_message(DatabaseTrouble(trouble))
                    self.quitting.wait(RETRY_SECONDS)
                    continue
                if trouble is not None:
                    trouble = None
                    self.post_message(DatabaseTrouble(None))
                    changed = records = True
                    kinds = None  # after a fault: anything may have changed
                if changed:
                    self.post_message(DatabaseChanged(records, kinds))
        finally:
            feed.close()

    def on_database_changed(self, message: DatabaseChanged) -> None:
        if message.kinds and EventKind.RESTORE_ANNOUNCED in message.kinds and not self.closing_for_restore:
            self.close_for_restore()
        if message.records and (message.kinds is None or EventKind.POLICY_LOADED in message.kinds):
            # a fault shows in the banner; a stored version out of bounds (changed outside the
            # commands) is refused by the store for every decision: this console keeps what it had
            with contextlib.suppress(DatabaseUnavailable, PolicyInvalid):
                policy, self.policy = self.policy, self.desk.policy_in_force().policy
                if self.policy != policy:
                    for screen in self.screen_stack:
                        screen.post_message(PolicyChanged())
        for screen in self.screen_stack:
            screen.post_message(DatabaseChanged(message.records, message.kinds))

    def action_go_to_call(self) -> None:
        """The call a caller quotes, opened from wherever this person is."""
        from helpdesk.tui.forms.go_to_call import GoToCall

        def go(number: int | None) -> None:
            if number is not None:
                navigation.show(self, "call", number)

        self.push_screen(GoToCall(), go)

    def close_for_restore(self) -> None:
        """An admin is restoring the database from a backup: say so on every screen, ring, and
        close in a few seconds (the restore waits for every console to close; what is typed
        now could not be kept)."""
        self.closing_for_restore = True
        self.bell()
        self.post_message(
            DatabaseTrouble(
                Announcement(
                    f"The database is being restored from a backup: this console closes in {RESTORE_CLOSE_SECONDS}"
                    " seconds, and what is not saved by then cannot be kept. Open it again when the restore is done."
                )
            )
        )
        self.set_timer(RESTORE_CLOSE_SECONDS, self.closed_for_restore)

    def closed_for_restore(self) -> None:
        self.exit(
            return_code=1,
            message="helpdesk: the console closed for a restore of the database; open it again when it is done",
        )

    def on_database_trouble(self, message: DatabaseTrouble) -> None:
        self.database_trouble = message.reason
        for screen in self.screen_stack:
            screen.post_message(DatabaseTrouble(message.reason))

    # --- notices ----------------------------------------------------------------------------

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
        about: int | None = None,
    ) -> None:
        """As Textual's, but never over a form, and a notice `about` a call goes when the call
        is opened: see helpdesk.tui.notices."""
        notification = notice(message, title, severity, timeout or self.NOTIFICATION_TIMEOUT, markup)
        if self.form_open():
            self.notices.hold(about, notification)
        else:
            self.post_message(Notify(self.notices.showing(about, notification)))

    def announce(
        self,
        about: int | None,
        message: str,
        *,
        title: str,
        severity: SeverityLevel,
        seconds: float = NOTICE_SECONDS,
    ) -> None:
        """Something others did that concerns this person: the bell now, and a notice for a
        minute, or `seconds` (taken down when the call it is `about` is opened)."""
        self.bell()
        self.notify(message, title=title, severity=severity, timeout=seconds, markup=False, about=about)

    def form_open(self) -> bool:
        return isinstance(self.screen_stack[-1], ModalScreen) if self.screen_stack else False

    def show_held_notices(self) -> None:
        """A screen is back on top (a form, a prompt or the help closed)."""
        for notification in self.notices.release():
            self.post_message(Notify(notification))

    def hold_notices(self) -> None:
        """A form, a prompt or the help opened over a screen."""
        for notification in self.notices.take_down():
            self._unnotify(notification)

    def read_notices_about(self, concern_id: int) -> None:
        for notification in self.notices.read(concern_id):
            self._unnotify(notification)  # (as a click on the notice does)

    # --- presence ---------------------------------------------------------------------------

    def viewing(self) -> int | None:
        """The call this console shows, if any (forms over it count as viewing it)."""
        for screen in reversed(self.screen_stack):
            if concern_id := getattr(screen, "concern_id", None):
                return concern_id
        return None

    def heartbeat(self) -> None:
        self.send_heartbeat(self.viewing())

    @work(thread=True, exclusive=True, group="presence")
    def send_heartbeat(self, concern_id: int | None) -> None:
        try:
            self.desk.beat(self.session_id, concern_id)
        except Exception:  # noqa: BLE001 - presence is best effort; the banner reports faults
            pass
        self.post_message(DatabaseChanged(records=False))  # and who is viewing is read again

    def on_unmount(self) -> None:
        self.leave()

    def leave(self) -> None:
        """Stop watching for changes and take this console out of who is viewing."""
        self.quitting.set()
        try:
            self.desk.leave(self.session_id)
        except Exception:  # noqa: BLE001 - an expired heartbeat tidies it anyway
            pass

    def action_help(self) -> None:
        if isinstance(self.screen, navigation.screen_class("help")):
            self.pop_screen()
            return
        screen = self.screen
        navigation.show(self, "help", screen.title or self.title, screen_keys(screen))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette offers the helpline's actions on the screen in front, those this person
        may use now first, then changing the theme and quitting (not Textual's own keys)."""
        for key in screen_keys(screen):
            if key.group == EVERYWHERE:
                continue
            help_text = key.binding.tooltip or key.description
            yield SystemCommand(
                f"{key.description} ({key.key})" + ("" if key.now else " — not now"),
                f"{screen.title}: {help_text}" if key.now else f"{screen.title}: {help_text}; pressing it says why not",
                partial(self.run_action, key.binding.action, screen),
            )
        yield SystemCommand("Keys", "Show the keys of this screen (?)", self.action_help)
        for command in super().get_system_commands(screen):
            if command.title in ("Theme", "Quit"):
                yield command
