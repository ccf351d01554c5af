"""Add an advice note (multi-line), optionally as a correction of an earlier note, ticking what
the policy asks the caller to be told (that a concern does not affect the judgement, that
leaders may be accompanied) once they have been told it."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Select, TextArea

from helpdesk.domain.types import Told
from helpdesk.store.rows import CallDetail
from helpdesk.tui.forms.base import CallForm, FormField, chosen
from helpdesk.tui.widgets.tick_box import TickBox


class AdviceForm(CallForm):
    TITLE = "Add advice"
    detail: CallDetail

    def form_fields(self) -> ComposeResult:
        yield FormField(
            "text",
            "Advice given (notes are never edited; correct with a new note)",
            TextArea(id="advice-text", soft_wrap=True),
        )
        for what in Told:  # what the policy asks the caller to be told; recorded once told
            told = what.value in self.detail.told
            yield FormField(
                f"told_{what.value}",
                "Told the caller" if what is Told.JUDGEMENT_UNAFFECTED else "",
                TickBox(what.tick + (" (told)" if told else ""), value=told, id=f"advice-told-{what.value}"),
            )
        options = [(f"Note #{advice_id}", advice_id) for advice_id in self.detail.advice_ids]
        yield FormField(
            "corrects",
            "Corrects an earlier note (optional)",
            Select(options, prompt="— not a correction —", id="advice-corrects"),
        )

    def save(self, values: dict[str, object]) -> None:
        corrects = chosen(values["corrects"])
        told = [what.value for what in Told if values[f"told_{what.value}"]]
        self.app.desk.add_advice(
            self.detail.id, str(values["text"]), corrects=int(corrects) if corrects else None, told=told
        )
