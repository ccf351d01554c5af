"""A call's life cycle: waiting -> claimed -> closed, release and reassignment, and who may act."""

from __future__ import annotations

import re
from dataclasses import dataclass

from helpdesk.domain.permissions import Permission, may
from helpdesk.domain.policy import Policy
from helpdesk.domain.risk import RiskFacts
from helpdesk.domain.risk import close_refusal as risk_close_refusal
from helpdesk.domain.types import ConcernStatus, Party


@dataclass(frozen=True)
class CallState:
    status: str  # waiting, claimed, closed
    holder: str | None  # login
    holder_name: str | None = None


def _may_act_for_holder(role: str) -> bool:
    return may(role, Permission.HANDLE_ANY_CALL)


def release_refusal(state: CallState, login: str, role: str) -> str | None:
    if state.status != ConcernStatus.CLAIMED:
        return f"Cannot release: the call is {state.status}"
    if state.holder != login and not _may_act_for_holder(role):
        return f"Only {state.holder_name or state.holder} or a supervisor can release this call"
    return None


def reassign_refusal(state: CallState, role: str, new_holder: str) -> str | None:
    if not _may_act_for_holder(role):
        return "Only a supervisor can reassign a call"
    if state.status != ConcernStatus.CLAIMED:
        return f"Cannot reassign: the call is {state.status}"
    if state.holder == new_holder:
        return "The call is already held by that person"
    return None


def handling_refusal(state: CallState, login: str, role: str, doing: str) -> str | None:
    """May this person record `doing` (advice, a contact, a decision...) on the call now?"""
    if not may(role, Permission.CLAIM):  # they can never hold a call, so never work on one
        return f"Only seniors and supervisors, who take calls, can {doing} (your role: {role})"
    if state.status == ConcernStatus.WAITING:
        return f"Claim the call before you {doing}"
    if state.status == ConcernStatus.CLOSED:
        return f"Cannot {doing}: the call is closed"
    if state.holder != login and not _may_act_for_holder(role):
        return f"Only {state.holder_name or state.holder} (who holds the call) or a supervisor can {doing}"
    return None


@dataclass(frozen=True)
class CloseFacts:
    """What the record holds when someone asks to close the call."""

    outcome: str
    advice_notes: int
    category: str
    decision_in_force: str | None  # authorised, declined, or None for no decision
    awaiting_countersignature: bool
    informed_of_decision: frozenset[str] = frozenset()  # parties informed of the decision in force
    signposting_recorded: bool = False  # offered, or a reason why not was recorded
    risk: RiskFacts | None = None  # the immediate-risk marker standing on the call, if any


def to_inform(decision: str, policy: Policy) -> tuple[str, ...]:
    """The parties the policy says must be told of an authorised, or a declined, pause."""
    return policy.informed_of_authorised if decision == "authorised" else policy.informed_of_declined


def missing_informed(decision: str | None, informed: frozenset[str], policy: Policy) -> list[str]:
    """The parties the policy says must be told of `decision` who are not yet recorded as told."""
    if decision is None:
        return []
    return [party for party in to_inform(decision, policy) if party not in informed]


def close_refusals(facts: CloseFacts, policy: Policy) -> dict[str, str]:
    """Every reason the call cannot be closed yet, by the field or topic it concerns."""
    reasons: dict[str, str] = {}
    if not facts.outcome.strip():
        reasons["outcome"] = "Cannot close: an outcome summary is required"
    if facts.advice_notes == 0:
        reasons["advice"] = "Cannot close: no advice recorded yet"
    if facts.category == "pause_request" and facts.decision_in_force is None:
        reasons["decision"] = "Cannot close: a pause was requested and no decision is recorded"
    if facts.awaiting_countersignature:
        reasons["countersignature"] = "Cannot close: the exceptional pause awaits a supervisor's countersignature"
    if missing := missing_informed(facts.decision_in_force, facts.informed_of_decision, policy):
        who = ", ".join(Party(party).label.lower() for party in missing)
        reasons["informed"] = (
            f"Cannot close: not yet recorded as informed of the {facts.decision_in_force} pause: {who}"
        )
    if facts.category in policy.signposting_required_for and not facts.signposting_recorded:
        reasons["signposting"] = "Cannot close: record that signposting was offered, or why it was not"
    if reason := risk_close_refusal(facts.risk):
        reasons["risk"] = reason
    return reasons


CALL_NUMBER = re.compile(r"(?i)\s*(?:call\s*)?(?:no\.?\s*|number\s*)?#?\s*(\d{1,9})\s*")


class CallNumberInvalid(ValueError):
    """Not a call number; str() says what is expected."""


def call_number(text: str) -> int:
    """The number a caller quotes, as they might say it: '4512', '#4512', 'call 4512'."""
    found = CALL_NUMBER.fullmatch(text)
    if found is None or int(found.group(1)) == 0:
        shown = text.strip()[:30]
        raise CallNumberInvalid(
            f"{shown!r} is not a call number: type the number the caller quotes, e.g. 4512"
            if shown
            else "Type the number the caller quotes, e.g. 4512"
        )
    return int(found.group(1))
