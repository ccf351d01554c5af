"""A supervisor rules on an exceptional pause: countersigns it (it comes into force) or refuses
it (it never does, and the decision before it stays in force), with their reasons."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Select, Static, TextArea

from helpdesk.clock import london_stamp
from helpdesk.domain.pause import Ruling
from helpdesk.store.rows import CallDetail
from helpdesk.tui.forms.base import CallForm, FormField, chosen, options


class CountersignForm(CallForm):
    TITLE = "Countersign or refuse the exceptional pause"
    detail: CallDetail

    def form_fields(self) -> ComposeResult:
        d = self.detail.awaiting_decision
        if d is not None:
            decided = london_stamp(d.decided_at) if d.decided_at else ""
            resumes = f", resumes {d.resumes_on:%a %-d %b %Y}" if d.resumes_on else ""
            yield Static(
                f"Decision of {decided} by {d.decided_by_name or d.decided_by}: pause authorised for "
                f"{d.working_days} working days{resumes}, past the limit the remit allows. It is not in "
                "force until countersigned; refused, it never comes into force and the senior is told at "
                "once. Your name, the time and your reasons go on the record.",
                classes="form-note",
            )
        yield FormField(
            "ruling",
            "Your ruling",
            Select(options(Ruling), prompt="— choose —", id="countersign-ruling"),
        )
        yield FormField(
            "reason",
            "Your reasons",
            TextArea(id="countersign-reason", soft_wrap=True),
            hint="Required: why this exceptional pause is, or is not, justified",
        )

    def save(self, values: dict[str, object]) -> None:
        self.app.desk.countersign(self.detail.id, str(values["reason"]), chosen(values["ruling"]) or "")
