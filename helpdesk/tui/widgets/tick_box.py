"""A checkbox that shows X only when ticked (readable without colour)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Checkbox

if TYPE_CHECKING:
    pass


class TickBox(Checkbox):
    """A checkbox that is ticked in writing: X when ticked, blank when not (Textual's draws an X
    either way and tells them apart by colour alone)."""

    @property  # a class constant in Textual's ToggleButton; here it follows the value
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 - Textual's name
        return "X" if self.value else " "
