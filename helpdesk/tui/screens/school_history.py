"""A school's history: every call about the school and about the other schools of its responsible
body, newest first, with the decision in force and (for those who may read closed calls) the
outcome. Enter opens a call."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from helpdesk.clock import london
from helpdesk.store.rows import SchoolHistory
from helpdesk.tui import navigation
from helpdesk.tui.screens.base import DataScreen
from helpdesk.tui.widgets.banner import TroubleBanner
from helpdesk.tui.widgets.columns import lay_out_columns, short_name
from helpdesk.tui.widgets.footer import KeysFooter

WIDE = 120  # narrower than this, no outcome column
# (key, heading, width); the school takes what is left
COLUMNS = [
    ("received", "Received", 10),
    ("call", "Call", 5),
    ("school", "URN · School", None),
    ("category", "Category", 10),
    ("state", "State", 16),
    ("decision", "Pause", 10),
    ("outcome", "Outcome", 30),
]


class SchoolHistoryScreen(DataScreen):
    TITLE = "School history"
    BINDINGS = [
        Binding("escape", "back", "Back", id="history.back"),
        Binding("q", "back", "Back", id="history.q", show=False),
        Binding("enter", "open_call", "Open call", id="history.open", priority=True),
    ]

    @dataclass
    class Loaded(Message):
        history: SchoolHistory | None

    def __init__(self, urn: str) -> None:
        super().__init__()
        self.urn = urn
        self.history: SchoolHistory | None = None

    def keys_now(self) -> list[str]:
        return ["back", "open_call"]

    def compose(self) -> ComposeResult:
        yield Static("", id="history-header")
        yield TroubleBanner(id="trouble")
        yield DataTable(id="history", cursor_type="row", zebra_stripes=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="history-load")
    def load(self) -> None:
        self.post_loaded(lambda: self.Loaded(self.app.desk.school_history(self.urn)))

    def on_school_history_screen_loaded(self, message: Loaded) -> None:
        if message.history is None:
            self.notify(f"There is no school with URN {self.urn}", severity="error")
            self.app.pop_screen()
            return
        self.history = message.history
        self.read_fine()
        self.show_history()

    def on_resize(self) -> None:
        if self.history is not None:
            self.show_history()

    def show_history(self) -> None:
        h = self.history
        if h is None:
            return
        here = sum(c.urn == h.urn for c in h.calls)
        elsewhere = len(h.calls) - here
        body = f" · {elsewhere} more at {h.body}'s other schools" if h.body and elsewhere else ""
        self.query_one("#history-header", Static).update(
            f" {h.school} (URN {h.urn}) · {here} call{'s' if here != 1 else ''}{body}"
        )
        table = self.query_one("#history", DataTable)
        wide = self.size.width
        columns = [c for c in COLUMNS if c[0] != "outcome" or wide >= WIDE]
        selected = table.cursor_row
        lay_out_columns(table, columns, wide)
        for c in h.calls:
            holder = short_name(c.holder, "?")
            state = {"waiting": "WAITING", "claimed": f"held {holder}"}.get(c.status, f"closed {holder}")
            cells = {
                "received": london(c.received_at).format("D MMM YY"),
                "call": str(c.id),
                "school": f"{c.urn} {c.school}",
                "category": c.what,
                "state": state,
                "decision": c.decision or "",
                "outcome": (c.outcome or "").replace("\n", " "),
            }
            style = "bold" if c.urn == h.urn else ""
            table.add_row(*(Text.styled(cells[key], style) for key, _, _ in columns), key=str(c.id))
        if h.calls:
            table.move_cursor(row=min(max(selected, 0), len(h.calls) - 1), animate=False)

    def action_open_call(self) -> None:
        table = self.query_one("#history", DataTable)
        if not table.row_count:
            self.notify("No calls about this school yet.", severity="warning")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        navigation.show(self.app, "call", int(str(key)))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_call()

    def action_back(self) -> None:
        self.app.pop_screen()
