"""Widgets shared by several screens."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Checkbox, DataTable, Footer, Static
from textual.widgets._footer import FooterKey

from helpdesk.domain.refusals import Refused
from helpdesk.domain.types import EventKind, Urgency
from helpdesk.store.faults import DatabaseUnavailable, describe_fault
from helpdesk.tui.messages import DatabaseChanged, DatabaseTrouble
from helpdesk.tui.screen_keys import EVERYWHERE, footer_width, screen_keys

if TYPE_CHECKING:
    from helpdesk.tui.app import HelpdeskApp


class TroubleBanner(Static):
    """A visible line while the database cannot be reached; hidden otherwise."""

    DEFAULT_CLASSES = "-hidden"

    def show_trouble(self, reason: str | None) -> None:
        if reason:
            self.update(f"Database unavailable: {reason}. Retrying; nothing you saved is lost.")
        self.set_class(not reason, "-hidden")


class TickBox(Checkbox):
    """A checkbox that is ticked in writing: X when ticked, blank when not (Textual's draws an X
    either way and tells them apart by colour alone)."""

    @property  # a class constant in Textual's ToggleButton; here it follows the value
    def BUTTON_INNER(self) -> str:  # type: ignore[override]  # noqa: N802 - Textual's name
        return "X" if self.value else " "


class KeysFooter(Footer):
    """The keys that matter to this person now, as many as fit the width, most important
    first, and always `? Help` (which lists the rest)."""

    def __init__(self) -> None:
        super().__init__(show_command_palette=False)
        self.laid_out_for = 0

    def compose(self) -> ComposeResult:
        keys = screen_keys(self.screen)
        helps = [key for key in keys if key.group == EVERYWHERE and key.binding.action == "help"][:1]
        room = (self.size.width or self.app.size.width) - sum(footer_width(key) for key in helps)
        shown = []
        for key in keys:
            if key.group == EVERYWHERE or not key.now or not key.binding.show:
                continue
            if footer_width(key) > room:
                break
            room -= footer_width(key)
            shown.append(key)
        self.styles.grid_size_columns = len(shown) + len(helps)
        for key in shown + helps:
            yield FooterKey(key.binding.key, key.key, key.description, key.binding.action).data_bind(
                compact=Footer.compact
            )

    def on_resize(self) -> None:
        if self.size.width != self.laid_out_for:
            self.laid_out_for = self.size.width
            self.call_after_refresh(self.recompose)


class DataScreen(Screen):
    """A screen that shows database data, with a TroubleBanner in it. The banner follows the
    App's word on the database. On DatabaseChanged the screen loads again (`load`) when the
    record changed in a way it shows, and calls `presence_moved` when only presence did or a
    call was opened elsewhere; after a recovery the
    App sends DatabaseChanged, and screens reload from that alone."""

    if TYPE_CHECKING:

        @property
        def app(self) -> HelpdeskApp:  # type: ignore[override]  # the console's App, with its desk
            ...

    def load(self) -> object:
        """Read what the screen shows again (in a worker: subclasses decorate it with @work)."""
        raise NotImplementedError

    read_once = False  # the screen's first read has come back (or failed): keys may reach it
    READ_AGAIN_SECONDS = 2.0  # a read that failed is tried again this long after, until one succeeds
    read_again: Timer | None = None  # the one try waiting, however many reads failed meanwhile

    def post_loaded(self, read: Callable[[], Message | None]) -> None:
        """In a load worker: post the message `read` builds from the database; if the database
        cannot be reached, the banner says why and what is on screen stays. If the store refuses
        this person the read (an account deactivated, a role changed since the console opened),
        a notification says so and what is on screen stays."""
        try:
            loaded = read()
        except DatabaseUnavailable as error:  # any database fault shows in the banner, and is read past
            self.post_message(DatabaseTrouble(describe_fault(error), read_failed=True))
            return
        except Refused as refused:
            self.app.call_from_thread(self.notify, str(refused), severity="error", title="Refused", timeout=20)
            return
        finally:
            self.read_once = True
        if loaded is not None:
            self.post_message(loaded)

    def read_fine(self) -> None:
        """A read succeeded: the banner shows only what the App still knows of the database (a
        change feed that cannot reach it), not a trouble this read has shown to be over."""
        self.query_one(TroubleBanner).show_trouble(self.app.database_trouble)

    def presence_moved(self) -> None:
        """Only who is viewing which call changed (most screens do not show it)."""

    def moved_by(self, kinds: frozenset[str]) -> bool:
        """Whether a change whose audit events are of these kinds can alter what the screen shows
        (any can, unless the screen says otherwise)."""
        return True

    def reload_for_change(self) -> None:
        """A change this screen shows: read again (a screen may hold changes back, see statistics)."""
        self.load()

    def on_database_changed(self, message: DatabaseChanged) -> None:
        if not message.records:
            self.presence_moved()
        elif message.kinds is None or self.moved_by(message.kinds):
            self.reload_for_change()
        elif EventKind.VIEWED in message.kinds:  # a call opened elsewhere: who is viewing it moved
            self.presence_moved()

    def on_database_trouble(self, message: DatabaseTrouble) -> None:
        """The banner says what is wrong and that the console is retrying: a read of this screen's
        that failed is tried again by itself (the change feed may be fine and never ask)."""
        self.query_one(TroubleBanner).show_trouble(message.reason)
        if message.read_failed and self.read_again is None:
            self.read_again = self.set_timer(self.READ_AGAIN_SECONDS, self.read_again_now)

    def read_again_now(self) -> None:
        self.read_again = None
        self.load()


def lay_out_columns(table: DataTable, columns: list[tuple[str, str, int | None]], width: int, least: int = 16) -> None:
    """Clear the table and give it these columns (key, heading, width): the one without a width
    takes what is left of `width`, at least `least`."""
    fixed = sum(column_width for _, _, column_width in columns if column_width)
    rest = max(least, width - fixed - 2 * table.cell_padding * len(columns) - 2)
    table.clear(columns=True)
    for key, heading, column_width in columns:
        table.add_column(heading, width=column_width or rest, key=key)


PERIODS = [1, 4, 8, 13, 26, 52]  # weeks a period of figures or of the pause register can cover


class PeriodInWeeks:
    """`+` and `-` step a screen's period through PERIODS and read it again."""

    weeks = 8

    def load(self) -> object:
        raise NotImplementedError

    def action_longer(self) -> None:
        self.weeks = next((w for w in PERIODS if w > self.weeks), self.weeks)
        self.load()

    def action_shorter(self) -> None:
        self.weeks = next((w for w in reversed(PERIODS) if w < self.weeks), self.weeks)
        self.load()


# a waiting call's state in words as well as in colour
STATE_CUE = {Urgency.WITHIN: "", Urgency.NEARING: "DUE SOON", Urgency.OVERDUE: "OVERDUE"}


def age_cell(age: str, band: Urgency | None) -> str:
    """'42 min' within the target; 'OVERDUE 42m', 'DUE SOON 9m' or 'OVERDUE 2h05' past it."""
    cue = STATE_CUE[band] if band else ""
    if not cue:
        return age
    return f"{cue} {age.replace(' min', 'm').replace(' h ', 'h').replace(' d ', 'd').replace(' ', '')}"


def short_name(name: str | None, login: str | None) -> str:
    """'B. Morgan' from 'Bethan Morgan'."""
    if not name:
        return login or ""
    parts = name.split()
    return f"{parts[0][0]}. {' '.join(parts[1:])}" if len(parts) > 1 else name
