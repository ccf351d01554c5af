"""Help: the keys of the screen in front, read from its real bindings."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close", id="help.close"),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, screen_title: str, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.screen_title = screen_title
        self.keys = keys

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(f"Keys — {self.screen_title}", id="help-title")
            table: DataTable[str] = DataTable(cursor_type="none", show_cursor=False, zebra_stripes=True)
            table.add_columns("Key", "Does")
            for key, description in self.keys:
                table.add_row(key, description)
            yield table
            yield Static("Ctrl+P opens the command palette with the same actions. Esc closes.", id="help-hint")

    def action_close(self) -> None:
        self.dismiss(None)
