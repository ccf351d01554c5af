"""The banner a screen shows while the database cannot be reached."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Static

from helpdesk.tui.messages import Announcement

if TYPE_CHECKING:
    pass


class TroubleBanner(Static):
    """A visible line while the database cannot be reached; hidden otherwise."""

    DEFAULT_CLASSES = "-hidden"

    def show_trouble(self, reason: str | None) -> None:
        if isinstance(reason, Announcement):
            self.update(reason)
        elif reason:
            self.update(f"Database unavailable: {reason}. Retrying; nothing you saved is lost.")
        self.set_class(not reason, "-hidden")
