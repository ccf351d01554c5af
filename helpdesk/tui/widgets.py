"""Widgets shared by several screens."""

from __future__ import annotations

from textual.widgets import Static


class TroubleBanner(Static):
    """A visible line while the database cannot be reached; hidden otherwise."""

    DEFAULT_CLASSES = "-hidden"

    def show_trouble(self, reason: str | None) -> None:
        if reason:
            self.update(f"Database unavailable: {reason}. Retrying; nothing you saved is lost.")
        self.set_class(not reason, "-hidden")
