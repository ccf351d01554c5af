"""Close the call with an outcome summary."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import TextArea

from helpdesk.store.rows import CallDetail
from helpdesk.tui.forms.base import CallForm, FormField


class CloseForm(CallForm):
    TITLE = "Close the call"
    detail: CallDetail

    def form_fields(self) -> ComposeResult:
        yield FormField("outcome", "Outcome summary", TextArea(id="close-outcome", soft_wrap=True))

    def save(self, values: dict[str, object]) -> None:
        self.app.desk.close(self.detail.id, str(values["outcome"]))
