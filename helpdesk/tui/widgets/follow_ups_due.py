"""Below the queue: the follow-ups due today that this person may act on, soonest first, each
due time in words (`due 14:00`, `OVERDUE 25m`), the section's title counting them."""

from __future__ import annotations

import datetime as dt

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from helpdesk.clock import london_time
from helpdesk.domain.follow_up import FollowUpKind, FollowUpState
from helpdesk.domain.follow_up import state as follow_up_state
from helpdesk.domain.queue import waited, waiting_label
from helpdesk.domain.types import Urgency
from helpdesk.store.rows import FollowUpRow
from helpdesk.tui.themes import row_looks
from helpdesk.tui.widgets.columns import age_cell, lay_out_columns, short_name

WIDE = 100  # narrower than this, no school
# (key, heading, width); what the follow-up is takes what is left
COLUMNS = [
    ("due", "  Due", 14),
    ("call", "Call", 5),
    ("what", "Follow-up", None),
    ("school", "URN · School", 22),
    ("owner", "Owner", 11),
]


class FollowUpsDue(Vertical):
    """The section: hidden while nothing is due."""

    def __init__(self) -> None:
        super().__init__(id="follow-ups-section", classes="-empty")
        self.follow_ups: list[FollowUpRow] = []
        self.looks: dict[int, FollowUpState] = {}

    def compose(self) -> ComposeResult:
        yield Static("", id="follow-ups-title")
        yield DataTable(id="follow-ups", cursor_type="row", zebra_stripes=False)

    @property
    def overdue(self) -> int:
        return sum(look == FollowUpState.OVERDUE for look in self.looks.values())

    def looks_changed(self, now: dt.datetime) -> bool:
        return any(follow_up_state(f.due_at, now) != self.looks.get(f.id) for f in self.follow_ups)

    def show(self, follow_ups: list[FollowUpRow], now: dt.datetime) -> None:
        self.follow_ups = follow_ups
        self.looks = {f.id: follow_up_state(f.due_at, now) for f in follow_ups}
        self.set_class(not follow_ups, "-empty")
        table = self.query_one(DataTable)
        if not follow_ups:
            table.clear()
            return
        late = f", {self.overdue} OVERDUE" if self.overdue else ""
        self.query_one("#follow-ups-title", Static).update(f" Follow-ups due today: {len(follow_ups)}{late} · u: go to")
        width = self.app.size.width
        columns = [c for c in COLUMNS if c[0] != "school" or width >= WIDE]
        selected = table.cursor_row
        lay_out_columns(table, columns, width)
        looks = row_looks(self.app.theme)
        for f in follow_ups:
            overdue = self.looks[f.id] == FollowUpState.OVERDUE
            due = (
                age_cell(waiting_label(waited(f.due_at, now)), Urgency.OVERDUE)
                if overdue
                else f"due {london_time(f.due_at)}"
            )
            cells = {
                "due": f"  {due}",
                "call": f"{f.concern_id}",
                "what": f.what if f.kind == FollowUpKind.TASK else f"{FollowUpKind(f.kind).label}: {f.what}",
                "school": f"{f.urn} {f.school}",
                "owner": short_name(f.owner_name, f.owner) if f.owner else "any senior",
            }
            style = looks.overdue if overdue else ""
            table.add_row(*(Text.styled(cells[key], style) for key, _, _ in columns), key=str(f.id))
        table.styles.height = len(follow_ups) + 1  # the heading and a line each (the .tcss caps it)
        table.move_cursor(row=min(max(selected, 0), len(follow_ups) - 1), animate=False)

    def selected(self) -> FollowUpRow | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((f for f in self.follow_ups if str(f.id) == key), None)
