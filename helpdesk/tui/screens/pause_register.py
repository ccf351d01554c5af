"""The pause register: every pause decision of the period, newest first, with where it stands,
its resumption check and the inspections whose pauses run past the remit's limit."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from helpdesk.clock import london
from helpdesk.domain.follow_up import SUPERSEDED, ResumptionOutcome
from helpdesk.domain.pause import Decision, PauseState
from helpdesk.store.rows import PauseEntry
from helpdesk.tui import navigation
from helpdesk.tui.screens.base import DataScreen, PeriodInWeeks
from helpdesk.tui.themes import row_looks
from helpdesk.tui.widgets.banner import TroubleBanner
from helpdesk.tui.widgets.columns import lay_out_columns, short_name
from helpdesk.tui.widgets.footer import KeysFooter

ONE_LINE = 120  # narrower than this, each decision takes two lines, so that nothing is left out
# (key, heading, width); the school takes what is left
COLUMNS = [
    ("decided", "Decided", 12),
    ("call", "Call", 5),
    ("school", "URN · School", None),
    ("decision", "Decision", 13),
    ("resumes", "Resumes", 10),
    ("state", "State", 10),
    ("check", "Check", 12),
    ("decided_by", "Decided by", 14),
]
# two lines a decision: when and by whom, the call and its school, the decision and when it
# resumes, where it stands and its check
TWO_LINE_COLUMNS = [
    ("decided", "Decided, by", 12),
    ("school", "Call · School", None),
    ("decision", "Decision", 18),
    ("state", "State, check", 12),
]
CHECK = {
    ResumptionOutcome.SUPPORT_IN_PLACE.value: "in place",
    ResumptionOutcome.SUPPORT_NOT_IN_PLACE.value: "NOT in place",
    ResumptionOutcome.NOT_REACHED.value: "not reached",
    SUPERSEDED: "superseded",
}


def decision_cell(entry: PauseEntry) -> str:
    """'Authorised 3d', 'Declined', or '8d PAST LIMIT' when the inspection's pauses run past it."""
    if entry.decision != Decision.AUTHORISED:
        return "Declined"
    if entry.past_limit:
        return f"{entry.working_days}d PAST LIMIT"
    return f"Authorised {entry.working_days}d"


def check_cell(entry: PauseEntry) -> str:
    if entry.decision != Decision.AUTHORISED:
        return ""
    return CHECK.get(entry.check_outcome or "", "open")


class PauseRegisterScreen(PeriodInWeeks, DataScreen):
    TITLE = "Pause register"
    BINDINGS = [
        Binding("escape", "back", "Queue", id="pauses.back"),
        Binding("q", "back", "Back", id="pauses.q", show=False),
        Binding("enter", "open_call", "Open call", id="pauses.open", priority=True),
        Binding("plus", "longer", "Longer period", id="pauses.longer"),
        Binding("minus", "shorter", "Shorter period", id="pauses.shorter"),
        Binding("ctrl+e", "export", "Export", id="pauses.export"),
    ]

    @dataclass
    class Loaded(Message):
        entries: list[PauseEntry]

    def __init__(self) -> None:
        super().__init__()
        self.entries: list[PauseEntry] = []

    def keys_now(self) -> list[str]:
        return ["back", "open_call", "longer", "shorter", "export"]

    def compose(self) -> ComposeResult:
        yield Static("", id="pause-register-header")
        yield TroubleBanner(id="trouble")
        yield DataTable(id="pause-register", cursor_type="row", zebra_stripes=False)
        yield KeysFooter()

    def on_mount(self) -> None:
        self.load()

    def period(self) -> tuple[dt.date, dt.date]:
        today = london(self.app.clock.now()).date()
        return today - dt.timedelta(days=7 * self.weeks - 1), today

    @work(thread=True, exclusive=True, group="pauses-load")
    def load(self) -> None:
        start, end = self.period()
        self.post_loaded(lambda: self.Loaded(self.app.desk.pause_register(start, end)))

    def on_pause_register_screen_loaded(self, message: Loaded) -> None:
        self.entries = message.entries
        self.read_fine()
        self.show_entries()

    def on_resize(self) -> None:
        if self.entries:
            self.show_entries()

    def show_entries(self) -> None:
        start, end = self.period()
        entries = self.entries
        in_force = sum(e.in_force for e in entries)
        past = sum(e.past_limit for e in entries)
        checks_open = sum(check_cell(e) == "open" and e.state == PauseState.IN_FORCE for e in entries)
        facts = [f"{past} PAST LIMIT"] if past else []
        facts.append(f"{in_force} in force")
        if checks_open:
            facts.append(f"{checks_open} check{'s' if checks_open != 1 else ''} open")
        facts.append(f"{len(entries)} decision{'s' if len(entries) != 1 else ''}")
        counts = " · ".join(facts)
        forms = [
            f" Pauses {start:%-d %b} – {end:%-d %b %Y} ({self.weeks} weeks) · {counts}",
            f" Pauses since {start:%-d %b} ({self.weeks} weeks) · {counts}",
            f" Pauses, {self.weeks} weeks · {counts}",
        ]
        self.query_one("#pause-register-header", Static).update(
            next((f for f in forms if len(f) < max(self.size.width, 40)), forms[-1])
        )
        table = self.query_one("#pause-register", DataTable)
        wide = self.size.width
        one_line = wide >= ONE_LINE
        columns = COLUMNS if one_line else TWO_LINE_COLUMNS
        selected = table.cursor_row
        lay_out_columns(table, columns, wide)
        looks = row_looks(self.app.theme)
        for e in entries:
            style = looks.overdue if e.past_limit else ""
            style = "dim" if e.state == PauseState.SUPERSEDED else style
            decided = london(e.decided_at).format("D MMM HH:mm")
            resumes = f"{e.resumes_on:%a %-d %b}" if e.resumes_on else ""
            state = PauseState(e.state).label.upper() if e.in_force else PauseState(e.state).label
            if one_line:
                cells = {
                    "decided": decided,
                    "call": str(e.call),
                    "school": f"{e.urn} {e.school}",
                    "decision": decision_cell(e),
                    "resumes": resumes,
                    "state": state,
                    "check": check_cell(e),
                    "decided_by": e.decided_by,
                }
            else:
                cells = {
                    "decided": f"{decided}\n{short_name(e.decided_by, None)}",
                    "school": f"{e.call} · {e.urn}\n{e.school}",
                    "decision": f"{decision_cell(e)}\n{f'resumes {resumes}' if resumes else ''}",
                    "state": f"{state}\n{check_cell(e)}",
                }
            table.add_row(
                *(Text.styled(cells[key], style) for key, _, _ in columns),
                key=str(e.decision_id),
                height=1 if one_line else 2,
            )
        if entries:
            table.move_cursor(row=min(max(selected, 0), len(entries) - 1), animate=False)

    def action_open_call(self) -> None:
        table = self.query_one("#pause-register", DataTable)
        if not table.row_count:
            self.notify("No pause decisions in this period.", severity="warning")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        entry = next(e for e in self.entries if str(e.decision_id) == key)
        navigation.show(self.app, "call", entry.call)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_call()

    def action_export(self) -> None:
        start, end = self.period()
        navigation.show(self.app, "export", start, end, what="pauses")

    def action_back(self) -> None:
        self.app.pop_screen()
