"""The pause decision: length in working days, resume date, exceptional pauses, what each needs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from helpdesk.domain import limits
from helpdesk.domain.inspection import pause_date_refusal
from helpdesk.domain.permissions import Permission, permission_refusal
from helpdesk.domain.policy import Policy
from helpdesk.domain.types import Labelled
from helpdesk.domain.working_days import is_working_day, resume_date


class Decision(Labelled):
    AUTHORISED = "authorised"
    DECLINED = "declined"


class RequestedBy(Labelled):
    LEAD_INSPECTOR = "lead_inspector"
    HEADTEACHER = "headteacher"
    RESPONSIBLE_BODY = "responsible_body"


class Grounds(Labelled):
    WELLBEING = "wellbeing"
    INCIDENT = "incident"
    OTHER = "other"

    @property
    def label(self) -> str:
        return {
            "wellbeing": "Leader well-being",
            "incident": "Incident preventing evidence gathering",
            "other": "Other",
        }[self.value]


@dataclass(frozen=True)
class PausePlan:
    working_days: int
    starts_on: dt.date
    resumes_on: dt.date
    max_days: int
    exceptional: bool
    already_paused: int = 0  # working days other standing pauses hold on the same inspection
    inspection_days: int = 0  # the inspection's paused working days with this pause (overlaps once)


def paused_working_days(starts_on: dt.date, resumes_on: dt.date) -> frozenset[dt.date]:
    """The working days a pause takes from its inspection: from the day it starts to the day
    before it resumes."""
    days, day = set(), starts_on
    while day < resumes_on:
        if is_working_day(day):
            days.add(day)
        day += dt.timedelta(days=1)
    return frozenset(days)


def days_paused(pauses: Iterable[tuple[dt.date, dt.date]]) -> frozenset[dt.date]:
    """Every working day the pauses take from an inspection, a day two pauses share counted once."""
    found: set[dt.date] = set()
    for starts_on, resumes_on in pauses:
        found |= paused_working_days(starts_on, resumes_on)
    return frozenset(found)


def plan_pause(
    starts_on: dt.date,
    working_days: int,
    remit: str,
    policy: Policy,
    already: frozenset[dt.date] = frozenset(),
) -> PausePlan:
    """Resume on the N-th working day after the pause starts. The remit's limit holds for the
    inspection, not the call: `already` are the working days other standing pauses of the same
    inspection hold (from any of its calls), and a pause that takes the inspection past the
    limit, counting a shared day once, is exceptional whoever asks for it."""
    max_days = remit_limit(remit, policy)
    resumes_on = resume_date(starts_on, working_days)
    total = len(already | paused_working_days(starts_on, resumes_on))
    return PausePlan(
        working_days=working_days,
        starts_on=starts_on,
        resumes_on=resumes_on,
        max_days=max_days,
        exceptional=working_days > max_days or total > max_days,
        already_paused=len(already),
        inspection_days=total,
    )


@dataclass(frozen=True)
class PauseDecisionInput:
    decision: str
    requested_by: str
    grounds: str
    rationale: str
    working_days: int | None = None
    justification: str = ""


def pause_decision_errors(
    entry: PauseDecisionInput,
    plan: PausePlan | None,
    responsible_body_contacts: int,
    inspection_on_record: bool = True,
    inspection_dates: tuple[dt.date, dt.date] | None = None,
) -> dict[str, str]:
    """Every reason the decision cannot be recorded, by field. `inspection_dates`: the first and
    last day of the call's inspection, which an authorised pause must start within."""
    errors: dict[str, str] = {}
    if entry.decision not in Decision.values():
        errors["decision"] = "Choose authorise or decline"
    if entry.requested_by not in RequestedBy.values():
        errors["requested_by"] = "Say who requested the pause"
    if entry.grounds not in Grounds.values():
        errors["grounds"] = "Choose the grounds"
    if not entry.rationale.strip():
        errors["rationale"] = "A rationale is required, whether authorised or declined"
    elif len(entry.rationale) > limits.RATIONALE:
        errors["rationale"] = (
            f"The rationale is too long ({len(entry.rationale)} characters, at most {limits.RATIONALE})"
        )
    if len(entry.justification) > limits.JUSTIFICATION:
        errors["justification"] = (
            f"The justification is too long ({len(entry.justification)} characters, at most {limits.JUSTIFICATION})"
        )
    if entry.decision == Decision.AUTHORISED.value:
        if entry.working_days is None or entry.working_days < 1:
            errors["working_days"] = "A pause lasts at least one working day"
        elif plan is not None and plan.exceptional and not entry.justification.strip():
            errors["justification"] = (
                f"Longer than {plan.max_days} working days is exceptional: write the justification"
                if plan.working_days > plan.max_days
                else f"{plan.already_paused} working days are already paused on this inspection: with this pause "
                f"it is paused for {plan.inspection_days} of at most {plan.max_days}, which is exceptional: "
                "write the justification"
            )
        if not inspection_on_record:
            errors["inspection"] = (
                "No inspection is on record for this call: link the inspection (key i) before authorising a pause"
            )
        elif plan is not None and inspection_dates is not None:
            if refusal := pause_date_refusal(*inspection_dates, plan.starts_on):
                errors["inspection"] = refusal
        if responsible_body_contacts == 0:
            errors["contact"] = "Log at least one attempt to contact the responsible body before authorising a pause"
    return errors


