"""The immediate-risk protocol's forms: marking a call at risk, the emergency or safeguarding
contact, the person's immediate safety, and a supervisor lifting the marker (domain.risk)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Select, Static, TextArea

from helpdesk.domain import limits
from helpdesk.domain.risk import RiskContact, Safety
from helpdesk.store.rows import CallDetail
from helpdesk.tui.forms.base import CallForm, FormField, chosen, options


class MarkRiskForm(CallForm):
    TITLE = "Mark IMMEDIATE RISK to someone's life or safety"
    detail: CallDetail

    def form_fields(self) -> ComposeResult:
        yield Static(
            "Every supervisor is alerted at once and the call goes to the top of every queue. It cannot "
            "close until emergency or safeguarding contact, the person's safety and a supervisor's "
            "acknowledgement are recorded.",
            classes="form-note",
        )
        yield FormField(
            "what", "What is the risk", TextArea(id="risk-what", soft_wrap=True), hint="Who is at risk, and of what"
        )

    def save(self, values: dict[str, object]) -> None:
        self.app.desk.mark_risk(self.detail.id, str(values["what"]))


class RiskContactForm(CallForm):
    TITLE = "Immediate risk: emergency services or safeguarding"
    detail: CallDetail

    def form_fields(self) -> ComposeResult:
        yield FormField(
            "contact",
            "Contacted",
            Select(options(RiskContact), prompt="— choose —", id="risk-contact"),
        )
        yield FormField(
            "who", "Who was reached", Input(id="risk-who", max_length=limits.PERSON_NAME), hint="Service and name"
        )
        yield FormField(
            "reference", "Reference", Input(id="risk-reference", max_length=limits.RISK_REFERENCE), hint="If given"
        )
        yield FormField(
            "when", "When (HH:MM)", Input(id="risk-when", max_length=5, placeholder="blank: now"), hint="Today"
        )
        yield FormField("why_not", "Why not", TextArea(id="risk-why-not", soft_wrap=True))

    def on_mount(self) -> None:
        self.show_fields()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.show_fields()

    def show_fields(self) -> None:
        """Who, reference and when for a contact made; why not, when nobody was contacted."""
        choice = chosen(self.query_one("#risk-contact", Select).value)
        contacted = choice != RiskContact.NOT_CONTACTED
        for name in ("who", "reference", "when"):
            self.query_one(f"#field-{name}").display = contacted
        self.query_one("#field-why_not").display = choice == RiskContact.NOT_CONTACTED

    def save(self, values: dict[str, object]) -> None:
        self.app.desk.record_risk_contact(
            self.detail.id,
            contact=chosen(values["contact"]),
            who=str(values["who"]),
            reference=str(values["reference"]),
            why_not=str(values["why_not"]),
            when=str(values["when"]),
        )


class RiskSafetyForm(CallForm):
    TITLE = "Immediate risk: the person's immediate safety"
    detail: CallDetail

    def form_fields(self) -> ComposeResult:
        yield FormField("safety", "Safety", Select(options(Safety), prompt="— choose —", id="risk-safety"))
        yield FormField(
            "note",
            "Note",
            TextArea(id="risk-safety-note", soft_wrap=True),
            hint="How it was confirmed; if not, what is known and being done (required)",
        )

    def save(self, values: dict[str, object]) -> None:
        self.app.desk.record_risk_safety(self.detail.id, safety=chosen(values["safety"]), note=str(values["note"]))


class LiftRiskForm(CallForm):
    TITLE = "Lift the immediate-risk marker"
    detail: CallDetail

    def form_fields(self) -> ComposeResult:
        yield Static(
            "The call goes back to its place in the queue and may close without the protocol.", classes="form-note"
        )
        yield FormField("reason", "Why", TextArea(id="risk-lift-reason", soft_wrap=True))

    def save(self, values: dict[str, object]) -> None:
        self.app.desk.lift_risk(self.detail.id, str(values["reason"]))
