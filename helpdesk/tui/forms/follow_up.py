"""Set a follow-up on a call (what, who owns it, when it falls due), or schedule a call back to
the caller (the number pre-filled, the time and the reason)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Select

from helpdesk.clock import london, london_stamp
from helpdesk.domain.follow_up import CALLBACK_PHONE_EXTENSION_IN, next_working_day_start, parse_due
from helpdesk.domain.phones import national
from helpdesk.domain.refusals import FieldsInvalid
from helpdesk.store.rows import CallDetail, StaffMember
from helpdesk.tui.forms.base import CallForm, FieldNote, FormField, chosen

ANY_SENIOR = "any"


class FollowUpForm(CallForm):
    TITLE = "Set a follow-up"
    WHAT = "What"
    detail: CallDetail

    def __init__(self, detail: CallDetail, owners: list[StaffMember]) -> None:
        super().__init__(detail)
        self.owners = owners

    def owner_choices(self) -> list[tuple[str, str]]:
        me = self.app.staff
        others = [(f"{s.name} ({s.role})", s.login) for s in self.owners if s.login != me.login]
        return [(f"Me ({me.name})", me.login), ("Any senior", ANY_SENIOR), *others]

    def form_fields(self) -> ComposeResult:
        yield FormField("what", self.WHAT, Input(id="follow-up-what"))
        yield from self.callback_fields()
        yield FormField(
            "owner",
            "Owner",
            Select(self.owner_choices(), value=self.app.staff.login, allow_blank=False, id="follow-up-owner"),
        )
        yield FormField(
            "due",
            "Due",
            Input(value=self.default_due(), id="follow-up-due", placeholder="YYYY-MM-DD HH:MM, or HH:MM today"),
        )

    def callback_fields(self) -> ComposeResult:
        yield from ()

    def default_due(self) -> str:
        """The start of the next working day."""
        return london(next_working_day_start(self.app.clock.now(), self.app.policy)).format("YYYY-MM-DD HH:mm")

    def on_mount(self) -> None:
        self.show_due(self.query_one("#follow-up-due", Input).value)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "follow-up-due":
            self.show_due(event.value)
        elif event.input.id == "follow-up-phone":
            self.check_phone("phone", event.value, CALLBACK_PHONE_EXTENSION_IN)

    def show_due(self, typed: str) -> None:
        """The due time in words as it is typed, or why it is not one."""
        hint = self.query_one("#hint-due", FieldNote)
        field = self.query_one("#field-due", FormField)
        if not typed.strip():
            hint.update("")
            field.show_error(None)
            return
        try:
            due = parse_due(typed, self.app.clock.now(), self.app.policy)
        except FieldsInvalid as invalid:
            hint.update("")
            field.show_error(invalid.errors["due"])
        else:
            hint.update(f"✓ {london_stamp(due)}")
            field.show_error(None)

    def owner(self, values: dict[str, object]) -> str | None:
        owner = chosen(values["owner"])
        return None if owner == ANY_SENIOR else owner

    def save(self, values: dict[str, object]) -> int:
        return self.app.desk.set_follow_up(
            self.detail.id, what=str(values["what"]), owner=self.owner(values), due=str(values["due"])
        )


class CallbackForm(FollowUpForm):
    TITLE = "Schedule a call back to the caller"
    WHAT = "Reason"

    def callback_fields(self) -> ComposeResult:
        yield FormField("phone", "Number", Input(value=national(self.detail.caller_phone), id="follow-up-phone"))

    def default_due(self) -> str:
        return ""

    def on_mount(self) -> None:
        super().on_mount()
        self.check_phone("phone", self.query_one("#follow-up-phone", Input).value, CALLBACK_PHONE_EXTENSION_IN)

    def save(self, values: dict[str, object]) -> int:
        return self.app.desk.set_follow_up(
            self.detail.id,
            what=str(values["what"]),
            owner=self.owner(values),
            due=str(values["due"]),
            callback_phone=str(values["phone"]),
        )
