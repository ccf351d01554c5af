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


CHROME = 10  # rows the box's border, title and hint take (the hint: four lines at 80 columns)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape", "close", "Close", id="help.close"),
        Binding("q", "close", "Close", show=False),
        # the list of keys is read top to bottom: End and Home go to its ends (a table's own End
        # goes to its last column)
        Binding("end", "bottom", "Last key", show=False, priority=True),
        Binding("home", "top", "First key", show=False, priority=True),
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
                    else f"{self.screen_title}: {'for you now' if key.now else 'not now'}"
                )
                if section != heading:
                    heading = section
                    table.add_row("", Text(section, style="bold underline"))
                table.add_row(key.key, key.description if key.now else f"{key.description} (not now)")
            yield table
            yield Static(HINT, id="help-hint")

    def on_mount(self) -> None:
        self.fit()
        self.query_one(DataTable).focus()  # PageDown, End and the arrows scroll the keys

    def on_resize(self) -> None:
        self.fit()

    def fit(self) -> None:
        """The keys take what the screen leaves under the title and above the hint, which is
        always read whole; a longer list scrolls."""
        self.query_one(DataTable).styles.max_height = max(3, self.app.size.height - CHROME)

    def action_bottom(self) -> None:
        self.query_one(DataTable).scroll_end(animate=False)

    def action_top(self) -> None:
        self.query_one(DataTable).scroll_home(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
