"""Asked when Esc would close a form that holds typed content: keep it as a draft for this
call (restored when the form is opened again in this session), discard it, or go back."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

KEEP, DISCARD, BACK = "keep", "discard", "back"


class DiscardPrompt(ModalScreen[str]):
    BINDINGS = [
        Binding("k", "choose('keep')", "Keep as draft", id="discard.keep"),
        Binding("d", "choose('discard')", "Discard", id="discard.discard"),
        Binding("escape", "choose('back')", "Back to the form", id="discard.back"),
    ]

    def __init__(self, form_title: str, for_a_call: bool = True) -> None:
        super().__init__()
        self.form_title = form_title
        self.kept_for = "for this call" if for_a_call else "for this session"

    def compose(self) -> ComposeResult:
        with Vertical(id="discard-box"):
            yield Static(f"{self.form_title}: nothing is saved yet.", id="discard-title")
            yield Static(f"Keep what you typed as a draft {self.kept_for}, or discard it?")
            with Horizontal(id="discard-buttons"):
                yield Button("Keep draft  k", id=f"discard-{KEEP}", variant="primary")
                yield Button("Discard  d", id=f"discard-{DISCARD}", variant="error")
                yield Button("Back  Esc", id=f"discard-{BACK}")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(str(event.button.id).removeprefix("discard-"))

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)
