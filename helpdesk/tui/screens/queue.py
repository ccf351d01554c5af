"""The live queue: waiting and claimed concerns, urgent first then oldest, ageing against targets."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from helpdesk.clock import london_time
from helpdesk.domain.escalation import (
    EscalationSubject,
    claim_escalation_due,
    countersignature_escalation_due,
    escalation_key,
    follow_up_escalation_due,
)
from helpdesk.domain.permissions import Permission, may, permission_refusal
from helpdesk.domain.queue import filter_matches, next_urgency_change, urgency, waited, waiting_label
from helpdesk.domain.types import CallerRole, Category, ConcernStatus, EventKind, Urgency
from helpdesk.store.faults import DatabaseUnavailable, unavailable
from helpdesk.store.rows import (
    QUEUE_UNMOVED_BY,
    FollowUpRow,
    HandedOver,
    OpenEscalation,
    QueueCounts,
    QueueRow,
    RefusedPause,
    StaffMember,
    queue_counts,
)
from helpdesk.tui import navigation
from helpdesk.tui.messages import PolicyChanged
from helpdesk.tui.screens.base import DataScreen
from helpdesk.tui.themes import row_looks
from helpdesk.tui.widgets.banner import TroubleBanner
from helpdesk.tui.widgets.columns import age_cell, short_name
from helpdesk.tui.widgets.follow_ups_due import FollowUpsDue
from helpdesk.tui.widgets.footer import KeysFooter
from helpdesk.tui.widgets.row_cached_table import RowCachedTable

# Screens beyond the queue are imported when first opened: start-up loads only the queue.

# (key, heading, width); the school column takes what is left
COLUMNS = [
    ("waiting", "  Waiting", 14),
    ("school", "URN · School", None),
    ("category", "Category", 10),
    ("caller", "Caller", 11),
    ("holder", "Claimed by", 14),
    ("viewing", "Viewing", 12),
]
WIDE = 100  # narrower than this, the caller's role is left out
MINUTE_LABEL_EVERY = 15  # seconds between catching up minute labels (at most this late)
SCHOOL_MIN_WIDTH = 16


class QueueHeader(Static):
    """Who is at this terminal, and how the queue stands."""

    shown_line = ""

    def show(
        self,
        staff: StaffMember,
        counts: QueueCounts | None,
        time_now: str,
        unread: int = 0,
        overdue: int = 0,
        follow_ups: tuple[int, int] = (0, 0),
        escalated: int = 0,
        cover_gap: str | None = None,
    ) -> None:
        """The longest form that fits: narrower, words give way before any count does; calls at
        immediate risk lead the line, and the urgent and overdue counts stay to the last."""
        who = f"{staff.name} · {staff.role}"
        if counts is None:
            forms = [(who, "loading…")]
        else:
            # calls at immediate risk lead the line in every form, the narrowest too (a notice
            # in the top right corner never hides them)
            risk_long = risk_short = ""
            if counts.at_risk:
                waiting = counts.risk_unacknowledged
                risk_long = f"{counts.at_risk} AT RISK" + (f", {waiting} UNACKNOWLEDGED" if waiting else "") + " · "
                risk_short = f"{counts.at_risk} AT RISK" + (f" ({waiting} UNACK.)" if waiting else "") + " · "
            if cover_gap:  # (supervisors) a gap in on-call cover within a day, e-mail alerts failing
                risk_long += f"{cover_gap} · "
                risk_short += (
                    cover_gap.replace("NO ON-CALL COVER", "NO COVER")
                    .replace("E-MAIL ALERTS FAILING since", "E-MAIL FAILING")
                    .replace(" from ", " ")
                    + " · "
                )
            to_sign = counts.awaiting_countersignature if may(staff.role, Permission.COUNTERSIGN) else 0
            late = f", {overdue} OVERDUE" if overdue else ""
            who = f"{who} · {escalated} ESCALATED" if escalated else who
            sign_long = f" · {to_sign} to countersign" if to_sign else ""
            sign_short = f" · {to_sign} to sign" if to_sign else ""
            due, late_follow_ups = follow_ups
            follow_late = f", {late_follow_ups} OVERDUE" if late_follow_ups else ""
            follow_long = f" · {due} follow-up{'s' if due != 1 else ''} due{follow_late}" if due else ""
            follow_short = f" · {due} follow-up{'s' if due != 1 else ''}{follow_late}" if due else ""
            long = (
                f"{counts.waiting} waiting ({counts.urgent_waiting} urgent{late}) · {counts.claimed} claimed"
                + follow_long
            )
            short = f"{counts.waiting} waiting, {counts.urgent_waiting} urgent{late}{follow_short}"
            feedback_long = f" · {unread} new feedback (f)" if unread else ""
            feedback_short = f" · {unread} feedback (f)" if unread else ""
            forms = [
                (risk_long + who + feedback_long, f"{long}{sign_long} · {time_now}"),
                (risk_long + who + feedback_short, f"{short} · {counts.claimed} claimed{sign_short} · {time_now}"),
                (risk_long + who + feedback_short, f"{short}{sign_short} · {time_now}"),
                (
                    risk_long + staff.name + (f" · {escalated} ESCALATED" if escalated else "") + feedback_short,
                    f"{short}{sign_short} · {time_now}",
                ),
                # the follow-ups' own counts are in their section's title below the queue
                (
                    risk_short + staff.name + (f" · {escalated} ESCALATED" if escalated else "") + feedback_short,
                    f"{counts.waiting} waiting, {counts.urgent_waiting} urgent{late}{sign_short} · {time_now}",
                ),
                (
                    risk_short + (f"{escalated} ESCALATED" if escalated else staff.name) + feedback_short,
                    f"{counts.waiting} waiting, {counts.urgent_waiting} urgent{late} · {time_now}",
                ),
            ]
            if risk_short:  # the narrowest: what is at risk or uncovered, then the counts, no name
                forms.append(
                    (
                        risk_short.removesuffix(" · "),
                        f"{counts.waiting} waiting, {counts.urgent_waiting} urgent{late} · {time_now}",
                    )
                )
        width = max(self.size.width, 40)
        left, right = next(((a, b) for a, b in forms if len(a) + len(b) + 3 <= width), forms[-1])
        gap = max(width - len(left) - len(right) - 2, 1)
        line = f" {left}{' ' * gap}{right} "
        if line != self.shown_line:  # redraw only when it changes (the clock moves once a minute)
            self.shown_line = line
            self.update(line)


class QueueScreen(DataScreen):
    TITLE = "Queue"
    PLACE = "Queue"  # what Esc says on the screens opened from here
    HOLDS_KEYS = ("queue-claim", "queue-return")
    AUTO_FOCUS = "#queue"  # the table, not the filter above it
    ESCALATION_SPREAD_SECONDS = 3.0  # how late a console may raise what it saw fall due
    BINDINGS = [
        Binding("enter", "open_call", "Open call", id="queue.open", priority=True),
        Binding("c", "claim", "Claim", id="queue.claim"),
        Binding("n", "new_concern", "New concern", id="queue.new"),
        Binding("r", "reload", "Refresh", id="queue.refresh"),
        Binding("f", "feedback", "My feedback", id="queue.feedback"),
        Binding(
            "u",
            "follow_ups",
            "Follow-ups",
            id="queue.follow-ups",
            tooltip="Move between the queue and the follow-ups due",
        ),
        Binding("v", "review", "Review", id="queue.review"),
        Binding("s", "statistics", "Statistics", id="queue.statistics"),
        Binding("p", "pause_register", "Pauses", id="queue.pauses", tooltip="The pause register"),
        Binding("o", "rota", "On call", id="queue.rota", tooltip="The on-call rota"),
        Binding(
            "l",
            "look_up",
            "Look up",
            id="queue.look-up",
            tooltip="Find any call: number, URN, phone, name or words",
        ),
        Binding("q", "app.quit", "Quit", id="queue.quit"),
        Binding("slash", "filter", "Filter", id="queue.filter", tooltip="Narrow the queue as you type"),
        Binding("escape", "clear_filter", "Clear filter", id="queue.clear-filter", show=False),
    ]

    def keys_now(self) -> list[str]:
        """What this person does from the queue, most important first: new feedback to read
        comes first; a senior claims; a supervisor also reviews and reads the figures."""
        role = self.app.staff.role
        takes_calls = may(role, Permission.CLAIM)
        feedback = ["feedback"] if takes_calls else []
        return (
            (feedback if self.unread_feedback else [])
            + ["open_call"]
            + (["claim"] if takes_calls else [])
            + [
                action
                for action, permission in (
                    ("review", Permission.READ_CLOSED_CALLS),
                    ("statistics", Permission.SEE_FIGURES),
                    ("pause_register", Permission.SEE_PAUSE_REGISTER),
                    ("new_concern", Permission.LOG_CONCERN),
                    ("rota", Permission.MANAGE_ROTA),
                )
                if may(role, permission)
            ]
            + ([] if self.unread_feedback else feedback)
            + (["follow_ups"] if self.follow_ups else [])
            + ["reload", "app.quit", "look_up", "filter"]
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "follow_ups":
            return bool(self.follow_ups)
        if action == "clear_filter":
            return self.filtering
        return True

    @dataclass
    class Loaded(Message):
        rows: list[QueueRow] | None  # None: only who is viewing was read again
        viewers: dict[int, list[str]]
        unread_feedback: int | None
        follow_ups: list[FollowUpRow] | None = None
        handed: list[HandedOver] | None = None  # calls handed to this person, not opened since
        escalations: list[OpenEscalation] | None = None
        refused: list[RefusedPause] | None = None  # this person's exceptional pauses refused, not seen since
        restricted: frozenset[int] | None = None  # open calls the information barrier keeps from this person

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[QueueRow] = []
        self.viewers: dict[int, list[str]] = {}
        self.unread_feedback = 0
        self.follow_ups: list[FollowUpRow] = []
        self.handed: dict[int, HandedOver] = {}
        self.announced: set[int] = set()  # handovers this console has told of
        self.refused: dict[int, RefusedPause] = {}  # by decision
        self.refusals_told: set[int] = set()  # decisions whose refusal this console has told of
        self.restricted: frozenset[int] = frozenset()  # shown without what the call is about
        self.escalations: dict[str, OpenEscalation] = {}  # standing, by key
        self.escalations_told: set[int] = set()  # (supervisors) alerted to already
        self.escalations_told_once = False  # the first load's standing escalations, summed up
        self.escalations_asked: set[str] = set()  # raised from this console (once each)
        self.risks_told: set[int] = set()  # (supervisors) calls at risk, unacknowledged, rung for
        self.cover_gap: str | None = None  # (supervisors) a gap in on-call cover within a day
        self.looks: dict[int, tuple] = {}
        self.overdue = 0  # waiting calls past their target, counted when their looks change
        self.next_band_change = None  # the soonest moment a waiting row changes colour
        self.ticks = 0
        self.columns = COLUMNS
        self.school_width = 0
        self.loaded = False
        self.shown: dict[str, tuple] = {}
        self.drawn_from: dict[str, tuple] = {}  # by key: what its cells were last drawn from
        self.filtering = False  # the `/` filter is open
        self.filter_text = ""

    def compose(self) -> ComposeResult:
        yield QueueHeader(id="queue-header")
        yield TroubleBanner(id="trouble")
        with Horizontal(id="queue-filter-bar"):
            yield Input(
                placeholder="school, category, holder, risk, overdue, mine, urgent", id="queue-filter", disabled=True
            )
            yield Static("", id="queue-filter-count")
        yield RowCachedTable(id="queue", cursor_type="row", zebra_stripes=False)
        yield FollowUpsDue()
        yield KeysFooter()

    def on_mount(self) -> None:
        self.build_columns()
        self.show_header()
        self.load()
        self.read_cover()
        self.set_interval(1, self.tick)

    COVER_READ_SECONDS = 60  # how often a supervisor's console looks for a gap in on-call cover

    @dataclass
    class CoverRead(Message):
        gap: str | None  # a gap in on-call cover within a day, and e-mail alerts failing, in words

    @work(thread=True, exclusive=True, group="queue-cover")
    def read_cover(self) -> None:
        """(Supervisors) a gap in on-call cover within the next day, and whether e-mail alerts
        are failing to send, for the header."""
        if may(self.app.staff.role, Permission.MANAGE_ROTA):
            self.post_loaded(self.cover_and_alerts)

    def cover_and_alerts(self) -> CoverRead:
        desk = self.app.desk
        flags = [desk.cover_gap()]
        if failing := desk.alerts_failing_since():
            flags.append(f"E-MAIL ALERTS FAILING since {london_time(failing)}")
        return self.CoverRead(" · ".join(flag for flag in flags if flag) or None)

    def on_queue_screen_cover_read(self, message: CoverRead) -> None:
        if message.gap != self.cover_gap:
            self.cover_gap = message.gap
            self.show_header()

    def on_screen_resume(self) -> None:
        if self.loaded:
            self.load_on_return()

    # --- loading ----------------------------------------------------------------------------

    def action_reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="queue-load")
    def load(self) -> None:
        self.post_loaded(self.read_queue)

    @work(thread=True, exclusive=True, group="queue-return")
    def load_on_return(self) -> None:
        """Read again on coming back to the queue (after logging a call, closing one): keys typed
        meanwhile wait for it, so that Enter opens the call the queue now shows. Reloads the
        change feed asks for hold no key."""
        self.post_loaded(self.read_queue)

    def read_queue(self) -> Loaded:
        desk = self.app.desk
        return self.Loaded(
            desk.open_queue(),
            desk.viewers(),
            desk.unread_feedback(),
            desk.follow_ups_due(),
            desk.handed_to_me(),
            desk.open_escalations(),
            desk.refusals_for_me(),
            desk.restricted_from_me(),
        )

    @work(thread=True, exclusive=True, group="queue-viewers")
    def reload_viewers(self) -> None:
        """Only presence moved: who is viewing which call (a group of its own, so that it never
        cancels a full reload)."""
        self.post_loaded(lambda: self.Loaded(None, self.app.desk.viewers(), None))

    def on_queue_screen_loaded(self, message: Loaded) -> None:
        self.read_fine()
        if message.rows is None and not self.loaded:  # the first full load is still on its way
            return
        rows = self.rows if message.rows is None else message.rows
        unread = self.unread_feedback if message.unread_feedback is None else message.unread_feedback
        follow_ups = self.follow_ups if message.follow_ups is None else message.follow_ups
        handed = self.handed if message.handed is None else {h.concern_id: h for h in message.handed}
        escalations = self.escalations if message.escalations is None else {e.key: e for e in message.escalations}
        refused = self.refused if message.refused is None else {r.decision_id: r for r in message.refused}
        restricted = self.restricted if message.restricted is None else message.restricted
        if self.loaded and (rows, message.viewers, unread, follow_ups, handed, escalations, refused, restricted) == (
            self.rows,
            self.viewers,
            self.unread_feedback,
            self.follow_ups,
            self.handed,
            self.escalations,
            self.refused,
            self.restricted,
        ):
            return  # nothing to redraw (a heartbeat, or a change elsewhere in the record)
        if restricted != self.restricted:
            self.restricted = restricted
            self.shown = {}  # every restricted row is drawn again
        self.handed = handed
        self.tell_of_handovers()
        self.refused = refused
        self.tell_of_refusals()
        self.escalations = escalations
        self.alert_supervisor()
        self.alert_risk(rows)
        if bool(follow_ups) != bool(self.follow_ups):
            self.refresh_bindings()  # `u` comes and goes with the section
        self.follow_ups = follow_ups
        self.show_follow_ups()
        self.rows = rows
        self.counts = queue_counts(self.rows)  # once a load, not on every tick
        self.viewers = message.viewers
        if unread != self.unread_feedback:
            self.refresh_bindings()  # new feedback moves `f` up the footer
        self.unread_feedback = unread
        self.loaded = True
        self.show_rows()
        self.raise_escalations(self.app.clock.now())
        if self.app.exit_when_loaded:  # once what was loaded is on the terminal: the refresh
            # after this one (the table lays its new rows out on the next; exiting after only
            # that sometimes left the terminal showing "loading…")
            self.call_after_refresh(lambda: self.call_after_refresh(self.app.exit))

    def tell_of_handovers(self) -> None:
        """A call handed to this person is told at once, once: a bell and a notice for a
        minute, taken down when they open the call; the row says NEW until then."""
        for concern_id, handed in self.handed.items():
            if concern_id in self.announced:
                continue
            self.announced.add(concern_id)
            reason = f": {handed.reason}" if handed.reason else ""
            self.app.announce(
                concern_id,
                f"{handed.by_name} handed you call {concern_id} ({handed.urn} {handed.school}){reason}",
                title="A call is now yours",
                severity="warning",
            )

    def tell_of_refusals(self) -> None:
        """A senior whose exceptional pause a supervisor refused to countersign is told at once,
        once: a bell and a notice for a minute, taken down when they open the call (and told
        again in a later session until they have)."""
        for decision_id, refused in self.refused.items():
            if decision_id in self.refusals_told:
                continue
            self.refusals_told.add(decision_id)
            reason = f" Reasons: {refused.reason}" if refused.reason else ""
            self.app.announce(
                refused.concern_id,
                f"{refused.by_name} refused to countersign your exceptional pause on call {refused.concern_id} "
                f"({refused.urn} {refused.school}): it is not in force.{reason}",
                title="Countersignature refused",
                severity="error",
            )

    # --- escalation -------------------------------------------------------------------------

    def raise_escalations(self, now) -> None:
        """Waiting calls past their target, follow-ups long overdue and exceptional pauses long
        awaiting countersignature that nobody has raised yet: this console raises them (once; the store checks each again and keeps it to one)."""
        if not self.loaded:
            return
        policy = self.app.policy
        calls = [
            row.id
            for row in self.rows
            if row.status == ConcernStatus.WAITING
            and claim_escalation_due(row.received_at, now, row.urgent, policy)
            and escalation_key(EscalationSubject.CLAIM_TARGET, row.id) not in self.escalations
        ]
        follow_ups = [
            f.id
            for f in self.follow_ups
            if follow_up_escalation_due(f.due_at, now, policy)
            and escalation_key(EscalationSubject.FOLLOW_UP, f.id) not in self.escalations
        ]
        unsigned = [
            row.awaiting_decision
            for row in self.rows
            if row.awaiting_decision is not None
            and row.awaiting_since is not None
            and countersignature_escalation_due(row.awaiting_since, now, policy)
            and escalation_key(EscalationSubject.COUNTERSIGNATURE, row.awaiting_decision) not in self.escalations
        ]
        keys = (
            {escalation_key(EscalationSubject.CLAIM_TARGET, i) for i in calls}
            | {escalation_key(EscalationSubject.FOLLOW_UP, i) for i in follow_ups}
            | {escalation_key(EscalationSubject.COUNTERSIGNATURE, i) for i in unsigned}
        )
        if keys - self.escalations_asked:
            self.escalations_asked |= keys
            self.escalate_in_thread(calls, follow_ups, unsigned)

    @work(thread=True, group="queue-escalate")
    def escalate_in_thread(self, calls: list[int], follow_ups: list[int], unsigned: list[int]) -> None:
        """After a random pause: every console sees a call pass its target in the same second,
        and fifty of them taking the write lock at once for one escalation would cost seconds
        of CPU; spread out, the first raises it and the others find it raised before writing."""
        if self.app.quitting.wait(random.uniform(0, self.ESCALATION_SPREAD_SECONDS)):
            return
        try:
            self.app.desk.escalate(calls, follow_ups, unsigned)  # its events wake every console
        except Exception:  # noqa: BLE001 - asked again by the next console, or this one's next load
            self.app.call_from_thread(self.escalations_asked.clear)

    def alert_supervisor(self) -> None:
        """A supervisor's console rings once for each new escalation and says what it is."""
        if not may(self.app.staff.role, Permission.RECEIVE_ESCALATIONS):
            return
        if not self.escalations_told_once:  # the console's first look: one summary, one bell
            self.escalations_told_once = True
            self.escalations_told |= {e.id for e in self.escalations.values()}
            if self.escalations:
                calls = ", ".join(str(e.concern_id) for e in self.escalations.values())
                self.app.announce(
                    None,
                    f"{len(self.escalations)} escalation(s) standing, on call(s) {calls}",
                    title="Escalated",
                    severity="error",
                )
            return
        for escalation in self.escalations.values():
            if escalation.id in self.escalations_told:
                continue
            self.escalations_told.add(escalation.id)
            if escalation.subject == EscalationSubject.FOLLOW_UP:
                what = f"follow-up #{escalation.follow_up_id} on call {escalation.concern_id} is overdue: {escalation.what}"
            elif escalation.subject == EscalationSubject.COUNTERSIGNATURE:
                what = f"call {escalation.concern_id}'s exceptional pause still awaits countersignature (w)"
            else:
                what = f"call {escalation.concern_id} is not claimed within its target"
            self.app.announce(
                escalation.concern_id,
                f"{escalation.urn} {escalation.school}: {what}",
                title="Escalated",
                severity="error",
            )

    RISK_RING_SECONDS = 60  # a supervisor's console rings again while a risk stands unacknowledged

    def alert_risk(self, rows: list[QueueRow]) -> None:
        """Every supervisor's console rings at once for a call newly at immediate risk, with a
        notice that stays until the call is opened or a supervisor acknowledges it; the bell
        rings again each minute while any stands unacknowledged (see `tick`)."""
        if not may(self.app.staff.role, Permission.ACKNOWLEDGE_RISK):
            return
        standing = {row.id: row for row in rows if row.risk_unacknowledged}
        for concern_id in self.risks_told - set(standing):  # acknowledged (or lifted, or closed)
            self.risks_told.discard(concern_id)
            self.app.read_notices_about(concern_id)
        for concern_id, row in standing.items():
            if concern_id in self.risks_told:
                continue
            self.risks_told.add(concern_id)
            barred = row.id in self.restricted
            what = (
                "you are tied to its inspection: another supervisor must acknowledge it"
                if barred
                else "open it (Enter) and press ! to acknowledge"
            )
            self.app.announce(
                concern_id,
                f"Call {concern_id} ({row.urn} {row.school}): someone's life or safety is at risk — {what}",
                title="IMMEDIATE RISK",
                severity="error",
                seconds=3600,
            )

    def moved_by(self, kinds: frozenset[str]) -> bool:
        """Read again after a change the queue can show, not after a call is opened elsewhere:
        with fifty consoles open, each call opened would otherwise reload fifty queues."""
        unmoved = QUEUE_UNMOVED_BY
        if not may(self.app.staff.role, Permission.RECEIVE_ESCALATIONS):
            unmoved |= {EventKind.ESCALATED}
        return not kinds <= unmoved

    def presence_moved(self) -> None:
        if self.loaded:  # (else the first full load is on its way)
            self.reload_viewers()

    def on_policy_changed(self, message: PolicyChanged) -> None:
        """New targets: every row's band, the overdue count and the next change of band again."""
        if self.loaded:
            self.show_rows(rebuild=True)
            self.show_header()

    # --- showing ----------------------------------------------------------------------------

    def on_resize(self) -> None:
        if self.build_columns():
            self.show_rows(rebuild=True)
            self.show_follow_ups()
        self.show_header()

    def build_columns(self) -> bool:
        """Lay the columns out for this width; False if they are laid out so already."""
        table = self.query_one(DataTable)
        columns = [c for c in COLUMNS if c[0] != "caller" or self.size.width >= WIDE]
        fixed = sum(width for _, _, width in columns if width)
        padding = 2 * table.cell_padding * len(columns)
        school = max(SCHOOL_MIN_WIDTH, self.size.width - fixed - padding - 2)
        if (columns, school) == (self.columns, self.school_width) and table.columns:
            return False
        self.columns, self.school_width = columns, school
        table.clear(columns=True)
        self.shown.clear()
        for key, heading, width in self.columns:
            table.add_column(heading, width=width or school, key=key)
        return True

    def drawn_from_now(self, row: QueueRow) -> tuple:
        """Everything a row's cells are drawn from (`cells`), as it stands: its row, its looks
        at this moment, whether it was handed to this person, who is viewing it, whether it is
        restricted, the theme and the columns."""
        return (
            row,
            self.looks.get(row.id),
            row.id in self.handed,
            tuple(self.viewers.get(row.id, ())),
            row.id in self.restricted,
            self.app.theme,
            tuple(self.columns),
        )

    def cells(self, row: QueueRow, now) -> tuple:
        """The row's cells as drawn now (and what they were drawn from, kept by its key)."""
        self.drawn_from[str(row.id)] = self.drawn_from_now(row)
        looks = row_looks(self.app.theme)
        band = None
        if row.status == ConcernStatus.CLAIMED:
            style = looks.claimed
        else:
            band = urgency(row.received_at, now, row.urgent, self.app.policy)
            style = {Urgency.WITHIN: "", Urgency.NEARING: looks.nearing, Urgency.OVERDUE: looks.overdue}[band]
        age = age_cell(waiting_label(waited(row.received_at, now)), band)
        marker = (
            Text("RISK ", style=f"reverse {looks.urgent_marker}".strip())
            if row.at_risk
            else Text("! ", style=looks.urgent_marker)
            if row.urgent
            else Text("  ")
        )
        holder = ""
        if row.status == ConcernStatus.CLAIMED:
            held = waiting_label(waited(row.claimed_at, now)).replace(" min", "m") if row.claimed_at else ""
            holder = f"{short_name(row.claimed_by_name, row.claimed_by)} {held}"
            if row.id in self.handed:  # handed to this person, not opened since
                holder = f"NEW {short_name(row.claimed_by_name, row.claimed_by)}"
            if row.awaiting_countersignature:
                holder = f"✎ {holder}"  # an exceptional pause waits for a supervisor's countersignature
        viewing = self.viewers.get(row.id, [])
        # Styled as spans: two Texts compare equal whatever their base style, so a colour kept
        # there would never count as a change to redraw.
        cells = {
            "waiting": marker + Text.styled(age, style),
            "school": Text.styled(f"↳ {row.linked_to} " if row.linked_to else "", "bold")
            + Text.styled(f"{row.urn} {row.school}", style),
            "category": Text.styled(Category(row.category).short, style),
            "caller": Text.styled(CallerRole(row.caller_role).short, style),
        }
        if row.id in self.restricted:  # tied to its inspection: nothing of what the call is about
            cells["category"], cells["caller"] = Text.styled("restricted", "italic"), Text("")
        cells |= {
            "holder": Text.styled(holder, style),
            "viewing": Text.styled(", ".join(short_name(name, None) for name in viewing), "italic"),
        }
        return tuple(cells[key] for key, _, _ in self.columns)

    def show_rows(self, rebuild: bool = False) -> None:
        """Bring the table in line with self.rows (those the filter lets through), keeping the
        selected concern selected."""
        table = self.query_one(DataTable)
        now = self.app.clock.now()
        self.looks = {row.id: self.look(row, now) for row in self.rows}
        self.overdue = self.count_overdue()
        self.next_band_change = self.soonest_band_change(now)
        rows = [row for row in self.rows if self.passes_filter(row, now)]
        keys = [str(row.id) for row in rows]
        if self.filtering:
            self.query_one("#queue-filter-count", Static).update(f" {len(rows)} of {len(self.rows)}")
        if rebuild or keys != list(self.shown):
            if not rebuild and self.update_in_place(table, rows, keys, now):
                self.show_header()
                return
            selected = self.selected_key()
            index = table.cursor_row
            table.clear()
            self.shown = {}
            for row in rows:
                cells = self.cells(row, now)
                table.add_row(*cells, key=str(row.id))
                self.shown[str(row.id)] = cells
            if selected in self.shown:
                table.move_cursor(row=keys.index(selected), animate=False)
            elif keys:
                table.move_cursor(row=min(index, len(keys) - 1), animate=False)
        else:
            for row in rows:
                key = str(row.id)
                cells = self.cells(row, now)
                for (column, _, _), old, new in zip(self.columns, self.shown[key], cells, strict=True):
                    if old != new:
                        table.update_cell(key, column, new)
                self.shown[key] = cells
        self.show_header()

    def update_in_place(self, table: DataTable, rows: list[QueueRow], keys: list[str], now) -> bool:
        """Rows gone taken out, new rows added, changed cells updated, then the rows put in the
        queue's order, keeping the selected call selected: the table measures only the new rows
        (cleared and filled again, it measures and lays out every row: on every change, in every
        console). False where most rows are new (then a rebuild costs no more)."""
        wanted = set(keys)
        new = [key for key in keys if key not in self.shown]
        if not self.shown or len(new) > len(wanted) // 2:
            return False
        selected = self.selected_key()
        for key in [key for key in self.shown if key not in wanted]:
            table.remove_row(key)
            del self.shown[key]
        by_key = {str(row.id): row for row in rows}
        for key, old in list(self.shown.items()):
            if self.drawn_from.get(key) == self.drawn_from_now(by_key[key]):
                continue  # nothing it is drawn from has changed: its cells are the same
            cells = self.cells(by_key[key], now)
            for (column, _, _), was, now_shown in zip(self.columns, old, cells, strict=True):
                if was != now_shown:
                    table.update_cell(key, column, now_shown)
            # (the cell objects the table holds: the sort below finds each row by them)
            self.shown[key] = tuple(n if w != n else w for w, n in zip(old, cells, strict=True))
        for key in new:
            cells = self.cells(by_key[key], now)
            table.add_row(*cells, key=key)
            self.shown[key] = cells
        if list(self.shown) != keys:
            place = {id(self.shown[key][0]): n for n, key in enumerate(keys)}
            table.sort(self.columns[0][0], key=lambda cell: place[id(cell)])
            self.shown = {key: self.shown[key] for key in keys}
        if selected in self.shown:
            table.move_cursor(row=keys.index(selected), animate=False)
        return True

    def passes_filter(self, row: QueueRow, now) -> bool:
        """The `/` filter, on what the row shows (a restricted call by nothing it is about)."""
        if not self.filter_text.strip():
            return True
        restricted = row.id in self.restricted
        text = " ".join(
            [row.urn, row.school, str(row.id), row.claimed_by_name or "", row.claimed_by or ""]
            + ([] if restricted else [Category(row.category).label, CallerRole(row.caller_role).label])
            + (["restricted"] if restricted else [])
        )
        states = {row.status}
        if row.urgent:
            states.add("urgent")
        if row.at_risk:
            states.add("risk")
        if row.claimed_by == self.app.staff.login:
            states.add("mine")
        if (
            row.status == ConcernStatus.WAITING
            and urgency(row.received_at, now, row.urgent, self.app.policy) == Urgency.OVERDUE
        ):
            states.add("overdue")
        return filter_matches(self.filter_text, text, frozenset(states))

    def action_filter(self) -> None:
        self.filtering = True
        self.query_one("#queue-filter-bar").display = True
        typed = self.query_one("#queue-filter", Input)
        typed.disabled = False
        typed.focus()
        self.show_rows(rebuild=True)
        self.refresh_bindings()

    def action_clear_filter(self) -> None:
        self.filtering = False
        self.filter_text = ""
        typed = self.query_one("#queue-filter", Input)
        typed.value = ""
        typed.disabled = True
        self.query_one("#queue-filter-bar").display = False
        self.query_one(DataTable).focus()
        self.show_rows(rebuild=True)
        self.refresh_bindings()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "queue-filter":
            event.stop()
            self.filter_text = event.value
            self.show_rows(rebuild=True)

    def show_header(self) -> None:
        counts = self.counts if self.loaded else None
        late = self.query_one(FollowUpsDue).overdue
        escalated = len(self.escalations) if may(self.app.staff.role, Permission.RECEIVE_ESCALATIONS) else 0
        self.query_one(QueueHeader).show(
            self.app.staff,
            counts,
            london_time(self.app.clock.now()),
            self.unread_feedback,
            self.overdue,
            (len(self.follow_ups), late),
            escalated,
            self.cover_gap,
        )

    def show_follow_ups(self) -> None:
        section = self.query_one(FollowUpsDue)
        if not self.follow_ups and section.query_one(DataTable).has_focus:
            self.query_one("#queue", DataTable).focus()
        section.show(self.follow_ups, self.app.clock.now())

    def action_follow_ups(self) -> None:
        """Move between the queue and the follow-ups due."""
        follow_ups = self.query_one("#follow-ups", DataTable)
        if follow_ups.has_focus or not self.follow_ups:
            self.query_one("#queue", DataTable).focus()
        else:
            follow_ups.focus()

    def count_overdue(self) -> int:
        return sum(look[1] == Urgency.OVERDUE for look in self.looks.values())

    def tick(self) -> None:
        """Waiting times move on without touching the database. A row that changes colour is
        redrawn at once; minute labels catch up every few seconds, so that a long queue does
        not repaint several times a second. In between, a tick looks at no row at all."""
        if not self.loaded:
            return
        now = self.app.clock.now()
        self.ticks += 1
        if self.ticks % self.COVER_READ_SECONDS == 0:
            self.read_cover()
        if self.ticks % self.RISK_RING_SECONDS == 0 and self.risks_told:
            self.app.bell()  # an immediate risk still stands unacknowledged
        catch_up = self.ticks % MINUTE_LABEL_EVERY == 0
        if not catch_up and (self.next_band_change is None or now < self.next_band_change):
            self.show_header()
            return
        self.next_band_change = self.soonest_band_change(now)
        table = self.query_one(DataTable)
        with self.app.batch_update():
            for row in self.rows:
                look = self.look(row, now)
                shown = self.looks.get(row.id)
                if shown == look:
                    continue
                urgent_change = shown is None or shown[1] != look[1]
                if not (urgent_change or catch_up):
                    continue
                self.looks[row.id] = look
                key = str(row.id)
                cells = self.cells(row, now)
                for (column, _, _), old, new in zip(
                    self.columns, self.shown.get(key, ()), cells, strict=False
                ):  # a new row has none shown
                    if old != new:
                        table.update_cell(key, column, new)
                self.shown[key] = cells
            self.overdue = self.count_overdue()
            self.raise_escalations(now)
            if self.query_one(FollowUpsDue).looks_changed(now):
                self.show_follow_ups()
            elif catch_up and self.follow_ups:
                self.show_follow_ups()  # how long overdue, in minutes
            self.show_header()

    def soonest_band_change(self, now):
        """The soonest moment a waiting row changes colour or a follow-up falls due."""
        changes = [
            change
            for row in self.rows
            if row.status != ConcernStatus.CLAIMED
            and (change := next_urgency_change(row.received_at, now, row.urgent, self.app.policy))
        ] + [f.due_at for f in self.follow_ups if f.due_at > now]
        # and when a follow-up becomes long enough overdue to escalate
        escalates = dt.timedelta(minutes=self.app.policy.escalate_follow_up_after_minutes, seconds=1)
        changes += [f.due_at + escalates for f in self.follow_ups if f.due_at + escalates > now]
        return min(changes, default=None)

    def look(self, row: QueueRow, now) -> tuple:
        """What changes with time alone: the age shown, the colour band, the time held."""
        band = (
            None if row.status == ConcernStatus.CLAIMED else urgency(row.received_at, now, row.urgent, self.app.policy)
        )
        held = waiting_label(waited(row.claimed_at, now)) if row.claimed_at else ""
        return waiting_label(waited(row.received_at, now)), band, held

    def selected_key(self) -> str | None:
        table = self.query_one(DataTable)
        if not self.shown or table.cursor_row < 0 or table.cursor_row >= table.row_count:
            return None
        return table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value

    # --- actions ----------------------------------------------------------------------------

    def action_open_call(self) -> None:
        follow_ups = self.query_one("#follow-ups", DataTable)
        if follow_ups.has_focus and follow_ups.row_count:
            self.open_follow_up_call()
            return
        key = self.selected_key()
        if key is None:
            self.notify("The queue is empty.", severity="warning")
            return
        navigation.show(self.app, "call", int(key))

    def action_feedback(self) -> None:
        navigation.show(self.app, "feedback")

    def permitted(self, permission: Permission) -> bool:
        """Whether this person may; if not, say why (the store checks again when it reads)."""
        if reason := permission_refusal(self.app.staff.role, permission):
            self.notify(reason, severity="error", title="Refused")
            return False
        return True

    def action_review(self) -> None:
        if self.permitted(Permission.READ_CLOSED_CALLS):
            navigation.show(self.app, "review list")

    def action_statistics(self) -> None:
        if self.permitted(Permission.SEE_FIGURES):
            navigation.show(self.app, "statistics")

    def action_look_up(self) -> None:
        navigation.show(self.app, "look up")

    def action_rota(self) -> None:
        if self.permitted(Permission.MANAGE_ROTA):
            navigation.show(self.app, "rota")

    def action_pause_register(self) -> None:
        if self.permitted(Permission.SEE_PAUSE_REGISTER):
            navigation.show(self.app, "pause register")

    def action_new_concern(self) -> None:
        def logged(call_number: object) -> None:
            if call_number:
                self.notify(
                    f"Logged as call {call_number}: give the caller this number to quote",
                    title=f"Call {call_number}",
                    timeout=20,
                )

        navigation.show(self.app, "new concern", callback=logged)

    def action_claim(self) -> None:
        key = self.selected_key()
        if key is None:
            self.notify("The queue is empty.", severity="warning")
            return
        self.claim_in_thread(int(key))

    @work(thread=True, group="queue-claim")
    def claim_in_thread(self, concern_id: int) -> None:
        # the call's screens and commands load when first used, not at start-up
        from helpdesk.domain.refusals import Refused

        try:
            self.app.desk.claim(concern_id)
        except Refused as refused:
            self.app.call_from_thread(self.notify, str(refused), severity="error", title="Refused")
        except DatabaseUnavailable as error:  # a database fault: nothing was saved, say so
            self.app.call_from_thread(self.notify, f"Not claimed — {unavailable(error)}", severity="error")
        else:
            self.app.call_from_thread(self.app.push_screen, navigation.make("call", concern_id))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.data_table.id == "follow-ups":
            self.open_follow_up_call()
        else:
            self.action_open_call()

    def open_follow_up_call(self) -> None:
        if (found := self.query_one(FollowUpsDue).selected()) is not None:
            navigation.show(self.app, "call", found.concern_id)
