"""A supervisor hands a claimed call to another senior (who must be independent too)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Select

from helpdesk.store.rows import CallDetail, StaffMember
from helpdesk.tui.forms.base import CallForm, FormField, chosen


class ReassignForm(CallForm):
    TITLE = "Reassign the call"
    detail: CallDetail

    def __init__(self, detail: CallDetail, seniors: list[StaffMember]) -> None:
        super().__init__(detail)
        self.seniors = seniors

    def form_fields(self) -> ComposeResult:
        people = [
            (f"{s.name} ({s.role}, {s.region})", s.login) for s in self.seniors if s.login != self.detail.claimed_by
        ]
        yield FormField("new_holder", "Hand to", Select(people, prompt="— choose —", id="reassign-to"))
        yield FormField("reason", "Reason", Input(id="reassign-reason"))

    def save(self, values: dict[str, object]) -> None:
        self.app.desk.reassign(self.detail.id, chosen(values["new_holder"]), str(values["reason"]))
