"""Calls referred for a learning review, each with why."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from helpdesk.clock import london
from helpdesk.store.rows import LearningReviewRow
from helpdesk.tui import navigation
from helpdesk.tui.screens.base import DataScreen
from helpdesk.tui.widgets.banner import TroubleBanner
from helpdesk.tui.widgets.footer import KeysFooter


class LearningReviewScreen(DataScreen):
    TITLE = "Learning reviews"
    PLACE = "Learning reviews"  # what Esc says on the screens opened from here
    BINDINGS = [
        Binding("escape", "back", "Back", id="learning.back"),
        Binding("q", "back", "Back", id="learning.q", show=False),
        Binding("enter", "open_call", "Open call", id="learning.open", priority=True),
    ]

    @dataclass
    class Loaded(Message):
        rows: list[LearningReviewRow]

    def compose(self) -> ComposeResult:
        yield Static(" Calls referred for a learning review", id="review-header")
        yield TroubleBanner(id="trouble")
        yield DataTable(id="learning", cursor_type="row")
        yield Static("", id="learning-why")
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, heading in (
            ("call", "Call"),
            ("school", "School"),
            ("senior", "Senior"),
            ("by", "Referred by"),
            ("at", "When"),
        ):
            table.add_column(heading, key=key)
        self.rows: list[LearningReviewRow] = []
        self.load()

    @work(thread=True, exclusive=True, group="learning-load")
    def load(self) -> None:
        self.post_loaded(lambda: self.Loaded(self.app.desk.learning_reviews()))

    def on_learning_review_screen_loaded(self, message: Loaded) -> None:
        self.rows = message.rows
        table = self.query_one(DataTable)
        table.clear()
        for row in self.rows:
            table.add_row(
                str(row.concern_id),
                row.school[:30],
                row.senior_name or "",
                row.reviewer,
                london(row.at).format("D MMM YYYY"),
                key=str(row.concern_id),
            )
        self.show_why()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self.show_why()

    def show_why(self) -> None:
        table = self.query_one(DataTable)
        if self.rows and 0 <= table.cursor_row < len(self.rows):
            self.query_one("#learning-why", Static).update(f" Why: {self.rows[table.cursor_row].why}")
        else:
            self.query_one("#learning-why", Static).update(" No call is referred for a learning review.")

    def action_open_call(self) -> None:
        table = self.query_one(DataTable)
        if self.rows and 0 <= table.cursor_row < len(self.rows):
            navigation.show(self.app, "call", self.rows[table.cursor_row].concern_id)

    def action_back(self) -> None:
        self.app.pop_screen()
