"""The floor for bench/idle.py: a bare Textual app with what an idle console shows (a header
line, a table of 200 rows, a footer) and a one-second timer that changes nothing, with no
database at all. What a console costs beyond this is the helpline's own."""

from __future__ import annotations

import signal

from textual.app import App, ComposeResult
from textual.widgets import DataTable, Footer, Static


class Floor(App[None]):
    BINDINGS = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static("A. Senior · senior          200 waiting (60 urgent) · 0 claimed · 10:00", id="header")
        yield DataTable(id="queue", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("#", "Waiting", "School", "Category", "Viewing")
        for n in range(200):
            table.add_row(str(n), f"{n % 60}m", f"School {n}", "wellbeing", "")
        self.set_interval(1, lambda: None)


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, lambda *_: None)  # idle.py's "start counting" means nothing here
    Floor().run()
