"""One call: the caller, the school and its inspection, the responsible body's card, the
signposting panel and the timeline; the senior's actions by key and from the palette."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import Static

from helpdesk.clock import london, london_stamp, london_time
from helpdesk.domain import call as call_rules
from helpdesk.domain import risk as risk_rules
from helpdesk.domain.call import CallState, missing_informed, to_inform
from helpdesk.domain.follow_up import FollowUpKind, FollowUpState, ResumptionOutcome, may_act_on
from helpdesk.domain.follow_up import state as follow_up_state
from helpdesk.domain.pause import Decision, awaiting_refusal, countersign_refusal
from helpdesk.domain.permissions import Permission, may, permission_refusal
from helpdesk.domain.phones import national
from helpdesk.domain.refusals import Refused
from helpdesk.domain.risk import RiskContact, RiskStepKind, Safety
from helpdesk.domain.signposting import SIGNPOSTING
from helpdesk.domain.types import (
    BodyKind,
    CallerRole,
    Category,
    ConcernStatus,
    EventKind,
    LinkKind,
    Party,
    Remit,
    Told,
)
from helpdesk.store.faults import DatabaseUnavailable, unavailable
from helpdesk.store.rows import CallDetail
from helpdesk.tui import navigation
from helpdesk.tui.forms.advice import AdviceForm
from helpdesk.tui.forms.close import CloseForm
from helpdesk.tui.forms.contact import ContactForm
from helpdesk.tui.forms.countersign import CountersignForm
from helpdesk.tui.forms.follow_up import CallbackForm, FollowUpForm
from helpdesk.tui.forms.follow_up_done import FollowUpDoneForm
from helpdesk.tui.forms.inspection import InspectionForm
from helpdesk.tui.forms.link import LinkForm
from helpdesk.tui.forms.notification import NotificationForm
from helpdesk.tui.forms.pause import PauseForm
from helpdesk.tui.forms.reassign import ReassignForm
from helpdesk.tui.forms.release import ReleaseForm
from helpdesk.tui.forms.review import ReviewForm
from helpdesk.tui.forms.risk import LiftRiskForm, MarkRiskForm, RiskContactForm, RiskSafetyForm
from helpdesk.tui.forms.signposting import SignpostingForm
from helpdesk.tui.screens.base import DataScreen
from helpdesk.tui.widgets.banner import TroubleBanner
from helpdesk.tui.widgets.columns import short_name
from helpdesk.tui.widgets.footer import KeysFooter

NARROW = 110  # below this width the cards and the timeline stack


def card(lines: list[tuple[str, str]]) -> Text:
    """A card: each line a bold heading (or none) and its value."""
    text = Text()
    for heading, value in lines:
        if text:
            text.append("\n")
        if heading:
            text.append(f"{heading}  ", style="bold")
        text.append(value)
    return text


def label(kind, value: str | None) -> str:
    return kind(value).label if value in kind.values() else (value or "")


# keys that, pressed when they are not for this person now, say why instead of doing nothing
EXPLAINED = frozenset(
    {
        "claim",
        "release",
        "reassign",
        "informed",
        "countersign",
        "review",
        "follow_up_done",
        "link_inspection",
        "mark_risk",
        "risk_contact",
        "risk_safety",
        "acknowledge_risk",
        "lift_risk",
    }
)
RISK_STEPS = ("acknowledge_risk", "risk_contact", "risk_safety")  # first in the footer while at risk
RISK_ACTIONS = frozenset({*RISK_STEPS, "mark_risk", "lift_risk"})


class CallScreen(DataScreen):
    TITLE = "Call"
    HOLDS_KEYS = ("call-load", "call-action")  # `c` then `a` in one burst: the advice follows the claim
    BINDINGS = [
        Binding("escape", "back", "Queue", id="call.back"),
        Binding("c", "claim", "Claim", id="call.claim"),
        Binding("a", "advice", "Advice", id="call.advice"),
        Binding("t", "contact", "Contact", id="call.contact"),
        Binding("i", "link_inspection", "Inspection", id="call.inspection", tooltip="Link the call to its inspection"),
        Binding("p", "pause", "Pause", id="call.pause", tooltip="Record a pause decision"),
        Binding("n", "informed", "Informed", id="call.informed"),
        Binding("o", "signposting", "Signpost", id="call.signposting", tooltip="Record signposting"),
        Binding("x", "close_call", "Close", id="call.close", tooltip="Close the call"),
        Binding("l", "release", "Release", id="call.release"),
        Binding("r", "reassign", "Reassign", id="call.reassign"),
        Binding("w", "countersign", "Countersign", id="call.countersign"),
        Binding("v", "review", "Review", id="call.review"),
        Binding("u", "follow_up", "Follow-up", id="call.follow-up", tooltip="Set a follow-up on the call"),
        Binding("b", "callback", "Call back", id="call.callback", tooltip="Schedule a call back to the caller"),
        Binding("d", "follow_up_done", "Done", id="call.follow-up-done", tooltip="Complete a follow-up"),
        Binding(
            "k", "link", "Link", id="call.link", tooltip="Link with another call about the same inspection or matter"
        ),
        Binding("h", "history", "History", id="call.history", tooltip="Every call about this school and its body"),
        Binding("m", "mark_risk", "Risk", id="call.risk", tooltip="Mark IMMEDIATE RISK to someone's life or safety"),
        Binding(
            "exclamation_mark",
            "acknowledge_risk",
            "Acknowledge",
            id="call.risk-acknowledge",
            tooltip="A supervisor acknowledges the immediate risk",
        ),
        Binding(
            "e", "risk_contact", "Emergency", id="call.risk-contact", tooltip="Record emergency or safeguarding contact"
        ),
        Binding("s", "risk_safety", "Safety", id="call.risk-safety", tooltip="Record the person's immediate safety"),
        Binding("M", "lift_risk", "Lift risk", id="call.risk-lift", tooltip="A supervisor lifts the risk marker"),
        Binding("q", "back", "Back", id="call.q", show=False),
    ]

    @dataclass
    class Loaded(Message):
        detail: CallDetail | None

    @dataclass
    class Done(Message):
        """An action finished: `refusal` says why it did not happen, if it did not."""

        refusal: str | None
        success: str | None = None

    def __init__(self, concern_id: int) -> None:
        super().__init__()
        self.concern_id = concern_id
        self.detail: CallDetail | None = None
        self.viewed = False

    def compose(self) -> ComposeResult:
        yield Static("", id="call-header")
        yield TroubleBanner(id="trouble")
        yield Static("", id="refusal", classes="-empty")
        with Horizontal(id="call-body"):
            with VerticalScroll(id="call-cards"):
                yield Static("", id="risk-card", classes="card")
                yield Static("", id="caller-card", classes="card")
                yield Static("", id="school-card", classes="card")
                yield Static("", id="body-card", classes="card")
                yield Static("", id="decision-card", classes="card")
                yield Static("", id="signposting-card", classes="card")
                yield Static("", id="related-card", classes="card")
                yield Static("", id="follow-ups-card", classes="card")
            with VerticalScroll(id="timeline-pane"):
                yield Static("", id="timeline")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.query_one("#call-cards").border_title = "Call"
        self.query_one("#timeline-pane").border_title = "Timeline (newest last)"

    def on_resize(self) -> None:
        self.set_class(self.size.width < NARROW, "-narrow")
        self.show_header()

    def on_unmount(self) -> None:
        if self.app.watch_changes:
            self.app.send_heartbeat(None)  # no longer viewing this call

    # --- loading ----------------------------------------------------------------------------

    def load(self) -> None:
        """Read the call again; the first time, record that this person opened it."""
        first, self.viewed = not self.viewed, True
        self.load_in_thread(first)

    @work(thread=True, exclusive=True, group="call-load")
    def load_in_thread(self, record_view: bool) -> None:
        def read() -> CallScreen.Loaded | None:
            if record_view:
                try:
                    self.app.desk.record_view(self.concern_id)
                except Refused as refused:  # the barrier, or a closed call: nothing is shown
                    self.app.call_from_thread(self.refused_opening, str(refused))
                    return None
            return self.Loaded(self.app.desk.call(self.concern_id))

        self.post_loaded(read)

    def refused_opening(self, reason: str) -> None:
        """Opening the call was refused: say why, and go back to where the person was."""
        self.notify(reason, severity="error", title="Refused", timeout=20)
        if self.app.screen is self:
            self.app.pop_screen()

    def on_call_screen_loaded(self, message: Loaded) -> None:
        if message.detail is None:
            self.notify(f"There is no concern {self.concern_id}", severity="error")
            self.app.pop_screen()
            return
        self.detail = message.detail
        self.app.read_notices_about(self.concern_id)  # the notices announcing this call are read
        self.read_fine()
        self.show_detail()
        self.refresh_bindings()

    def on_screen_resume(self) -> None:
        self.load()
        if self.app.watch_changes:
            self.app.send_heartbeat(self.concern_id)

    # --- showing ----------------------------------------------------------------------------

    @property
    def shown(self) -> CallDetail:
        """The call as last loaded: every key but Esc is offered only once it is."""
        if self.detail is None:
            raise RuntimeError("the call has not been loaded yet")
        return self.detail

    def show_header(self) -> None:
        """The longest form that fits the width; the holder and the time they took the call
        stay to the last."""
        d = self.detail
        if d is None:
            return
        status = ConcernStatus(d.status).value.upper()
        urgent = "IMMEDIATE RISK · " if d.risk else "URGENT · " if d.urgent else ""
        category = Category(d.category)
        name = d.claimed_by_name or d.claimed_by or ""
        holding = d.status == ConcernStatus.CLAIMED and d.claimed_at
        since = f" since {london_time(d.claimed_at)}" if holding and d.claimed_at else ""
        received = f" · received {london_time(d.received_at)}"
        forms = [
            (category.label, f" by {name}{since}" if holding else "", received),
            (category.label, f" by {name}{since}" if holding else "", ""),
            (category.short, f" by {name}{since}" if holding else "", ""),
            (category.short, f" {short_name(name, d.claimed_by)}{since}" if holding else "", ""),
        ]
        width = (self.size.width or self.app.size.width) - 1
        lines = [
            f" Call {d.id} · {urgent}{shown_category} · {status}{holder}{when}"
            for shown_category, holder, when in forms
        ]
        self.query_one("#call-header", Static).update(next((line for line in lines if len(line) <= width), lines[-1]))

    def show_detail(self) -> None:
        d = self.shown
        self.show_header()
        self.query_one("#call-header").set_class(d.urgent, "-urgent")
        self.query_one("#call-header").set_class(d.risk is not None, "-risk")
        risk_card = self.query_one("#risk-card", Static)
        risk_card.display = d.risk is not None
        if d.risk is not None:
            risk_card.update(card(self.risk_lines()))
        self.query_one("#caller-card", Static).update(
            card(
                [
                    ("Caller", f"{d.caller_name} — {label(CallerRole, d.caller_role)}"),
                    ("Phone", national(d.caller_phone)),
                    ("Concern", d.summary),
                ]
            )
        )
        school = d.school
        lines = [
            ("School", f"{school.name} (URN {school.urn})"),
            ("", f"{school.type} · {school.phase} · {school.local_authority} {school.postcode}"),
        ]
        if school.head_name:
            lines.append(("Head", school.head_name))
        if school.phone:
            lines.append(("Phone", national(school.phone)))
        if d.inspection:
            i = d.inspection
            lines.append(
                (
                    "Inspection",
                    f"{i.reference} · {label(Remit, i.remit)} · {i.start_date:%a %-d %b}–{i.end_date:%a %-d %b %Y}",
                )
            )
            lines.append(("Lead", i.lead))
            if i.team:
                lines.append(("Team", ", ".join(i.team)))
            if i.wellbeing_name:
                role = f" ({i.wellbeing_role})" if i.wellbeing_role else ""
                phone = f" · {national(i.wellbeing_phone)}" if i.wellbeing_phone else ""
                lines.append(("Well-being", f"{i.wellbeing_name}{role}{phone}"))
            else:
                lines.append(("Well-being", "no contact on record"))
        else:
            lines.append(("Inspection", "none on record"))
        self.query_one("#school-card", Static).update(card(lines))
        if d.body:
            b = d.body
            contact = ", ".join(part for part in (b.contact_name, b.contact_role) if part)
            self.query_one("#body-card", Static).update(
                card(
                    [
                        ("Responsible body", f"{b.name} ({label(BodyKind, b.kind)})"),
                        ("Contact", contact or "none on file"),
                        ("Phone", national(b.phone) or "none on file"),
                        ("Email", b.email or "none on file"),
                        ("Attempts logged", str(d.body_contacts)),
                    ]
                )
            )
        else:
            self.query_one("#body-card", Static).update(card([("Responsible body", "none on record")]))
        if d.signposting_offered_at:
            offered = f"✓ offered at {london_time(d.signposting_offered_at)}"
        elif d.signposting_not_offered:
            offered = f"✗ not offered: {d.signposting_not_offered}"
        else:
            offered = "☐ not yet recorded (press o)"
        told = " · ".join(("✓ " if what.value in d.told else "☐ ") + what.short for what in Told)
        told += "" if len(d.told) == len(Told) else "  (a: tick with advice)"
        self.query_one("#signposting-card", Static).update(
            card([("Signposting", offered), ("", SIGNPOSTING), ("Told", told)])
        )
        self.query_one("#decision-card", Static).update(card(self.decision_lines()))
        self.query_one("#follow-ups-card", Static).update(card(self.follow_up_lines()))
        self.query_one("#related-card", Static).update(card(self.related_lines()))
        self.query_one("#related-card").set_class(bool(d.related), "-notice")
        timeline = Text()
        for entry in d.timeline:
            if timeline:
                timeline.append("\n")
            stamp = london(entry.at).format("ddd HH:mm")
            style = "dim" if entry.kind == EventKind.VIEWED else ""
            timeline.append(f"{stamp}  ", style="bold")
            timeline.append(f"{entry.actor}: ", style="bold " + style)
            timeline.append(entry.text, style=style)
        if d.status == ConcernStatus.CLOSED and d.closed_at:
            timeline.append(f"\n— closed {london_stamp(d.closed_at)} —", style="bold")
        self.query_one("#timeline", Static).update(timeline)
        self.query_one("#timeline-pane").scroll_end(animate=False)

    def decision_lines(self) -> list[tuple[str, str]]:
        """The decision in force and who still has to be told of it; an exceptional pause
        awaiting countersignature, or refused it, besides."""
        shown = self.shown
        lines: list[tuple[str, str]] = []
        if (waiting := shown.awaiting_decision) is not None:
            decided = f" at {london_time(waiting.decided_at)}" if waiting.decided_at else ""
            lines.append(
                (
                    "Awaiting",
                    f"EXCEPTIONAL pause of {waiting.working_days} working days, decided{decided} by "
                    f"{waiting.decided_by_name}: NOT IN FORCE until a supervisor countersigns it (w)",
                )
            )
        elif (refused := shown.refused_decision) is not None:
            at = f" at {london_time(refused.refused_at)}" if refused.refused_at else ""
            reason = f": {refused.refusal_reason}" if refused.refusal_reason else ""
            lines.append(
                ("Refused", f"countersignature of the exceptional pause REFUSED by {refused.refused_by}{at}{reason}")
            )
        d = shown.latest_decision
        if d is None:
            return [("Pause decision", "none in force" if lines else "none recorded"), *lines]
        decided = f" at {london_time(d.decided_at)}" if d.decided_at else ""
        state = (
            f"authorised, resumes {d.resumes_on:%a %-d %b}"
            if d.decision == Decision.AUTHORISED and d.resumes_on
            else d.decision
        )
        if d.exceptional and d.countersigned_by:
            state += f" · EXCEPTIONAL, countersigned by {d.countersigned_by}"
        policy = self.app.policy
        needed = to_inform(d.decision, policy)
        missing = set(missing_informed(d.decision, d.informed, policy))
        told = " · ".join(("☐ " if p in missing else "✓ ") + label(Party, p).lower() for p in needed)
        return [
            ("Pause decision", f"{state} (in force, decided{decided})"),
            *lines,
            ("Informed", told + ("  (press n)" if missing and shown.awaiting_decision is None else "")),
        ]

    def risk_lines(self) -> list[tuple[str, str]]:
        """The immediate-risk protocol: each step done (who, when, what) or still to do (its key)."""
        risk = self.shown.risk
        assert risk is not None
        what = f": {risk.what}" if risk.what else " (see the concern)"
        lines = [("IMMEDIATE RISK", f"marked {london_time(risk.marked_at)} by {risk.marked_by_name}{what}")]
        contact = risk.latest(RiskStepKind.CONTACT)
        if contact is None:
            lines.append(("Emergency", "☐ emergency services or safeguarding: not yet recorded (press e)"))
        elif contact.contact == RiskContact.NOT_CONTACTED:
            lines.append(("Emergency", f"✓ NOT contacted, recorded by {contact.by_name}: {contact.why_not}"))
        else:
            reference = f", ref {contact.reference}" if contact.reference else ", no reference"
            lines.append(
                (
                    "Emergency",
                    f"✓ {label(RiskContact, contact.contact)} at {london_time(contact.happened_at)}: "
                    f"{contact.who}{reference} ({contact.by_name})",
                )
            )
        safety = risk.latest(RiskStepKind.SAFETY)
        if safety is None:
            lines.append(("Safety", "☐ immediate safety: not yet recorded (press s)"))
        else:
            note = f": {safety.note}" if safety.note else ""
            state = "safe: confirmed" if safety.safety == Safety.CONFIRMED else "safety NOT confirmed"
            lines.append(("Safety", f"✓ recorded {london_time(safety.at)} by {safety.by_name}, {state}{note}"))
        if risk.acknowledged_at and risk.acknowledged_by_name:
            lines.append(
                ("Supervisor", f"✓ acknowledged at {london_time(risk.acknowledged_at)} by {risk.acknowledged_by_name}")
            )
        else:
            lines.append(("Supervisor", "☐ not yet acknowledged (a supervisor presses !)"))
        return lines

    def follow_up_lines(self) -> list[tuple[str, str]]:
        """The open follow-ups, soonest first, each with its state in words; then how many are done."""
        d, now = self.shown, self.app.clock.now()
        lines: list[tuple[str, str]] = []
        for f in d.open_follow_ups:
            band = follow_up_state(f.due_at, now)
            today = london(f.due_at).date() == london(now).date()
            due = f"due {london(f.due_at).format('HH:mm' if today else 'ddd D MMM HH:mm')}"
            if band == FollowUpState.OVERDUE:
                due = f"OVERDUE, {due}"
            owner = short_name(f.owner_name, f.owner) if f.owner else "any senior"
            number = f" on {national(f.phone)}" if f.phone else ""
            lines.append(("", f"#{f.id} {FollowUpKind(f.kind).label}{number} · {due} · {owner}: {f.what}"))
        done = len(d.follow_ups) - len(lines)
        heading = "Follow-ups" + (f"  ({done} done, in the timeline)" if done else "")
        if not lines:
            return [(heading, "none open" + ("  (press u)" if may(self.app.staff.role, Permission.FOLLOW_UP) else ""))]
        return [(heading, ""), *lines]

    def related_lines(self) -> list[tuple[str, str]]:
        """Other calls about this school or inspection: open, linked, or recent (newest first)."""
        d = self.shown
        if not d.related:
            return [("Other calls", "none open or recent about this school or inspection  (h: history)")]
        lines: list[tuple[str, str]] = [
            ("Other calls", f"{len(d.related)} about this school or inspection  (k links one, h: history)")
        ]
        for c in d.related:
            state = {"waiting": "WAITING", "claimed": f"held by {c.holder or '?'}"}.get(c.status, c.status)
            decision = f" · pause {c.decision}" if c.decision else ""
            link = f" · LINKED ({label(LinkKind, c.link).lower()})" if c.link else ""
            when = london(c.received_at).format("ddd D MMM HH:mm")
            lines.append(("", f"#{c.id} {when} · {c.what} · {state}{decision}{link}"))
        return lines

    def my_follow_ups(self) -> list:
        """The call's open follow-ups this person may complete."""
        staff = self.app.staff
        return [f for f in self.shown.open_follow_ups if may_act_on(staff.role, staff.login, f.owner)]

    def show_refusal(self, reason: str | None) -> None:
        line = self.query_one("#refusal", Static)
        line.update(reason or "")
        line.set_class(not reason, "-empty")

    # --- which actions apply ----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Which keys run. A key of this screen that is not for this person now still runs, to say
        why not (`why_not`); the footer and help list only what `allowed` says (see keys_now)."""
        if self.detail is not None and action in EXPLAINED and not self.allowed(action):
            return True
        return self.allowed(action)

    def why_not(self, action: str) -> str | None:
        """Why this key does nothing for this person on this call now, in words; None if it may."""
        if self.allowed(action):
            return None
        if action in RISK_ACTIONS:
            return self.why_not_risk(action) or "Not now"
        d, staff = self.shown, self.app.staff
        state = CallState(d.status, d.claimed_by, d.claimed_by_name)
        reasons = {
            "claim": lambda: (
                permission_refusal(staff.role, Permission.CLAIM)
                or f"The call is {d.status}: only a waiting call is claimed"
            ),
            "release": lambda: call_rules.release_refusal(state, staff.login, staff.role),
            "reassign": lambda: call_rules.reassign_refusal(state, staff.role, ""),
            "informed": lambda: (
                awaiting_refusal(d.id) if d.awaiting_decision else "No pause decision is in force to tell anyone of"
            ),
            "countersign": lambda: (
                permission_refusal(staff.role, Permission.COUNTERSIGN)
                or (
                    countersign_refusal(
                        staff.role, staff.login, d.awaiting_decision.decided_by, d.awaiting_decision.exceptional, None
                    )
                    if d.awaiting_decision
                    else "No exceptional pause on this call awaits countersignature"
                )
            ),
            "review": lambda: permission_refusal(staff.role, Permission.REVIEW) or "Only a closed call is reviewed",
            "follow_up_done": lambda: "No open follow-up on this call is yours to complete",
            "link_inspection": lambda: "The call's inspection is on record already",
        }
        return (reasons[action]() if action in reasons else None) or "Not now"

    def risk_step_refusal(self, doing: str) -> str | None:
        d, staff = self.shown, self.app.staff
        state = CallState(d.status, d.claimed_by, d.claimed_by_name)
        return risk_rules.step_refusal(state, staff.login, staff.role, d.risk.marked_by if d.risk else None, doing)

    def refused_key(self, action: str) -> bool:
        """Say why the key does nothing now, if it does nothing; whether it was refused."""
        if (reason := self.why_not(action)) is None:
            return False
        self.show_refusal(reason)
        self.notify(reason, severity="warning", title="Not now")
        return True

    def allowed(self, action: str) -> bool:
        """Whether the key is for this person on this call now (the store decides again)."""
        d, staff = self.detail, self.app.staff
        if d is None:
            return action == "back"
        if action in ("follow_up", "callback"):
            return may(staff.role, Permission.FOLLOW_UP)
        if action == "history":
            return True
        if action == "link":
            return may(staff.role, Permission.CLAIM) and any(c.link is None for c in d.related)
        if action == "follow_up_done":
            return bool(self.my_follow_ups())
        if action in RISK_ACTIONS:
            return self.why_not_risk(action) is None
        if d.status == ConcernStatus.CLOSED:
            return action == "back" or (action == "review" and may(staff.role, Permission.REVIEW))
        if action == "review":
            return False
        if action == "claim":
            return d.status == ConcernStatus.WAITING and may(staff.role, Permission.CLAIM)
        if action == "release":
            return d.status == ConcernStatus.CLAIMED
        if action == "reassign":
            return may(staff.role, Permission.REASSIGN) and d.status == ConcernStatus.CLAIMED
        if action == "countersign":  # the rule the store applies: never the supervisor who decided
            decision = d.awaiting_decision
            return decision is not None and not countersign_refusal(
                staff.role, staff.login, decision.decided_by, decision.exceptional, None
            )
        if action == "link_inspection":
            return d.inspection is None
        if action == "informed":  # not while an exceptional pause awaits countersignature
            return d.latest_decision is not None and d.awaiting_decision is None
        return True

    def why_not_risk(self, action: str) -> str | None:
        """Why this person cannot take this step of the immediate-risk protocol now (the domain's rules)."""
        d, staff = self.shown, self.app.staff
        state = CallState(d.status, d.claimed_by, d.claimed_by_name)
        if action == "mark_risk":
            return risk_rules.mark_refusal(state, staff.role, "standing" if d.risk else None)
        if action == "risk_contact":
            return self.risk_step_refusal("record the emergency contact")
        if action == "risk_safety":
            return self.risk_step_refusal("record the person's safety")
        if action == "acknowledge_risk":
            if d.risk is None and d.alerts_standing and may(staff.role, Permission.ACKNOWLEDGE_RISK):
                return None  # an escalation's e-mail alert, acknowledged with the same key
            return risk_rules.acknowledge_refusal(
                staff.role, d.risk is not None, d.risk.acknowledged_by_name if d.risk else None
            )
        return risk_rules.lift_refusal(staff.role, d.risk is not None, d.status)

    def keys_now(self) -> list[str]:
        """The keys that matter to this person on this call now, most important first: a
        waiting call is to be claimed; a call one holds is to be worked and closed (who must
        still be told of a decision comes before closing); a supervisor may reassign or
        countersign; a closed call is to be reviewed."""
        d = self.detail
        if d is None:
            return ["back"]
        if d.risk is not None:  # the protocol first, whatever else the call needs
            steps = [action for action in RISK_STEPS if self.allowed(action)]
            rest = [key for key in self.keys_without_risk() if key != "back"]
            return ["back", *steps, *rest, *(["lift_risk"] if self.allowed("lift_risk") else [])]
        acknowledge = ["acknowledge_risk"] if d.alerts_standing and self.allowed("acknowledge_risk") else []
        keys = self.keys_without_risk()
        return keys[:1] + acknowledge + keys[1:] + (["mark_risk"] if self.allowed("mark_risk") else [])

    def keys_without_risk(self) -> list[str]:
        d, staff = self.shown, self.app.staff
        follow_ups = [
            action for action in ("follow_up_done", "follow_up", "callback", "link", "history") if self.allowed(action)
        ]
        if d.status == ConcernStatus.CLOSED:
            done, others = follow_ups[:1] if "follow_up_done" in follow_ups else [], follow_ups
            return ["back", *done] + (["review"] if may(staff.role, Permission.REVIEW) else []) + others[len(done) :]
        keys = ["back"]
        if d.status == ConcernStatus.WAITING and may(staff.role, Permission.CLAIM):
            keys.append("claim")
        handling = ["advice", "contact", "pause", "informed", "close_call", "signposting", "link_inspection"]
        if d.latest_decision and missing_informed(
            d.latest_decision.decision, d.latest_decision.informed, self.app.policy
        ):
            handling.insert(0, handling.pop(3))  # told first: the call cannot close before
        if self.handling_refusal("work on the call") is None:  # (the rule is one for every record)
            keys += [action for action in handling if self.allowed(action)]
        state = CallState(d.status, d.claimed_by, d.claimed_by_name)
        if call_rules.release_refusal(state, staff.login, staff.role) is None:
            keys.append("release")
        return keys + [action for action in ("reassign", "countersign") if self.allowed(action)] + follow_ups

    def handling_refusal(self, doing: str) -> str | None:
        """Why this person cannot record `doing` on the call now (the store checks it again)."""
        d, staff = self.shown, self.app.staff
        return call_rules.handling_refusal(
            CallState(d.status, d.claimed_by, d.claimed_by_name), staff.login, staff.role, doing
        )

    # --- actions ----------------------------------------------------------------------------

    def action_back(self) -> None:
        self.app.pop_screen()

    def run_command(self, command: Callable[[], object], success: str | None = None) -> None:
        """Run a change to the call (in a thread); what happened comes back as Done."""
        self.show_refusal(None)
        self.run_in_thread(command, success)

    @work(thread=True, group="call-action")
    def run_in_thread(self, command: Callable[[], object], success: str | None) -> None:
        try:
            command()
        except Refused as refused:
            self.post_message(self.Done(str(refused)))
        except DatabaseUnavailable as error:  # a database fault: nothing was saved, say so
            self.post_message(self.Done(f"Not saved — {unavailable(error)}. Try again."))
        else:
            self.post_message(self.Done(None, success))

    def on_call_screen_done(self, message: Done) -> None:
        self.show_refusal(message.refusal)
        if message.refusal:
            self.notify(message.refusal, severity="error", title="Refused")
        elif message.success:
            self.notify(message.success)
        self.load()

    def action_mark_risk(self) -> None:
        if not self.refused_key("mark_risk"):
            self.open_form(MarkRiskForm(self.shown))

    def action_risk_contact(self) -> None:
        if not self.refused_key("risk_contact"):
            self.open_form(RiskContactForm(self.shown))

    def action_risk_safety(self) -> None:
        if not self.refused_key("risk_safety"):
            self.open_form(RiskSafetyForm(self.shown))

    def action_lift_risk(self) -> None:
        if not self.refused_key("lift_risk"):
            self.open_form(LiftRiskForm(self.shown))

    def action_acknowledge_risk(self) -> None:
        """One key: the alert stops ringing on every supervisor's console."""
        if self.refused_key("acknowledge_risk"):
            return
        if self.shown.risk is None:  # an escalation's e-mail alerts
            self.run_command(
                lambda: self.app.desk.acknowledge_alerts(self.concern_id),
                success="Acknowledged: the call's e-mail alerts stop",
            )
            return
        self.run_command(
            lambda: self.app.desk.acknowledge_risk(self.concern_id),
            success="Acknowledged: the immediate risk alert stops for every supervisor",
        )

    def action_claim(self) -> None:
        if self.refused_key("claim"):
            return
        self.run_command(lambda: self.app.desk.claim(self.concern_id), success="Claimed: the call is yours")

    def action_signposting(self) -> None:
        self.open_form(SignpostingForm(self.shown), "record signposting")

    def action_countersign(self) -> None:
        if self.refused_key("countersign"):
            return
        self.open_form(CountersignForm(self.shown))

    def open_form(self, form, doing: str | None = None, refusal: str | None = None) -> None:
        """Open a form, unless the rules already say this person cannot do it now."""
        refusal = refusal or (self.handling_refusal(doing) if doing else None)
        self.show_refusal(refusal)
        if refusal:
            self.notify(refusal, severity="error", title="Refused")
            return
        self.app.push_screen(form, lambda saved: self.load() if saved else None)

    def action_advice(self) -> None:
        self.open_form(AdviceForm(self.shown), "add advice")

    def action_contact(self) -> None:
        self.open_form(ContactForm(self.shown), "log a contact")

    def action_pause(self) -> None:
        self.open_form(PauseForm(self.shown), "record a pause decision")

    def action_informed(self) -> None:
        if self.refused_key("informed"):
            return
        self.open_form(NotificationForm(self.shown), "record who was informed")

    def action_close_call(self) -> None:
        self.open_form(CloseForm(self.shown), "close the call")

    def action_callback(self) -> None:
        self.open_follow_up_form(CallbackForm)

    def action_follow_up(self) -> None:
        self.open_follow_up_form(FollowUpForm)

    @work(thread=True, group="call-action")
    def open_follow_up_form(self, form) -> None:
        try:
            owners = self.app.desk.follow_up_owners()
        except DatabaseUnavailable as error:
            self.post_message(self.Done(f"Cannot list who could own it — {unavailable(error)}. Try again."))
            return
        except Refused as refused:
            self.post_message(self.Done(str(refused)))
            return
        self.app.call_from_thread(self.open_form, form(self.shown, owners))

    def action_follow_up_done(self) -> None:
        if self.refused_key("follow_up_done"):
            return
        mine = self.my_follow_ups()
        if not mine:
            self.show_refusal("No open follow-up on this call is yours to complete")
            return
        self.show_refusal(None)
        self.app.push_screen(FollowUpDoneForm(self.shown, mine), self.follow_up_done)

    def follow_up_done(self, outcome: object) -> None:
        """After a resumption check found support NOT in place: a new pause decision, where the
        call allows one now; otherwise what to do instead."""
        if not outcome:
            return
        self.load()
        if outcome != ResumptionOutcome.SUPPORT_NOT_IN_PLACE:
            self.notify("Follow-up done")
            return
        if refusal := self.handling_refusal("record a new pause decision"):
            self.notify(
                f"Support is NOT in place. {refusal}"
                + (": log a new call about this inspection" if self.shown.status == ConcernStatus.CLOSED else ""),
                severity="warning",
                title="Resumption check",
                timeout=20,
            )
            return
        self.notify("Support is NOT in place: record a new pause decision", severity="warning")
        self.open_form(PauseForm(self.shown), "record a pause decision")

    def action_link(self) -> None:
        self.open_form(LinkForm(self.shown))

    def action_history(self) -> None:
        navigation.show(self.app, "school history", self.shown.school.urn)

    def action_release(self) -> None:
        if self.refused_key("release"):
            return
        self.open_form(ReleaseForm(self.shown))

    def action_review(self) -> None:
        if not self.refused_key("review"):
            self.review_in_thread()

    @work(thread=True, group="call-action")
    def review_in_thread(self) -> None:
        try:
            refusal = self.app.desk.review_refusal(self.concern_id)
        except DatabaseUnavailable as error:
            self.post_message(self.Done(f"Cannot check who may review — {unavailable(error)}. Try again."))
            return
        except Refused as refused:  # the account itself (deactivated since the console opened)
            self.post_message(self.Done(str(refused)))
            return
        self.app.call_from_thread(self.open_form, ReviewForm(self.shown), refusal=refusal)

    def action_link_inspection(self) -> None:
        if not self.refused_key("link_inspection"):
            self.link_inspection_in_thread()

    @work(thread=True, group="call-action")
    def link_inspection_in_thread(self) -> None:
        if refusal := self.handling_refusal("link the inspection"):
            self.app.call_from_thread(self.open_form, None, refusal=refusal)
            return
        try:
            inspections = self.app.desk.school_inspections(self.shown.school.urn)
        except DatabaseUnavailable as error:
            self.post_message(self.Done(f"Cannot list the school's inspections — {unavailable(error)}. Try again."))
            return
        except Refused as refused:
            self.post_message(self.Done(str(refused)))
            return
        self.app.call_from_thread(self.open_form, InspectionForm(self.shown, inspections))

    def action_reassign(self) -> None:
        if not self.refused_key("reassign"):
            self.reassign_in_thread()

    @work(thread=True, group="call-action")
    def reassign_in_thread(self) -> None:
        try:
            seniors = self.app.desk.claiming_staff()
        except DatabaseUnavailable as error:
            self.post_message(self.Done(f"Cannot list who could take the call — {unavailable(error)}. Try again."))
            return
        except Refused as refused:
            self.post_message(self.Done(str(refused)))
            return
        self.app.call_from_thread(self.open_form, ReassignForm(self.shown, seniors))
