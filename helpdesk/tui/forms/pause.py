"""Record a pause decision. Choosing the number of working days shows the resume date live;
beyond the remit's maximum the pause becomes exceptional and asks for a justification."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Select, Static, TextArea

from helpdesk.clock import london
from helpdesk.domain.pause import Decision, Grounds, PauseDecisionInput, RequestedBy, plan_pause
from helpdesk.domain.types import Remit
from helpdesk.store.rows import CallDetail
from helpdesk.tui.forms.base import CallForm, FormField, chosen, options

DECISIONS = [("Authorise the pause", Decision.AUTHORISED.value), ("Decline the pause", Decision.DECLINED.value)]


def whole_days(text: str) -> int | None:
    text = text.strip()
    return int(text) if text.isdigit() else None


class PauseForm(CallForm):
    TITLE = "Pause decision"
    detail: CallDetail

    def form_fields(self) -> ComposeResult:
        policy = self.app.policy
        yield FormField(
            "requested_by", "Requested by", Select(options(RequestedBy), prompt="— choose —", id="pause-requested-by")
        )
        yield FormField("grounds", "Grounds", Select(options(Grounds), prompt="— choose —", id="pause-grounds"))
        yield FormField("decision", "Decision", Select(DECISIONS, prompt="— choose —", id="pause-decision"))
        yield FormField(
            "working_days",
            "Working days",
            Input(str(policy.pause_default_days), id="pause-days", restrict=r"\d*", max_length=3),
        )
        yield FormField(
            "justification",
            "Justification",
            TextArea(id="pause-justification", soft_wrap=True),
            hint="Why this very exceptional case needs longer than the remit allows",
        )
        yield FormField(
            "rationale",
            "Rationale",
            TextArea(id="pause-rationale", soft_wrap=True),
            hint="Required whether the pause is authorised or declined",
        )

    def on_mount(self) -> None:
        self.show_plan()

    def on_input_changed(self, event: Input.Changed) -> None:
        self.show_plan()

    def on_select_changed(self, event: Select.Changed) -> None:
        self.show_plan()

    def show_plan(self) -> None:
        """The resume date for the days typed, and whether that makes the pause exceptional."""
        authorising = chosen(self.query_one("#pause-decision", Select).value) != Decision.DECLINED.value
        days = whole_days(self.query_one("#pause-days", Input).value)
        self.query_one("#field-working_days").display = authorising
        hint = self.query_one("#hint-working_days", Static)
        exceptional = False
        if self.detail.remit is None:
            hint.update(
                "No inspection is on record for this call: link it first (key i on the call); "
                "its remit sets the longest pause"
                if authorising
                else ""
            )
        elif days is None or days < 1:
            hint.update("A pause lasts at least one working day")
        else:
            plan = plan_pause(
                london(self.app.clock.now()).date(),
                days,
                self.detail.remit,
                self.app.policy,
                self.detail.paused_elsewhere,
            )
            exceptional = plan.exceptional
            remit = Remit(self.detail.remit).label.lower() if self.detail.remit in Remit.values() else self.detail.remit
            hint.update(
                f"Resumes {plan.resumes_on:%a %-d %b %Y} — {days} working day{'s' if days != 1 else ''} "
                f"(up to {plan.max_days} for {remit})"
                + (
                    f"\n{plan.already_paused} of {plan.max_days} working days already paused on this inspection; "
                    f"with this pause {plan.inspection_days}"
                    if plan.already_paused
                    else ""
                )
                + (
                    f"\nEXCEPTIONAL: over {plan.max_days} working days needs a written justification "
                    "and a supervisor's countersignature"
                    if plan.exceptional
                    else ""
                )
            )
            hint.set_class(plan.exceptional, "-exceptional")
        self.query_one("#field-justification").display = authorising and exceptional

    def save(self, values: dict[str, object]) -> None:
        entry = PauseDecisionInput(
            decision=chosen(values["decision"]),
            requested_by=chosen(values["requested_by"]),
            grounds=chosen(values["grounds"]),
            rationale=str(values["rationale"]),
            working_days=whole_days(str(values["working_days"])),
            justification=str(values["justification"]),
        )
        self.app.desk.record_pause_decision(self.detail.id, entry)
