"""Release a claimed call back to the queue, with the reason."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input

from helpdesk.store.rows import CallDetail
from helpdesk.tui.forms.base import CallForm, FormField


class ReleaseForm(CallForm):
    TITLE = "Release the call back to the queue"
    detail: CallDetail

    def form_fields(self) -> ComposeResult:
        yield FormField("reason", "Reason", Input(id="release-reason"))

    def save(self, values: dict[str, object]) -> None:
        self.app.desk.release(self.detail.id, str(values["reason"]))
