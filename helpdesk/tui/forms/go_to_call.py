"""`g`, from anywhere: the number a caller quotes, and the call opens (with the same refusal,
recorded, as opening it from the queue, when this person may not see it)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from helpdesk.domain.call import CallNumberInvalid, call_number


class GoToCall(ModalScreen[int | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel", id="go.cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(id="go-box"):
            yield Static("Go to call", id="go-title")
            yield Input(placeholder="the number the caller quotes", id="go-number", max_length=30)
            yield Static("", id="go-error")
            yield Static("⏎ opens it · Esc cancels", id="go-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        try:
            self.dismiss(call_number(event.value))
        except CallNumberInvalid as invalid:
            self.query_one("#go-error", Static).update(str(invalid))

    def action_cancel(self) -> None:
        self.dismiss(None)
