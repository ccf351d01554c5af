"""A senior's feedback: supervisors' reviews of their own calls; opening it marks it read."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widgets import Static

from helpdesk.clock import london
from helpdesk.domain.types import ReviewOutcome
from helpdesk.store.rows import FeedbackRow
from helpdesk.tui.screens.base import DataScreen
from helpdesk.tui.widgets.banner import TroubleBanner
from helpdesk.tui.widgets.footer import KeysFooter


class FeedbackScreen(DataScreen):
    TITLE = "My feedback"
    PLACE = "My feedback"  # what Esc says on the screens opened from here
    BINDINGS = [
        Binding("escape", "back", "Queue", id="feedback.back"),
        Binding("q", "back", "Back", id="feedback.q", show=False),
    ]

    @dataclass
    class Loaded(Message):
        rows: list[FeedbackRow]

    def compose(self) -> ComposeResult:
        yield Static(" Feedback on your calls", id="review-header")
        yield TroubleBanner(id="trouble")
        with VerticalScroll(id="feedback-pane"):
            yield Static("", id="feedback")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="feedback-load")
    def load(self) -> None:
        def read() -> FeedbackScreen.Loaded:
            rows = self.app.desk.my_feedback()
            unread = [row.review_id for row in rows if not row.read]
            if unread:
                self.app.desk.mark_feedback_read(unread)
            return self.Loaded(rows)

        self.post_loaded(read)

    def on_feedback_screen_loaded(self, message: Loaded) -> None:
        text = Text()
        for row in message.rows:
            if text:
                text.append("\n\n")
            text.append("NEW  " if not row.read else "", style="bold yellow")
            text.append(f"Call {row.concern_id} · {row.school}\n", style="bold")
            text.append(
                f"{ReviewOutcome(row.outcome).label} — {row.reviewer}, {london(row.at).format('ddd D MMM YYYY HH:mm')}\n"
            )
            text.append(row.feedback or "(no written feedback)")
            if row.follow_up_id is not None and row.follow_up_due is not None:
                when = london(row.follow_up_due).format("ddd D MMM HH:mm")
                done = f", done {london(row.follow_up_done).format('ddd D MMM HH:mm')}" if row.follow_up_done else ""
                text.append(
                    f"\nFollow-up #{row.follow_up_id} for you, due {when}{done}"
                    + ("" if done else " (on your queue when due; d on the call completes it)"),
                    style="bold",
                )
        self.query_one("#feedback", Static).update(text or "No feedback on your calls yet.")

    def action_back(self) -> None:
        self.app.pop_screen()
