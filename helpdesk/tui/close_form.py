"""Close the call with an outcome summary."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import TextArea

from helpdesk.store import commands
from helpdesk.store.call_queries import CallDetail
from helpdesk.tui.form import CallForm, FormField


class CloseForm(CallForm):
    TITLE = "Close the call"
    detail: CallDetail

    def form_fields(self) -> ComposeResult:
        yield FormField("outcome", "Outcome summary", TextArea(id="close-outcome", soft_wrap=True))

    def save(self, values: dict[str, object]) -> None:
        commands.close(
            self.app.engine,
            self.detail.id,
            self.app.staff.login,
            str(values["outcome"]),
            self.app.clock.now(),
            policy=self.app.policy,
        )
