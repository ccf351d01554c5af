"""Log an attempt to reach the responsible body (or the lead inspector, the caller, others)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Select

from helpdesk.domain.contact import PHONE_EXTENSION_IN
from helpdesk.domain.phones import national
from helpdesk.domain.types import Channel, ContactOutcome, Party
from helpdesk.store.rows import CallDetail
from helpdesk.tui.forms.base import CallForm, FormField, chosen, options


class ContactForm(CallForm):
    TITLE = "Log a contact attempt"
    detail: CallDetail

    def form_fields(self) -> ComposeResult:
        body = self.detail.body
        yield FormField(
            "party",
            "Who",
            Select(options(Party), value=Party.RESPONSIBLE_BODY.value, allow_blank=False, id="contact-party"),
        )
        yield FormField("contact_name", "Name", Input(value=body.contact_name if body else "", id="contact-name"))
        yield FormField(
            "phone",
            "Number used",
            Input(value=national(body.phone) if body else "", id="contact-phone", placeholder="e.g. 0113 496 0123"),
        )
        yield FormField(
            "channel",
            "How",
            Select(options(Channel), value=Channel.PHONE.value, allow_blank=False, id="contact-channel"),
        )
        yield FormField(
            "outcome", "Outcome", Select(options(ContactOutcome), prompt="— choose —", id="contact-outcome")
        )
        yield FormField("note", "Note", Input(id="contact-note"))

    def on_mount(self) -> None:
        self.check_phone("phone", self.query_one("#contact-phone", Input).value, PHONE_EXTENSION_IN)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "contact-phone":
            self.check_phone("phone", event.value, PHONE_EXTENSION_IN)

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "contact-party":
            self.prefill(chosen(event.value))

    def prefill(self, party: str) -> None:
        """The number on file for the party chosen: the body's, the caller's or the school's."""
        numbers = {
            Party.RESPONSIBLE_BODY.value: (self.detail.body.contact_name, self.detail.body.phone)
            if self.detail.body
            else None,
            Party.CALLER.value: (self.detail.caller_name, self.detail.caller_phone),
            Party.SCHOOL.value: (self.detail.school.name, self.detail.school.phone),
        }
        if found := numbers.get(party):
            self.query_one("#contact-name", Input).value = found[0] or ""
            self.query_one("#contact-phone", Input).value = national(found[1])

    def save(self, values: dict[str, object]) -> None:
        self.app.desk.log_contact(
            self.detail.id,
            party=chosen(values["party"]),
            contact_name=str(values["contact_name"]),
            phone=str(values["phone"]),
            channel=chosen(values["channel"]),
            outcome=chosen(values["outcome"]),
            note=str(values["note"]),
        )
