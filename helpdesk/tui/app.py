"""The App: holds the engine, clock, policy and the member of staff; pushes the queue."""

from __future__ import annotations

import time
from collections.abc import Iterable
from functools import partial

from sqlalchemy import Engine
from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import get_current_worker

from helpdesk.clock import Clock
from helpdesk.domain.policy import Policy
from helpdesk.store.changes import ChangeFeed
from helpdesk.store.queries import StaffMember
from helpdesk.tui.faults import describe_fault
from helpdesk.tui.help_screen import HelpScreen
from helpdesk.tui.messages import DatabaseChanged, DatabaseTrouble
from helpdesk.tui.queue_screen import QueueScreen

CHANGE_POLL_SECONDS = 0.2


class HelpdeskApp(App[int]):
    CSS_PATH = "helpdesk.tcss"
    TITLE = "helpdesk"
    BINDINGS = [
        Binding("question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+q", "quit", "Quit", id="app.quit", priority=True, show=False),
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
    ) -> None:
        super().__init__()
        self.engine = engine
        self.clock = clock
        self.staff = staff
        self.policy = policy
        self.database_url = database_url
        self.exit_when_loaded = exit_when_loaded
        self.watch_changes = watch_changes

    def on_mount(self) -> None:
        self.push_screen(QueueScreen())
        if self.watch_changes:
            self.watch_database()

    @work(thread=True, exclusive=True, group="change-feed")
    def watch_database(self) -> None:
        """Poll the cheap change check and tell the screen in front when to reload."""
        feed = ChangeFeed(self.engine)
        worker = get_current_worker()
        trouble: str | None = None
        try:
            while not worker.is_cancelled:
                try:
                    changed = feed.changed()
                except Exception as error:  # noqa: BLE001 - any database fault shows as a banner
                    if describe_fault(error) != trouble:
                        trouble = describe_fault(error)
                        self.post_message(DatabaseTrouble(trouble))
                else:
                    if trouble is not None:
                        trouble = None
                        self.post_message(DatabaseTrouble(None))
                        changed = True
                    if changed:
                        self.post_message(DatabaseChanged())
                time.sleep(CHANGE_POLL_SECONDS)
        finally:
            feed.close()

    def on_database_changed(self, message: DatabaseChanged) -> None:
        self.screen.post_message(DatabaseChanged())

    def on_database_trouble(self, message: DatabaseTrouble) -> None:
        self.screen.post_message(DatabaseTrouble(message.reason))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        screen = self.screen
        # the helpline's own actions (bindings with an id) first: the screen's, then the app's;
        # then Textual's own keys for moving around
        order = {screen: 0, self: 1}
        shown = sorted(
            (active for active in screen.active_bindings.values() if active.binding.description and active.enabled),
            key=lambda active: (active.binding.id is None, order.get(active.node, 2)),
        )
        keys = [(self.get_key_display(active.binding), active.binding.description) for active in shown]
        self.push_screen(HelpScreen(screen.title or self.title, keys))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The palette offers the actions of the screen in front, then the usual ones."""
        for active in screen.active_bindings.values():
            binding = active.binding
            if active.node is screen and binding.description and active.enabled:
                yield SystemCommand(
                    binding.description,
                    binding.tooltip or f"{binding.description} ({self.get_key_display(binding)})",
                    partial(self.run_action, binding.action, screen),
                )
        yield from super().get_system_commands(screen)
