"""Complete a follow-up on the call: which one, its outcome (a resumption check's: support in
place or not, or the responsible body not reached; a call back's: how the call went) and a note."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.widgets import Input, Select

from helpdesk.clock import london
from helpdesk.domain.follow_up import FollowUpKind, outcomes
from helpdesk.store.rows import CallDetail, FollowUpRow
from helpdesk.tui.forms.base import CallForm, FormField, chosen, options


def follow_up_label(f: FollowUpRow) -> str:
    """'#14 due Thu 3 Dec 16:30: Ring the trust' ('#13 Call back due …' for other kinds)."""
    kind = "" if f.kind == FollowUpKind.TASK else f" {FollowUpKind(f.kind).label}"
    return f"#{f.id}{kind} due {london(f.due_at).format('ddd D MMM HH:mm')}: {f.what}"


class FollowUpDoneForm(CallForm):
    TITLE = "Complete a follow-up"
    detail: CallDetail

    def __init__(self, detail: CallDetail, mine: list[FollowUpRow]) -> None:
        super().__init__(detail)
        self.mine = {f.id: f for f in mine}  # the open follow-ups this person may complete

    def form_fields(self) -> ComposeResult:
        first = next(iter(self.mine.values()))
        yield FormField(
            "follow_up",
            "Follow-up",
            Select(
                [(follow_up_label(f), f.id) for f in self.mine.values()],
                value=first.id,
                allow_blank=False,
                id="done-follow-up",
            ),
        )
        yield FormField(
            "outcome", "Outcome", Select(options(outcomes(first.kind)), prompt="— choose —", id="done-outcome")
        )
        yield FormField("note", "Note", Input(id="done-note"), hint="What was done, who you spoke to")

    def on_mount(self) -> None:
        self.offer_outcomes(next(iter(self.mine.values())))

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "done-follow-up" and event.value in self.mine:
            self.offer_outcomes(self.mine[event.value])  # type: ignore[index]

    def offer_outcomes(self, follow_up: FollowUpRow) -> None:
        """The outcomes of this kind of follow-up; a task's one outcome is chosen already."""
        outcome = self.query_one("#done-outcome", Select)
        choices = options(outcomes(follow_up.kind))
        outcome.set_options(choices)
        if len(choices) == 1:
            outcome.value = choices[0][1]

    def save(self, values: dict[str, object]) -> str:
        follow_up = int(str(values["follow_up"]))
        outcome = chosen(values["outcome"])
        self.app.desk.complete_follow_up(follow_up, outcome, str(values["note"]))
        return outcome
