"""A second floor for bench/startup.py: a bare Textual app that shows what the console's loaded
queue shows first (a header line with the counts, a table whose rows in view start with the same
text) and quits on `q`, with no database at all. What the console takes beyond this
is the helpline's own: reading the database, its own modules, its screens.

Run by startup.py: python bench/startup_floor_app.py HEADER ROW..."""

from __future__ import annotations

import sys

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Static


class Floor(App[None]):
    def __init__(self, header: str, rows: list[str]) -> None:
        super().__init__()
        self.header, self.rows = header, rows

    def compose(self) -> ComposeResult:
        yield Static(self.header, id="header")
        yield DataTable(id="queue", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Waiting", "School", "Category", "Caller", "Claimed by")
        for row in self.rows:
            table.add_row("12 min", row, "Wellbeing", "Head", "")

    def on_key(self, event) -> None:
        if event.key == "q":  # typed by startup.py once everything it waits for was written
            self.exit()


if __name__ == "__main__":
    Floor(sys.argv[1], sys.argv[2:]).run()
