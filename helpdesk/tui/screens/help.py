"""Help: the helpline's keys on the screen in front, read from its real bindings: first those
this person may use now, then the screen's others, then the keys that work everywhere."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from helpdesk.tui.screen_keys import EVERYWHERE, ScreenKey

HINT = (
    "Keys under “not now” need another role or another state of the call; pressing one says why. "
    "q goes back (on the queue it quits). Ctrl+P searches these actions. Esc closes."
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close", id="help.close"),
        Binding("q", "close", "Close", show=False),
    ]

    def __init__(self, screen_title: str, keys: list[ScreenKey]) -> None:
        super().__init__()
        self.screen_title = screen_title
        self.keys = keys

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(f"Keys — {self.screen_title}", id="help-title")
            table: DataTable[str | Text] = DataTable(cursor_type="none", show_cursor=False, zebra_stripes=False)
            table.add_columns("Key", "Does")
            heading = None
            for key in self.keys:
                section = (
                    EVERYWHERE
                    if key.group == EVERYWHERE
                    else f"{self.screen_title}: {'yours now' if key.now else 'not now'}"
                )
                if section != heading:
                    heading = section
                    table.add_row("", Text(section, style="bold underline"))
                table.add_row(key.key, key.description if key.now else f"{key.description} (not now)")
            yield table
            yield Static(HINT, id="help-hint")

    def action_close(self) -> None:
        self.dismiss(None)
