"""Record who was told of the decision in force: the parties the policy names for it come first."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Select, Static

from helpdesk.clock import london_stamp
from helpdesk.domain.call import to_inform
from helpdesk.domain.contact import INFORMABLE
from helpdesk.domain.types import Channel, Party
from helpdesk.store.rows import CallDetail
from helpdesk.tui.forms.base import CallForm, FormField, chosen, options


class NotificationForm(CallForm):
    TITLE = "Record who was informed of the decision"
    detail: CallDetail

    def form_fields(self) -> ComposeResult:
        d = self.detail.latest_decision
        policy = self.app.policy
        needed = to_inform(d.decision, policy) if d else ()
        told = d.informed if d else frozenset()
        still = [Party(p) for p in needed if p not in told]  # first: who must still be told
        parties = still + [Party(p) for p in needed if p in told] + [p for p in INFORMABLE if p.value not in needed]
        choices = [(p.label + (" — still to inform" if p in still else ""), p.value) for p in parties]
        if d is not None:
            decided = london_stamp(d.decided_at) if d.decided_at else ""
            yield Static(f"Of the decision of {decided}: pause {d.decision}.", classes="form-note")
        yield FormField("party", "Informed", Select(choices, prompt="— choose —", id="notify-party"))
        yield FormField(
            "channel",
            "How",
            Select(options(Channel), value=Channel.PHONE.value, allow_blank=False, id="notify-channel"),
        )
        yield FormField("note", "Note", Input(id="notify-note"))

    def save(self, values: dict[str, object]) -> None:
        self.app.desk.record_notification(
            self.detail.id, party=chosen(values["party"]), channel=chosen(values["channel"]), note=str(values["note"])
        )
