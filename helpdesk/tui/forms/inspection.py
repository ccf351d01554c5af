"""Link the call to its inspection: one of the school's inspections on record, or one the senior
records now (reference, remit, dates). A pause can only be authorised once this is done, and
the remit sets its longest length."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Select

from helpdesk.domain import limits
from helpdesk.domain.inspection import validate_inspection
from helpdesk.domain.types import Remit
from helpdesk.store.rows import CallDetail, InspectionChoice
from helpdesk.tui.forms.base import CallForm, FormField, chosen, options

NEW = "new"
NEW_FIELDS = (
    "reference", "remit", "start", "end", "lead_inspector", "wellbeing_name", "wellbeing_role", "wellbeing_phone",
)  # fmt: skip


class InspectionForm(CallForm):
    TITLE = "Link the inspection"
    detail: CallDetail

    def __init__(self, detail: CallDetail, inspections: list[InspectionChoice]) -> None:
        super().__init__(detail)
        self.inspections = inspections

    def form_fields(self) -> ComposeResult:
        known = [(i.label, str(i.id)) for i in self.inspections]
        first = known[0][1] if known else NEW
        yield FormField(
            "inspection",
            "Inspection",
            Select(
                known + [("Record another inspection", NEW)], value=first, allow_blank=False, id="inspection-choice"
            ),
        )
        yield FormField(
            "reference", "Reference", Input(id="inspection-reference", max_length=limits.INSPECTION_REFERENCE)
        )
        yield FormField("remit", "Remit", Select(options(Remit), prompt="— choose —", id="inspection-remit"))
        yield FormField("start", "First day", Input(id="inspection-start", placeholder="YYYY-MM-DD", max_length=10))
        yield FormField("end", "Last day", Input(id="inspection-end", placeholder="YYYY-MM-DD", max_length=10))
        yield FormField("lead_inspector", "Lead inspector", Input(id="inspection-lead", max_length=limits.LOGIN))
        yield FormField(
            "wellbeing_name",
            "Well-being contact",
            Input(id="inspection-wellbeing-name", max_length=limits.PERSON_NAME),
            hint="Who is responsible for leaders' well-being (ask the lead inspector)",
        )
        yield FormField(
            "wellbeing_role", "Their role", Input(id="inspection-wellbeing-role", max_length=limits.PERSON_NAME)
        )
        yield FormField("wellbeing_phone", "Their phone", Input(id="inspection-wellbeing-phone", max_length=30))

    def on_mount(self) -> None:
        self.show_new_fields()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "inspection-choice":
            self.show_new_fields()

    def show_new_fields(self) -> None:
        new = chosen(self.query_one("#inspection-choice", Select).value) == NEW
        for name in NEW_FIELDS:
            self.query_one(f"#field-{name}").display = new

    def save(self, values: dict[str, object]) -> None:
        choice = chosen(values["inspection"])
        app = self.app
        if choice != NEW:
            app.desk.link_inspection(self.detail.id, inspection_id=int(choice))
            return
        entry = validate_inspection(
            reference=str(values["reference"]),
            remit=chosen(values["remit"]),
            start=str(values["start"]),
            end=str(values["end"]),
            lead_inspector=str(values["lead_inspector"]),
            wellbeing_name=str(values["wellbeing_name"]),
            wellbeing_role=str(values["wellbeing_role"]),
            wellbeing_phone=str(values["wellbeing_phone"]),
        )
        app.desk.link_inspection(self.detail.id, entry=entry)
