"""Supervisors' review list: closed calls with filters, free-text search and paging."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Input, Select, Static

from helpdesk.clock import london
from helpdesk.domain.types import Category, ReviewOutcome
from helpdesk.store.rows import PAGE, ClosedCallFilter, ClosedCallRow, StaffMember
from helpdesk.tui import navigation
from helpdesk.tui.forms.base import chosen
from helpdesk.tui.forms.export import ExportForm
from helpdesk.tui.screens.base import DataScreen
from helpdesk.tui.widgets.banner import TroubleBanner
from helpdesk.tui.widgets.columns import short_name
from helpdesk.tui.widgets.footer import KeysFooter

PAUSES = [("Pause: any", ""), ("Authorised", "authorised"), ("Declined", "declined"), ("No pause", "none")]
REVIEWED = [("Reviewed: any", ""), ("Not reviewed", "no"), ("Reviewed", "yes")]


FILTER_HINT = " Dates, school, search: Enter applies · menus apply at once · ^r clears"
DAY_FIELDS = {"filter-from": "From", "filter-to": "To"}


class DayInvalid(ValueError):
    """A typed day that is not one; str() says so and how to write it."""


def parse_day(text: str, label: str = "Date") -> dt.date | None:
    """The day typed (YYYY-MM-DD), None for nothing typed, or DayInvalid saying why."""
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise DayInvalid(f"{label}: {text.strip()!r} is not a date: write YYYY-MM-DD") from None


class ReviewScreen(DataScreen):
    TITLE = "Review closed calls"
    PLACE = "Review list"  # what Esc says on the screens opened from here
    AUTO_FOCUS = "#closed-calls"
    BINDINGS = [
        Binding("escape", "back", "Queue", id="review.back"),
        Binding("q", "back", "Back", id="review.q", show=False),
        # not a priority binding: Enter in a filter applies it, on a filter menu opens it
        Binding("enter", "open_call", "Open call", id="review.open"),
        Binding("right_square_bracket", "next_page", "Next page", id="review.next"),
        Binding("left_square_bracket", "previous_page", "Previous page", id="review.previous"),
        Binding("ctrl+l", "learning", "Learning reviews", id="review.learning"),
        Binding("ctrl+o", "history", "School history", id="review.history", tooltip="Every call about the school"),
        Binding("ctrl+e", "export", "Export", id="review.export"),
        Binding("ctrl+r", "clear_filters", "Clear filters", id="review.clear"),
    ]

    @dataclass
    class Loaded(Message):
        rows: list[ClosedCallRow]
        seniors: list[StaffMember] | None

    def __init__(self) -> None:
        super().__init__()
        self.pages: list[tuple[dt.datetime, int] | None] = [None]  # the `after` of each page seen
        self.rows: list[ClosedCallRow] = []
        self.columns: list[str] = []
        self.seniors_loaded = False

    def compose(self) -> ComposeResult:
        yield Static(" Closed calls", id="review-header")
        yield TroubleBanner(id="trouble")
        with Horizontal(id="review-filters"):
            yield Input(placeholder="from YYYY-MM-DD", id="filter-from", compact=True)
            yield Input(placeholder="to YYYY-MM-DD", id="filter-to", compact=True)
            yield Select([], prompt="Senior: any", id="filter-senior", compact=True)
            yield Input(placeholder="school or URN", id="filter-school", compact=True)
        with Horizontal(id="review-filters-2"):
            yield Select(
                [(c.label, c.value) for c in Category], prompt="Category: any", id="filter-category", compact=True
            )
            yield Select(PAUSES[1:], prompt=PAUSES[0][0], id="filter-pause", compact=True)
            yield Select(REVIEWED[1:], prompt=REVIEWED[0][0], id="filter-reviewed", compact=True)
            yield Input(placeholder="search summary and advice", id="filter-search", compact=True)
        yield Static(FILTER_HINT, id="filter-note")
        yield DataTable(id="closed-calls", cursor_type="row")
        yield Static("", id="review-page")
        yield KeysFooter()

    def on_mount(self) -> None:
        for field in self.query(Input):
            field.cursor_blink = False  # a steady cursor: no repaint twice a second over SSH
        self.load()

    def on_resize(self) -> None:
        """The school column takes the width the others leave."""
        table = self.query_one(DataTable)
        fixed = {"closed": 16, "category": 10, "senior": 10, "pause": 10, "review": 15}
        if self.size.width < 100:
            del fixed["category"]
        school = max(16, self.size.width - sum(fixed.values()) - 2 * (len(fixed) + 1) - 2)
        headings = {
            "closed": "Closed",
            "school": "URN · School",
            "category": "Category",
            "senior": "Senior",
            "pause": "Pause",
            "review": "Review",
        }
        table.clear(columns=True)
        self.columns = [key for key in headings if key in fixed or key == "school"]
        for key in self.columns:
            table.add_column(headings[key], key=key, width=fixed.get(key, school))
        if self.rows:
            self.show_rows()

    def current_filter(self) -> ClosedCallFilter:
        def value(selector: str) -> object:
            field = self.query_one(selector)
            return field.value if isinstance(field, (Input, Select)) else None

        def typed(selector: str) -> str:
            return self.query_one(selector, Input).value

        reviewed = chosen(value("#filter-reviewed"))
        return ClosedCallFilter(
            closed_from=parse_day(typed("#filter-from"), "From"),
            closed_to=parse_day(typed("#filter-to"), "To"),
            senior=chosen(value("#filter-senior")) or None,
            school=typed("#filter-school").strip() or None,
            category=chosen(value("#filter-category")) or None,
            pause=chosen(value("#filter-pause")) or None,
            reviewed={"yes": True, "no": False}.get(reviewed),
            search=typed("#filter-search").strip() or None,
        )

    def keys_now(self) -> list[str]:
        return ["back", "open_call", "next_page", "previous_page", "history", "export", "learning", "clear_filters"]

    def filter_problem(self) -> str | None:
        """Why the filters cannot be applied as typed (each wrong date field is marked), or None."""
        problems = []
        days: dict[str, dt.date | None] = {}
        for field_id, label in DAY_FIELDS.items():
            field = self.query_one(f"#{field_id}", Input)
            try:
                days[field_id] = parse_day(field.value, label)
                field.remove_class("-invalid")
            except DayInvalid as invalid:
                field.add_class("-invalid")
                problems.append(str(invalid))
        start, end = days.get("filter-from"), days.get("filter-to")
        if start and end and end < start:
            self.query_one("#filter-to", Input).add_class("-invalid")
            problems.append(f"To: {end} is before From ({start})")
        return " · ".join(problems) or None

    def show_filter_note(self, problem: str | None) -> None:
        note = self.query_one("#filter-note", Static)
        note.update(f" {problem} · not applied" if problem else FILTER_HINT)
        note.set_class(bool(problem), "-invalid")

    @on(Input.Changed)
    def filter_typed(self, event: Input.Changed) -> None:
        """A date's error clears as soon as what is typed is a date again (or nothing)."""
        if event.input.id in DAY_FIELDS and self.query_one("#filter-note").has_class("-invalid"):
            self.show_filter_note(self.filter_problem())

    @on(Input.Submitted)
    @on(Select.Changed)
    def filters_changed(self) -> None:
        problem = self.filter_problem()
        self.show_filter_note(problem)
        if problem:
            return  # what is listed stays as it was, and the note says why
        self.pages = [None]
        self.read_page()

    def load(self) -> None:
        if self.filter_problem() is None:  # else what is listed stays as it was
            self.read_page()

    def read_page(self) -> None:
        self.load_in_thread(self.current_filter(), self.pages[-1], not self.seniors_loaded)

    @work(thread=True, exclusive=True, group="review-load")
    def load_in_thread(self, found: ClosedCallFilter, after, with_seniors: bool) -> None:
        self.post_loaded(
            lambda: self.Loaded(
                self.app.desk.closed_calls(found, PAGE, after),
                self.app.desk.claiming_staff() if with_seniors else None,
            )
        )

    def on_review_screen_loaded(self, message: Loaded) -> None:
        if message.seniors is not None:
            self.seniors_loaded = True
            self.query_one("#filter-senior", Select).set_options((s.name, s.login) for s in message.seniors)
        self.rows = message.rows
        self.show_rows()
        self.read_fine()

    def show_rows(self) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for row in self.rows:
            pause = {"authorised": Text("authorised", style="bold"), "declined": Text("declined")}.get(
                row.pause or "", Text("—", style="dim")
            )
            review = Text(
                ReviewOutcome(row.review).label if row.review else "not reviewed", style="" if row.review else "yellow"
            )
            cells = {
                "closed": london(row.closed_at).format("ddd D MMM HH:mm"),
                "school": f"{row.urn} {row.school}",
                "category": Category(row.category).short,
                "senior": short_name(row.senior_name, row.senior),
                "pause": pause,
                "review": review,
            }
            table.add_row(*(cells[key] for key in self.columns), key=str(row.id))
        page = len(self.pages)
        more = " · ] next page" if len(self.rows) == PAGE else ""
        self.query_one("#review-page", Static).update(
            f" Page {page}: {len(self.rows)} call(s){more}{' · [ previous' if page > 1 else ''}"
        )

    def on_screen_resume(self) -> None:
        if self.rows:
            self.load()

    def action_next_page(self) -> None:
        if len(self.rows) < PAGE:
            self.notify(f"This is the last page: page {len(self.pages)}, {len(self.rows)} call(s)", timeout=4)
            return
        last = self.rows[-1]
        self.pages.append((last.closed_at, last.id))
        self.load()

    def action_previous_page(self) -> None:
        if len(self.pages) == 1:
            self.notify("This is the first page", timeout=4)
            return
        self.pages.pop()
        self.load()

    def action_open_call(self) -> None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row < 0:
            return
        navigation.show(self.app, "call", self.rows[table.cursor_row].id)

    def action_history(self) -> None:
        table = self.query_one(DataTable)
        if not self.rows or table.cursor_row < 0:
            return
        navigation.show(self.app, "school history", self.rows[table.cursor_row].urn)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        navigation.show(self.app, "call", int(str(event.row_key.value)))

    def action_clear_filters(self) -> None:
        for field in self.query("#review-filters Input, #review-filters-2 Input").results(Input):
            field.value = ""
        for select in self.query("#review-filters Select, #review-filters-2 Select").results(Select):
            select.clear()
        self.filters_changed()

    def action_learning(self) -> None:
        navigation.show(self.app, "learning reviews")

    def action_export(self) -> None:
        if problem := self.filter_problem():
            self.show_filter_note(problem)
            return
        found = self.current_filter()
        self.app.push_screen(ExportForm(found.closed_from, found.closed_to))

    def action_back(self) -> None:
        self.app.pop_screen()
