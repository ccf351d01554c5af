"""Rows: every read model the screens and the command line receive from the desk. Plain frozen
dataclasses built from selected columns (never ORM objects), and the few facts about them a
screen needs (which changes move the queue or the figures, a page's size)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from helpdesk.domain.follow_up import ResumptionOutcome
from helpdesk.domain.pause import PauseState
from helpdesk.domain.types import (
    Category,
    ConcernStatus,
    EventKind,
)


@dataclass(frozen=True)
class FollowUpRow:
    id: int
    concern_id: int
    kind: str
    what: str
    owner: str | None
    owner_name: str | None
    due_at: dt.datetime
    phone: str | None
    set_by: str
    set_at: dt.datetime
    done_by: str | None
    done_at: dt.datetime | None
    outcome: str | None
    note: str
    urn: str
    school: str

    @property
    def open(self) -> bool:
        return self.done_at is None

    @property
    def support_not_in_place(self) -> bool:
        return self.outcome == ResumptionOutcome.SUPPORT_NOT_IN_PLACE


@dataclass(frozen=True)
class OpenEscalation:
    """An escalation whose cause lasts: the call still waits, the follow-up is still open, or the
    exceptional pause still awaits countersignature."""

    id: int
    key: str
    subject: str
    concern_id: int
    follow_up_id: int | None
    raised_at: dt.datetime
    urn: str
    school: str
    what: str | None  # the follow-up's
    decision_id: int | None = None  # the exceptional pause awaiting countersignature


@dataclass(frozen=True)
class RelatedCall:
    """Another call about the same school or inspection, or linked to this one."""

    id: int
    received_at: dt.datetime
    status: str
    category: str
    urn: str
    school: str
    holder: str | None  # a name
    decision: str | None  # the decision in force
    outcome: str | None  # a closed call's, for those who may read closed calls
    link: str | None = None  # LinkKind, when a senior linked the two
    restricted: bool = False  # the information barrier keeps it from this person: no category, decision or outcome

    @property
    def what(self) -> str:
        """Its category, short, or "restricted" where the information barrier keeps it from the reader."""
        return "restricted" if self.restricted else Category(self.category).short


@dataclass(frozen=True)
class SchoolHistory:
    urn: str
    school: str
    body: str | None
    calls: list[RelatedCall]


@dataclass(frozen=True)
class StaffMember:
    login: str
    name: str
    role: str
    region: str
    active: bool


@dataclass(frozen=True)
class QueueRow:
    id: int
    received_at: dt.datetime
    urgent: bool
    status: str
    urn: str
    school: str
    category: str
    caller_role: str
    claimed_by: str | None
    claimed_by_name: str | None
    claimed_at: dt.datetime | None
    linked_to: int | None = None  # the call it is linked with that stands first in the queue
    awaiting_decision: int | None = None  # its exceptional pause awaiting countersignature
    awaiting_since: dt.datetime | None = None  # when that pause was decided
    at_risk: bool = False  # an immediate-risk marker stands on it (domain.risk)
    risk_unacknowledged: bool = False  # and no supervisor has acknowledged it yet

    @property
    def awaiting_countersignature(self) -> bool:
        return self.awaiting_decision is not None


@dataclass(frozen=True)
class QueueCounts:
    waiting: int
    urgent_waiting: int
    claimed: int
    awaiting_countersignature: int = 0
    at_risk: int = 0
    risk_unacknowledged: int = 0


@dataclass(frozen=True)
class HandedOver:
    """A call a supervisor handed to this senior, which they have not opened since."""

    concern_id: int
    by_name: str
    at: dt.datetime
    reason: str
    urn: str
    school: str


@dataclass(frozen=True)
class RefusedPause:
    """An exceptional pause this senior decided whose countersignature a supervisor refused,
    on a call still open that they have not opened since."""

    decision_id: int
    concern_id: int
    by_name: str
    at: dt.datetime
    reason: str
    urn: str
    school: str


# Audit events after which nothing a queue shows can differ: a call opened (who is viewing it
# comes from presence) or an export. Escalations show only to those who receive them. A call
# handed over stays NEW in a second session of its new holder until the next change there.
QUEUE_UNMOVED_BY = frozenset({EventKind.VIEWED, EventKind.BARRED, EventKind.EXPORTED})


def queue_counts(rows: list[QueueRow]) -> QueueCounts:
    waiting = [r for r in rows if r.status == ConcernStatus.WAITING]
    return QueueCounts(
        waiting=len(waiting),
        urgent_waiting=sum(r.urgent for r in waiting),
        claimed=sum(r.status == ConcernStatus.CLAIMED for r in rows),
        awaiting_countersignature=sum(r.awaiting_countersignature for r in rows),
        at_risk=sum(r.at_risk for r in rows),
        risk_unacknowledged=sum(r.risk_unacknowledged for r in rows),
    )


@dataclass(frozen=True)
class ConcernListing:
    id: int
    received_at: dt.datetime
    status: str
    urgent: bool
    urn: str
    school: str
    category: str
    caller_role: str
    claimed_by: str | None


@dataclass(frozen=True)
class SchoolLookup:
    urn: str
    name: str
    local_authority: str
    inspection: str | None  # "INS-… 18–19 Nov, lead A. Person" or None


@dataclass(frozen=True)
class SchoolCard:
    urn: str
    name: str
    type: str
    phase: str
    local_authority: str
    postcode: str
    phone: str | None
    head_name: str = ""  # from GIAS


@dataclass(frozen=True)
class InspectionCard:
    reference: str
    remit: str
    start_date: dt.date
    end_date: dt.date
    lead: str
    team: list[str]
    wellbeing_name: str | None = None  # the person responsible for leaders' well-being
    wellbeing_role: str | None = None
    wellbeing_phone: str | None = None  # E.164


@dataclass(frozen=True)
class BodyCard:
    name: str
    kind: str
    contact_name: str
    contact_role: str
    phone: str | None
    email: str


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    actor: str
    kind: str
    text: str


@dataclass(frozen=True)
class DecisionSummary:
    """A pause decision as the call shows it: the one in force (the call's latest settled one:
    each later one supersedes the one before), or one awaiting countersignature, or refused."""

    id: int
    decision: str
    exceptional: bool
    decided_by: str
    countersigned_by: str | None
    resumes_on: dt.date | None
    decided_at: dt.datetime | None = None
    informed: frozenset[str] = frozenset()  # parties recorded as informed of this decision
    decided_by_name: str = ""
    working_days: int | None = None
    refused_by: str | None = None  # a name
    refused_at: dt.datetime | None = None
    refusal_reason: str = ""


@dataclass(frozen=True)
class RiskStepRow:
    """A recorded step of the immediate-risk protocol (domain.risk)."""

    id: int
    kind: str  # contact, safety
    by_name: str
    at: dt.datetime
    happened_at: dt.datetime
    contact: str | None
    who: str
    reference: str
    why_not: str
    safety: str | None
    note: str


@dataclass(frozen=True)
class RiskCard:
    """The immediate-risk marker standing on a call, and its protocol so far."""

    id: int
    marked_by: str
    marked_by_name: str
    marked_at: dt.datetime
    what: str
    acknowledged_by_name: str | None
    acknowledged_at: dt.datetime | None
    steps: list[RiskStepRow] = field(default_factory=list)

    def latest(self, kind: str) -> RiskStepRow | None:
        return next((step for step in reversed(self.steps) if step.kind == kind), None)


@dataclass(frozen=True)
class CallDetail:
    id: int
    status: str
    received_at: dt.datetime
    urgent: bool
    category: str
    caller_name: str
    caller_role: str
    caller_phone: str
    summary: str
    claimed_by: str | None
    claimed_by_name: str | None
    claimed_at: dt.datetime | None
    closed_at: dt.datetime | None
    outcome: str | None
    signposting_offered_at: dt.datetime | None
    signposting_not_offered: str | None
    school: SchoolCard
    inspection: InspectionCard | None
    body: BodyCard | None
    body_contacts: int
    advice_ids: list[int]
    latest_decision: DecisionSummary | None  # the decision in force
    timeline: list[TimelineEntry] = field(default_factory=list)
    follow_ups: list[FollowUpRow] = field(default_factory=list)  # open ones first, soonest due
    related: list[RelatedCall] = field(default_factory=list)  # other calls about its school or inspection
    # the working days its inspection is paused for by the standing pauses of its other calls
    paused_elsewhere: frozenset[dt.date] = frozenset()
    awaiting_decision: DecisionSummary | None = None  # an exceptional pause not yet countersigned
    refused_decision: DecisionSummary | None = None  # the call's latest decision, if its countersignature was refused
    told: frozenset[str] = frozenset()  # what the caller is recorded as told (domain.types.Told)
    risk: RiskCard | None = None  # the immediate-risk marker standing on the call, if any
    alerts_standing: int = 0  # its alerts (by e-mail) no supervisor has acknowledged yet

    @property
    def remit(self) -> str | None:
        """The remit of the call's inspection; None while no inspection is on record."""
        return self.inspection.remit if self.inspection else None

    @property
    def open_follow_ups(self) -> list[FollowUpRow]:
        return [f for f in self.follow_ups if f.open]

    @property
    def awaiting_countersignature(self) -> bool:
        return self.awaiting_decision is not None


