"""A supervisor records a review of a closed call: outcome and feedback to the senior."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Select, TextArea

from helpdesk.domain.types import ReviewOutcome
from helpdesk.store.rows import CallDetail
from helpdesk.tui.forms.base import CallForm, FormField, chosen, options


class ReviewForm(CallForm):
    TITLE = "Review this call"
    detail: CallDetail

    def form_fields(self) -> ComposeResult:
        yield FormField("outcome", "Outcome", Select(options(ReviewOutcome), prompt="— choose —", id="review-outcome"))
        yield FormField(
            "feedback",
            "Feedback",
            TextArea(id="review-feedback", soft_wrap=True),
            hint="Reaches the senior who held the call; required for follow-up or a learning review",
        )

    def save(self, values: dict[str, object]) -> None:
        self.app.desk.review(self.detail.id, chosen(values["outcome"]), str(values["feedback"]))
