"""Putting a supervisor on call, and taking a period off the rota."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Select, Static

from helpdesk.store.rows import OnCallRow, StaffMember
from helpdesk.tui.forms.base import FormField, FormScreen, chosen


class OnCallForm(FormScreen):
    TITLE = "Put a supervisor on call"

    def __init__(self, supervisors: list[StaffMember]) -> None:
        super().__init__()
        self.supervisors = supervisors

    def form_fields(self) -> ComposeResult:
        yield FormField(
            "login",
            "Supervisor",
            Select([(s.name, s.login) for s in self.supervisors], prompt="— choose —", id="on-call-login"),
        )
        yield FormField(
            "starts", "From", Input(id="on-call-starts", placeholder="YYYY-MM-DD HH:MM"), hint="London time"
        )
        yield FormField("ends", "To", Input(id="on-call-ends", placeholder="YYYY-MM-DD HH:MM"), hint="At most 14 days")

    def save(self, values: dict[str, object]) -> int:
        return self.app.desk.add_on_call(
            login=chosen(values["login"]), starts=str(values["starts"]), ends=str(values["ends"])
        )


class TakeOffRotaForm(FormScreen):
    TITLE = "Take a period off the rota"

    def __init__(self, period: OnCallRow, shown: str) -> None:
        super().__init__()
        self.period = period
        self.shown = shown

    def form_fields(self) -> ComposeResult:
        yield Static(
            f"{self.period.name}, {self.shown}. The period is kept in the record as taken off, by you, now.",
            classes="form-note",
        )

    def save(self, values: dict[str, object]) -> None:
        self.app.desk.remove_on_call(self.period.id)