class Ruling(Labelled):
    """A supervisor's ruling on an exceptional pause: it comes into force only when countersigned."""

    COUNTERSIGN = "countersign"
    REFUSE = "refuse"

    @property
    def label(self) -> str:
        return {
            "countersign": "Countersign: the pause comes into force",
            "refuse": "Refuse: it never comes into force",
        }[self.value]


def countersign_refusal(role: str, login: str, decided_by: str, exceptional: bool, ruled: str | None) -> str | None:
    """Why this person may not rule on (countersign or refuse) the decision; `ruled` says how it
    was ruled on already ("countersigned by Mary Okafor"), if it was. Their reasons are checked apart."""
    if not exceptional:
        return "Only an exceptional pause needs a countersignature"
    if ruled:
        return f"Already {ruled}"
    if refusal := permission_refusal(role, Permission.COUNTERSIGN):
        return refusal
    if login == decided_by:
        return "You made this decision: a second supervisor must countersign or refuse it"
    return None


def awaits_countersignature(exceptional: bool, countersigned: bool, refused: bool) -> bool:
    """An exceptional pause is not in force until a supervisor countersigns it."""
    return exceptional and not countersigned and not refused


def settled(exceptional: bool, countersigned: bool, refused: bool) -> bool:
    """A decision that is, or was, in force: not refused, and countersigned if exceptional (the
    store's SQL says the same in store.queries.decisions.settled)."""
    return not refused and (not exceptional or countersigned)


def awaiting_refusal(concern_id: int) -> str:
    """Why nothing else about the pause may be recorded while its exceptional decision awaits a ruling."""
    return (
        f"Call {concern_id}'s exceptional pause awaits a supervisor's countersignature: until it is "
        "countersigned or refused, no other decision is recorded and nobody is told it is authorised"
    )


class PauseState(Labelled):
    """Where a decision stands in the pause register."""

    IN_FORCE = "in_force"  # authorised, the inspection not yet resumed
    RESUMED = "resumed"  # authorised, its resume date reached
    DECLINED = "declined"  # declined, and not superseded
    SUPERSEDED = "superseded"  # a later decision on the call replaced it
    AWAITING = "awaiting"  # exceptional, not yet countersigned: not in force
    REFUSED = "refused"  # exceptional, its countersignature refused: never in force

    @property
    def label(self) -> str:
        return {
            "in_force": "In force",
            "resumed": "Resumed",
            "declined": "Declined",
            "superseded": "Superseded",
            "awaiting": "Awaiting countersignature",
            "refused": "Countersignature refused",
        }[self.value]


def pause_state(
    decision: str,
    resumes_on: dt.date | None,
    superseded: bool,
    today: dt.date,
    *,
    awaiting: bool = False,
    refused: bool = False,
) -> PauseState:
    if refused:
        return PauseState.REFUSED
    if superseded:
        return PauseState.SUPERSEDED
    if awaiting:
        return PauseState.AWAITING
    if decision != Decision.AUTHORISED:
        return PauseState.DECLINED
    return PauseState.RESUMED if resumes_on is not None and resumes_on <= today else PauseState.IN_FORCE


def remit_limit(remit: str | None, policy: Policy) -> int:
    """The most working days an inspection of this remit may be paused without being exceptional."""
    return policy.pause_max_days.get(remit or "", min(policy.pause_max_days.values(), default=1))


def past_limit(paused_days: int, remit: str | None, policy: Policy) -> bool:
    """Whether the working days an inspection has been paused for, across every authorised
    decision still standing, run past the remit's limit: such an inspection may become incomplete."""
    return paused_days > remit_limit(remit, policy)
