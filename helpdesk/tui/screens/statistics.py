"""The week's (or quarter's) figures as charts: calls per week, pauses, times, breakdowns."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Sparkline, Static

from helpdesk.clock import london
from helpdesk.domain.types import Category, Remit
from helpdesk.store.rows import FIGURE_EVENTS, Figures
from helpdesk.tui.screens.base import DataScreen, PeriodInWeeks
from helpdesk.tui.widgets.banner import TroubleBanner
from helpdesk.tui.widgets.footer import KeysFooter

BAR = 30


def bars(counts: dict[str, int], labels: dict[str, str] | None = None, width: int = BAR) -> Text:
    """A horizontal bar chart in text: one line a value."""
    text = Text()
    top = max(counts.values(), default=0) or 1
    for name, count in counts.items():
        if text:
            text.append("\n")
        label = (labels or {}).get(name, name)
        text.append(f"  {label[:22]:<22} ")
        text.append("█" * max(1 if count else 0, round(width * count / top)), style="bold")
        text.append(f" {count}")
    return text or Text("  none", style="dim")


def minutes(value: float | None) -> str:
    return "—" if value is None else (f"{value:.0f} min" if value >= 10 else f"{value:.1f} min")


class StatisticsScreen(PeriodInWeeks, DataScreen):
    TITLE = "Statistics"
    BINDINGS = [
        Binding("escape", "back", "Queue", id="statistics.back"),
        Binding("q", "back", "Back", id="statistics.q", show=False),
        Binding("plus", "longer", "Longer period", id="statistics.longer"),
        Binding("minus", "shorter", "Shorter period", id="statistics.shorter"),
    ]

    @dataclass
    class Loaded(Message):
        figures: Figures

    def compose(self) -> ComposeResult:
        yield Static("", id="statistics-header")
        yield TroubleBanner(id="trouble")
        with VerticalScroll(id="statistics"):
            yield Static("", id="weekly-title", classes="chart-title")
            yield Sparkline([], id="weekly")
            yield Static("", id="weekly-axis", classes="chart-axis")
            yield Static("", id="pauses", classes="chart")
            yield Static("", id="times", classes="chart")
            yield Static("", id="by-remit", classes="chart")
            yield Static("", id="by-region", classes="chart")
            yield Static("", id="by-category", classes="chart")
        yield KeysFooter()

    RELOAD_AT_MOST_EVERY = 10.0  # seconds, while changes stream in

    def on_mount(self) -> None:
        self.loaded_at = -self.RELOAD_AT_MOST_EVERY
        self.reload_timer: Timer | None = None
        self.load()

    def moved_by(self, kinds: frozenset[str]) -> bool:
        return bool(kinds & FIGURE_EVENTS)

    def reload_for_change(self) -> None:
        """Recompute (after a change the figures are made from, see moved_by) at most every
        RELOAD_AT_MOST_EVERY seconds: changes in between wait for it."""
        if self.reload_timer is not None:
            return  # already due
        wait = self.loaded_at + self.RELOAD_AT_MOST_EVERY - time.monotonic()
        if wait <= 0:
            self.load()
        else:
            self.reload_timer = self.set_timer(wait, self.reload_when_due)

    def reload_when_due(self) -> None:
        self.reload_timer = None
        self.load()

    def period(self) -> tuple[dt.date, dt.date]:
        today = london(self.app.clock.now()).date()
        end = today + dt.timedelta(days=6 - today.weekday())  # to the end of this week
        return end - dt.timedelta(days=7 * self.weeks - 1), end

    @work(thread=True, exclusive=True, group="statistics-load")
    def load(self) -> None:
        self.loaded_at = time.monotonic()
        start, end = self.period()
        self.post_loaded(lambda: self.Loaded(self.app.desk.figures(start, end)))

    def on_statistics_screen_loaded(self, message: Loaded) -> None:
        f = message.figures
        self.query_one("#statistics-header", Static).update(
            f" Figures for {f.start:%a %-d %b} – {f.end:%a %-d %b %Y} ({self.weeks} week{'s' if self.weeks != 1 else ''}) · {f.calls} calls · + / − to change"
        )
        counts = [count for _, count in f.weeks]
        self.query_one("#weekly-title", Static).update(
            Text(f"Calls per week (most {max(counts, default=0)}, least {min(counts, default=0)})", style="bold")
        )
        self.query_one("#weekly", Sparkline).data = counts or [0]
        self.query_one("#weekly-axis", Static).update(
            f"{f.weeks[0][0]:%-d %b}" + " " * 4 + "→" + " " * 4 + f"w/c {f.weeks[-1][0]:%-d %b}" if f.weeks else ""
        )
        pauses = Text("Pauses\n", style="bold")
        pauses.append(bars({"Authorised": f.authorised, "Declined": f.declined}))
        self.query_one("#pauses", Static).update(pauses)
        share = f.urgent_share_in_target
        times = Text("Times\n", style="bold")
        times.append(
            f"  Time to claim      median {minutes(f.claim_median_min)}, 90th percentile {minutes(f.claim_p90_min)}\n"
        )
        times.append(
            f"  Time to decision   median {minutes(f.decision_median_min)}, 90th percentile {minutes(f.decision_p90_min)}\n"
        )
        target = self.app.policy.claim_target_urgent_min
        times.append(
            f"  Urgent calls claimed within {target} min: "
            + ("—" if share is None else f"{100 * share:.0f} % ({f.urgent_claimed_in_target} of {f.urgent_calls})")
        )
        if f.risk_calls:
            waiting = f", {f.risk_unacknowledged} NOT YET ACKNOWLEDGED" if f.risk_unacknowledged else ""
            times.append(
                f"\n  Calls at immediate risk: {f.risk_calls}{waiting}; to a supervisor's acknowledgement "
                f"median {minutes(f.risk_acknowledged_median_min)}, longest {minutes(f.risk_acknowledged_longest_min)}"
            )
        else:
            times.append("\n  Calls at immediate risk: none")
        self.query_one("#times", Static).update(times)
        for selector, heading, counts_by, labels in (
            ("#by-remit", "By remit", f.by_remit, {**{r.value: r.label for r in Remit}, "none": "No inspection"}),
            ("#by-region", "By region (of the senior who held the call)", f.by_region, {"unclaimed": "Never claimed"}),
            ("#by-category", "By category", f.by_category, {c.value: c.label for c in Category}),
        ):
            chart = Text(f"{heading}\n", style="bold")
            chart.append(bars(counts_by, labels))
            self.query_one(selector, Static).update(chart)
        self.read_fine()

    def action_back(self) -> None:
        self.app.pop_screen()