@dataclass(frozen=True)
class InspectionChoice:
    id: int
    label: str


PAGE = 50


@dataclass(frozen=True)
class ClosedCallFilter:
    closed_from: dt.date | None = None
    closed_to: dt.date | None = None  # inclusive
    senior: str | None = None  # login
    school: str | None = None  # a URN, or part of a school's name
    category: str | None = None
    pause: str | None = None  # "authorised", "declined" or "none"
    reviewed: bool | None = None
    search: str | None = None  # words in the summary or in any advice note


@dataclass(frozen=True)
class ClosedCallRow:
    id: int
    closed_at: dt.datetime
    urgent: bool
    urn: str
    school: str
    category: str
    senior: str | None
    senior_name: str | None
    pause: str | None  # the latest decision, if any
    review: str | None  # the latest review's outcome, if any


@dataclass(frozen=True)
class FeedbackRow:
    review_id: int
    concern_id: int
    at: dt.datetime
    reviewer: str
    outcome: str
    feedback: str
    school: str
    read: bool
    follow_up_id: int | None = None  # a review that needs follow-up gives the senior one
    follow_up_due: dt.datetime | None = None
    follow_up_done: dt.datetime | None = None


@dataclass(frozen=True)
class LearningReviewRow:
    concern_id: int
    school: str
    senior_name: str | None
    reviewer: str
    at: dt.datetime
    why: str


