"""Record that the well-being signposting was offered to the caller, or why it was not."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Select, Static, TextArea

from helpdesk.domain.signposting import SIGNPOSTING
from helpdesk.store.rows import CallDetail
from helpdesk.tui.forms.base import CallForm, FormField, chosen

OFFERED, NOT_OFFERED = "offered", "not_offered"
CHOICES = [("Offered to the caller", OFFERED), ("Not offered (say why)", NOT_OFFERED)]


class SignpostingForm(CallForm):
    TITLE = "Signposting"
    detail: CallDetail

    def form_fields(self) -> ComposeResult:
        yield Static(SIGNPOSTING, classes="form-note")
        yield FormField(
            "offered", "Signposting", Select(CHOICES, value=OFFERED, allow_blank=False, id="signposting-offered")
        )
        yield FormField(
            "reason",
            "Why not",
            TextArea(id="signposting-reason", soft_wrap=True),
            hint="Required when not offered (for example: the caller was the lead inspector)",
        )

    def on_mount(self) -> None:
        self.show_reason()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.show_reason()

    def show_reason(self) -> None:
        self.query_one("#field-reason").display = (
            chosen(self.query_one("#signposting-offered", Select).value) == NOT_OFFERED
        )

    def save(self, values: dict[str, object]) -> None:
        offered = chosen(values["offered"]) != NOT_OFFERED
        self.app.desk.record_signposting(
            self.detail.id, offered=offered, reason="" if offered else str(values["reason"])
        )
