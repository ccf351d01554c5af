"""Add an advice note (multi-line), optionally as a correction of an earlier note."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Select, TextArea

from helpdesk.store.rows import CallDetail
from helpdesk.tui.forms.base import CallForm, FormField, chosen


class AdviceForm(CallForm):
    TITLE = "Add advice"
    detail: CallDetail

    def form_fields(self) -> ComposeResult:
        yield FormField(
            "text",
            "Advice given (notes are never edited; correct with a new note)",
            TextArea(id="advice-text", soft_wrap=True),
        )
        options = [(f"Note #{advice_id}", advice_id) for advice_id in self.detail.advice_ids]
        yield FormField(
            "corrects",
            "Corrects an earlier note (optional)",
            Select(options, prompt="— not a correction —", id="advice-corrects"),
        )

    def save(self, values: dict[str, object]) -> None:
        corrects = chosen(values["corrects"])
        self.app.desk.add_advice(self.detail.id, str(values["text"]), corrects=int(corrects) if corrects else None)
