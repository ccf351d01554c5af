"""A handler logs an incoming call: the same checks as `helpdesk concern add`, with the school
and its current inspection looked up as the URN is typed."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.widgets import Input, Select, Static, TextArea

from helpdesk.domain.intake import PHONE_EXTENSION_IN, ConcernInvalid, check_urn, validate_concern
from helpdesk.domain.refusals import Refused
from helpdesk.domain.types import CallerRole, Category
from helpdesk.store.faults import DatabaseUnavailable, unavailable
from helpdesk.store.rows import SchoolLookup
from helpdesk.tui.forms.base import FormField, FormScreen, chosen, options
from helpdesk.tui.widgets.tick_box import TickBox


class IntakeForm(FormScreen):
    TITLE = "New concern"

    def form_fields(self) -> ComposeResult:
        yield FormField(
            "urn", "School URN", Input(id="intake-urn", max_length=6, restrict=r"\d*", placeholder="six digits")
        )
        yield FormField("caller_name", "Caller's name", Input(id="intake-caller-name"))
        yield FormField(
            "caller_role", "Caller's role", Select(options(CallerRole), prompt="— choose —", id="intake-caller-role")
        )
        yield FormField("phone", "Caller's phone", Input(id="intake-phone", placeholder="e.g. 0113 496 0123"))
        yield FormField(
            "category",
            "Category",
            Select([(c.label, c.value) for c in Category], prompt="— choose —", id="intake-category"),
        )
        yield FormField("urgent", "Urgent", TickBox("Urgent or distress", id="intake-urgent"))
        yield FormField("at_risk", "Risk", TickBox("IMMEDIATE RISK to life or safety", id="intake-risk"))
        yield FormField("summary", "Summary", TextArea(id="intake-summary", soft_wrap=True))

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "intake-urn":
            self.look_up(event.value)
        elif event.input.id == "intake-phone":
            self.check_phone("phone", event.value, PHONE_EXTENSION_IN)

    @work(thread=True, exclusive=True, group="urn-lookup")
    def look_up(self, urn: str) -> None:
        if check_urn(urn):
            self.app.call_from_thread(self.show_school, urn, None, None)
            return
        try:
            found = self.app.desk.look_up_school(urn)
        except DatabaseUnavailable as error:
            self.app.call_from_thread(self.show_school, urn, None, f"Cannot look the URN up — {unavailable(error)}")
            return
        except Refused as refused:
            self.app.call_from_thread(self.show_school, urn, None, str(refused))
            return
        self.app.call_from_thread(self.show_school, urn, found, None if found else f"No school with URN {urn}")

    def show_school(self, urn: str, found: SchoolLookup | None, problem: str | None) -> None:
        hint = self.query_one("#hint-urn", Static)
        self.query_one("#field-urn", FormField).show_error(problem)
        if found is None:
            hint.update("")
            return
        inspection = f"\nInspection {found.inspection}" if found.inspection else "\nNo inspection on record"
        hint.update(f"✓ {found.name}, {found.local_authority}{inspection}")

    def save(self, values: dict[str, object]) -> int:
        try:
            concern = validate_concern(
                urn=str(values["urn"]),
                caller_name=str(values["caller_name"]),
                caller_role=chosen(values["caller_role"]),
                phone=str(values["phone"]),
                category=chosen(values["category"]),
                summary=str(values["summary"]),
                urgent=bool(values["urgent"]),
                at_risk=bool(values["at_risk"]),
            )
        except ConcernInvalid as invalid:
            # report an unknown URN with the other faults, not after they are mended
            urn = str(values["urn"])
            if "urn" not in invalid.errors and self.app.desk.look_up_school(urn) is None:
                raise ConcernInvalid({"urn": f"No school with URN {urn}", **invalid.errors}) from None
            raise
        return self.app.desk.log_concern(concern)
