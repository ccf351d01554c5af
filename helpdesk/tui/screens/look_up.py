"""Look up a call across the record: a call number, a URN, a phone number written any way, an
inspection reference, or words of the names, the summary, the outcome and the advice. Enter
looks (each look-up is recorded, never its words); the results come newest first, a page at a
time (n for older ones); Enter on one opens it, as from the queue."""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from helpdesk.clock import london
from helpdesk.domain.refusals import Refused
from helpdesk.domain.types import Category, ConcernStatus
from helpdesk.store.faults import DatabaseUnavailable, unavailable
from helpdesk.store.rows import LookUpPage
from helpdesk.tui import navigation
from helpdesk.tui.screens.base import DataScreen
from helpdesk.tui.widgets.banner import TroubleBanner
from helpdesk.tui.widgets.columns import short_name
from helpdesk.tui.widgets.footer import KeysFooter

WIDE = 100  # narrower than this, what a call was found by is left out and school names cut short
SCHOOL_NARROW = 26


class LookUpScreen(DataScreen):
    TITLE = "Look up"
    PLACE = "Look-up"
    AUTO_FOCUS = "#look-up-words"
    HOLDS_KEYS = ("look-up",)  # Enter then Enter: the second opens what the first found
    read_once = True  # nothing to read before something is typed: keys go straight in
    BINDINGS = [
        Binding("escape", "back", "Queue", id="look-up.back"),
        # (a priority binding: the results' own Enter would hide it from the footer) Enter in the
        # words looks them up; on a result, opens it
        Binding("enter", "open_call", "Open call", id="look-up.open", priority=True),
        Binding("n", "more", "Older", id="look-up.more", tooltip="The next page: older calls"),
        Binding("tab", "results", "Results", id="look-up.results", show=False),
    ]

    @dataclass
    class Found(Message):
        page: LookUpPage | None
        refusal: str | None = None
        more_of: bool = False  # the next page of the same look-up

    def __init__(self) -> None:
        super().__init__()
        self.typed = ""
        self.pages: list[LookUpPage] = []

    def compose(self) -> ComposeResult:
        yield Static(" Look up a call: its number, a URN, a phone number, a name or words", id="look-up-header")
        yield TroubleBanner(id="trouble")
        yield Input(placeholder="e.g. 4512 · 930037 · 0113 496 0777 · Grace Ellis · INS-…", id="look-up-words")
        yield Static("", id="look-up-said")
        yield DataTable(id="look-up-results", cursor_type="row")
        yield KeysFooter()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        self.wide = self.app.size.width >= WIDE
        for key, heading in (
            ("call", "Call"),
            ("received", "Received"),
            ("state", "State"),
            ("school", "URN · School"),
            ("category", "Category"),
            ("holder", "Held by"),
            ("matched", "Found by"),
        ):
            if key != "matched" or self.wide:
                table.add_column(heading, key=key)

    def load(self) -> None:
        """(Nothing to read until something is looked up: a change elsewhere is not looked for again.)"""

    def keys_now(self) -> list[str]:
        return ["back", "open_call"] + (["more"] if self.pages and self.pages[-1].more else [])

    def look(self) -> None:
        self.typed = self.query_one("#look-up-words", Input).value
        self.find(self.typed, None)

    @work(thread=True, exclusive=True, group="look-up")
    def find(self, typed: str, before: int | None) -> None:
        try:
            self.post_message(self.Found(self.app.desk.look_up(typed, before), more_of=before is not None))
        except Refused as refused:
            self.post_message(self.Found(None, str(refused)))
        except DatabaseUnavailable as error:
            self.post_message(self.Found(None, f"Not looked up — {unavailable(error)}"))

    def on_look_up_screen_found(self, message: Found) -> None:
        said = self.query_one("#look-up-said", Static)
        if message.page is None:
            said.update(f" {message.refusal}")
            return
        self.read_fine()
        table = self.query_one(DataTable)
        if not message.more_of:
            self.pages = []
            table.clear()
        self.pages.append(message.page)
        for row in message.page.rows:
            state = {"waiting": "WAITING", "claimed": "held", "closed": "closed"}.get(row.status, row.status)
            cells = [
                str(row.id),
                london(row.received_at).format("D MMM YY HH:mm" if self.wide else "D MMM HH:mm"),
                state,
                f"{row.urn} {row.school}"[: None if self.wide else SCHOOL_NARROW],
                Category(row.category).short if row.category in Category.values() else row.category,
                short_name(row.holder, None) if row.holder and row.status != ConcernStatus.WAITING else "",
            ]
            table.add_row(*cells, *([row.matched] if self.wide else []), key=str(row.id))
        shown = table.row_count
        more = " · n: older ones" if message.page.more else ""
        said.update(
            f" {shown} found, newest first{more}"
            if shown
            else " Nothing found (closed calls only if you may read them)"
        )
        if shown and not message.more_of:
            table.focus()
            table.move_cursor(row=0, animate=False)
        self.refresh_bindings()

    def action_more(self) -> None:
        if self.pages and self.pages[-1].more and self.pages[-1].rows:
            self.find(self.typed, self.pages[-1].rows[-1].id)

    def action_results(self) -> None:
        self.query_one(DataTable).focus()

    def action_open_call(self) -> None:
        table = self.query_one(DataTable)
        if self.query_one("#look-up-words", Input).has_focus:
            self.look()
            return
        if not table.has_focus:
            return
        if table.row_count and 0 <= table.cursor_row < table.row_count:
            key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
            if key is not None:
                navigation.show(self.app, "call", int(key))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_call()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()  # (Enter is the screen's: `look`)

    def action_back(self) -> None:
        self.app.pop_screen()
