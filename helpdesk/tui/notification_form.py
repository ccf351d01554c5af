"""Record that the lead inspector, the school or the responsible body was told of the decision."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Select

from helpdesk.domain.types import Channel, Party
from helpdesk.store import commands
from helpdesk.store.call_queries import CallDetail
from helpdesk.tui.contact_form import options
from helpdesk.tui.form import CallForm, FormField, chosen

INFORMED = [Party.LEAD_INSPECTOR, Party.SCHOOL, Party.RESPONSIBLE_BODY]


class NotificationForm(CallForm):
    TITLE = "Record who was informed of the decision"
    detail: CallDetail

    def form_fields(self) -> ComposeResult:
        yield FormField("party", "Informed", Select(options(INFORMED), prompt="— choose —", id="notify-party"))
        yield FormField("channel", "How", Select(options(Channel), value=Channel.PHONE.value, allow_blank=False, id="notify-channel"))
        yield FormField("note", "Note", Input(id="notify-note"))

    def save(self, values: dict[str, object]) -> None:
        commands.record_notification(
            self.app.engine, self.detail.id, self.app.staff.login, self.app.clock.now(),
            party=chosen(values["party"]), channel=chosen(values["channel"]), note=str(values["note"]),
        )
