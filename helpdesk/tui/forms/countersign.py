"""A supervisor countersigns an exceptional pause: a decision of their own, with their reasons."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Static, TextArea

from helpdesk.clock import london_stamp
from helpdesk.store.rows import CallDetail
from helpdesk.tui.forms.base import CallForm, FormField


class CountersignForm(CallForm):
    TITLE = "Countersign the exceptional pause"
    detail: CallDetail

    def form_fields(self) -> ComposeResult:
        d = self.detail.latest_decision
        if d is not None:
            decided = london_stamp(d.decided_at) if d.decided_at else ""
            yield Static(
                f"Decision of {decided} by {d.decided_by_name or d.decided_by}: pause authorised, resumes {d.resumes_on:%a %-d %b %Y}, "
                "longer than the remit allows. Countersigning confirms it; your name, the time and your reasons "
                "go on the record.",
                classes="form-note",
            )
        yield FormField(
            "reason",
            "Your reasons",
            TextArea(id="countersign-reason", soft_wrap=True),
            hint="Required: why this very exceptional pause is justified",
        )

    def save(self, values: dict[str, object]) -> None:
        self.app.desk.countersign(self.detail.id, str(values["reason"]))