@dataclass(frozen=True)
class PauseEntry:
    decision_id: int
    call: int
    decided_at: dt.datetime
    urn: str
    school: str
    inspection: str | None
    remit: str | None
    requested_by: str
    grounds: str
    decision: str
    working_days: int | None
    starts_on: dt.date | None
    resumes_on: dt.date | None
    exceptional: bool
    decided_by: str  # a name
    countersigned_by: str | None  # a name
    countersigned_at: dt.datetime | None
    supersedes: int | None  # the decision it replaced
    state: str  # PauseState
    check_outcome: str | None  # its resumption check's: None while open (or for none), else the outcome
    inspection_paused_days: int  # working days authorised and standing, across the inspection's calls
    past_limit: bool
    rationale: str
    justification: str
    countersign_reason: str
    refused_by: str | None = None  # a name: the supervisor who refused to countersign it
    refused_at: dt.datetime | None = None
    refusal_reason: str = ""

    @property
    def in_force(self) -> bool:
        return self.state == PauseState.IN_FORCE


# The audit events after which the figures can differ: a call received, first claimed, handed
# to someone of another region or back to the queue, a pause decided, staff imported (regions).
FIGURE_EVENTS = frozenset(
    {
        EventKind.LOGGED,
        EventKind.CLAIMED,
        EventKind.RELEASED,
        EventKind.REASSIGNED,
        EventKind.DECISION,
        EventKind.IMPORTED,
    }
)


@dataclass(frozen=True)
class Figures:
    start: dt.date
    end: dt.date
    calls: int
    weeks: list[tuple[dt.date, int]]  # Monday of each week, calls received
    authorised: int
    declined: int
    claim_median_min: float | None
    claim_p90_min: float | None
    decision_median_min: float | None
    decision_p90_min: float | None
    urgent_calls: int
    urgent_claimed_in_target: int
    by_remit: dict[str, int]
    by_region: dict[str, int]
    by_category: dict[str, int]
    # calls marked at immediate risk in the period, and the time from each marking to a
    # supervisor's acknowledgement (those not yet acknowledged counted apart)
    risk_calls: int = 0
    risk_unacknowledged: int = 0
    risk_acknowledged_median_min: float | None = None
    risk_acknowledged_longest_min: float | None = None

    @property
    def urgent_share_in_target(self) -> float | None:
        return self.urgent_claimed_in_target / self.urgent_calls if self.urgent_calls else None


@dataclass(frozen=True)
class RiskEntry:
    """One immediate-risk marker in the register: its protocol as recorded (the latest contact
    and safety steps), its acknowledgement and any lifting."""

    risk_id: int
    call: int
    marked_at: dt.datetime
    urn: str
    school: str
    call_status: str
    marked_by: str  # a name
    what: str
    contact: str | None  # emergency_services, safeguarding, not_contacted; None: not recorded
    contacted_at: dt.datetime | None
    contact_who: str
    contact_reference: str
    contact_why_not: str
    safety: str | None  # confirmed, not_confirmed; None: not recorded
    safety_at: dt.datetime | None
    safety_note: str
    acknowledged_by: str | None  # a name
    acknowledged_at: dt.datetime | None
    minutes_to_acknowledgement: float | None
    lifted_by: str | None  # a name
    lifted_at: dt.datetime | None
    lift_reason: str


@dataclass(frozen=True)
class OnCallRow:
    """A supervisor's period on call, as the rota screen shows it."""

    id: int
    login: str
    name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    added_by: str  # a name


@dataclass(frozen=True)
class LookUpRow:
    """A call a look-up found, as its results list it."""

    id: int
    received_at: dt.datetime
    status: str
    urn: str
    school: str
    category: str
    holder: str | None  # a name
    matched: str  # what it was found by: call number, URN, caller's number, inspection, words


@dataclass(frozen=True)
class LookUpPage:
    typed: str
    rows: list[LookUpRow]
    more: bool  # older calls match too (the next page: older than the last row)


@dataclass(frozen=True)
class PurgePlan:
    closed_before: dt.date
    calls: int


# (done, total), called as a long export or import goes
Progress = Callable[[int, int], None]
