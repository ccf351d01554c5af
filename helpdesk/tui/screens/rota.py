"""The on-call rota: supervisors' periods of cover for the next fortnight and the gaps between
them; supervisors add a period (`a`) or take one off (`d`)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Static

from helpdesk.clock import london
from helpdesk.store.faults import DatabaseUnavailable, unavailable
from helpdesk.store.rows import OnCallRow
from helpdesk.tui.screens.base import DataScreen
from helpdesk.tui.widgets.banner import TroubleBanner
from helpdesk.tui.widgets.footer import KeysFooter

DAYS = 14


def when(moment) -> str:
    return london(moment).format("ddd D MMM HH:mm")


class RotaScreen(DataScreen):
    TITLE = "On-call rota"
    BINDINGS = [
        Binding("escape", "back", "Queue", id="rota.back"),
        Binding("q", "back", "Back", id="rota.q", show=False),
        Binding("a", "add", "Add", id="rota.add", tooltip="Put a supervisor on call"),
        Binding("d", "remove", "Take off", id="rota.remove", tooltip="Take the selected period off the rota"),
    ]

    @dataclass
    class Loaded(Message):
        rows: list[OnCallRow]
        gaps: list[tuple]

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[OnCallRow] = []

    def compose(self) -> ComposeResult:
        yield Static(f" On call, the next {DAYS} days (London time)", id="rota-header")
        yield TroubleBanner(id="trouble")
        yield Static("", id="rota-gaps")
        yield DataTable(id="rota", cursor_type="row")
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, heading in (("from", "From"), ("to", "To"), ("who", "Supervisor"), ("by", "Added by")):
            table.add_column(heading, key=key)
        self.load()

    def keys_now(self) -> list[str]:
        return ["back", "add"] + (["remove"] if self.rows else [])

    @work(thread=True, exclusive=True, group="rota-load")
    def load(self) -> None:
        self.post_loaded(lambda: self.Loaded(*self.app.desk.rota_ahead(DAYS)))

    def on_rota_screen_loaded(self, message: Loaded) -> None:
        self.read_fine()
        self.rows = message.rows
        gaps = self.query_one("#rota-gaps", Static)
        if message.gaps:
            listed = "; ".join(f"{when(start)} – {when(end)}" for start, end in message.gaps[:4])
            more = f" and {len(message.gaps) - 4} more" if len(message.gaps) > 4 else ""
            gaps.update(f" NO COVER: {listed}{more}")
        else:
            gaps.update(" Covered throughout")
        table = self.query_one(DataTable)
        selected = table.cursor_row
        table.clear()
        for row in self.rows:
            table.add_row(when(row.starts_at), when(row.ends_at), row.name, row.added_by, key=str(row.id))
        if self.rows:
            table.move_cursor(row=min(max(selected, 0), len(self.rows) - 1), animate=False)
        self.refresh_bindings()

    def action_back(self) -> None:
        self.app.pop_screen()

    @work(thread=True, group="rota-action")
    def action_add(self) -> None:
        from helpdesk.tui.forms.on_call import OnCallForm

        try:
            supervisors = self.app.desk.rota_supervisors()
        except DatabaseUnavailable as error:
            self.app.call_from_thread(self.notify, f"Cannot list supervisors — {unavailable(error)}", severity="error")
            return
        self.app.call_from_thread(self.app.push_screen, OnCallForm(supervisors), self.saved)

    def action_remove(self) -> None:
        from helpdesk.tui.forms.on_call import TakeOffRotaForm

        table = self.query_one(DataTable)
        if not self.rows or not 0 <= table.cursor_row < len(self.rows):
            self.notify("No period is selected", severity="warning")
            return
        period = self.rows[table.cursor_row]
        shown = f"{when(period.starts_at)} – {when(period.ends_at)}"
        self.app.push_screen(TakeOffRotaForm(period, shown), self.saved)

    def saved(self, done: object) -> None:
        if done:
            self.load()
