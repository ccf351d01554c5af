"""Escalation: what supervisors are alerted to. A waiting call past its time-to-claim target,
a follow-up overdue by more than the policy's minutes, and an exceptional pause awaiting a
countersignature longer than the policy's minutes. Each is escalated once, by whichever
console notices first; every supervisor's console then alerts once and counts it while it lasts."""

from __future__ import annotations

import datetime as dt

from helpdesk.domain.policy import Policy
from helpdesk.domain.queue import urgency
from helpdesk.domain.types import Labelled, Urgency


class EscalationSubject(Labelled):
    CLAIM_TARGET = "claim_target"  # a waiting call past its time-to-claim target
    FOLLOW_UP = "follow_up"  # a follow-up overdue by more than the policy allows
    COUNTERSIGNATURE = "countersignature"  # an exceptional pause awaiting countersignature too long


def escalation_key(subject: EscalationSubject, subject_id: int) -> str:
    """What makes an escalation one: a call's claim target once, a follow-up once."""
    return f"{subject.value}:{subject_id}"


def claim_escalation_due(received_at: dt.datetime, now: dt.datetime, urgent: bool, policy: Policy) -> bool:
    return urgency(received_at, now, urgent, policy) == Urgency.OVERDUE


def follow_up_escalation_due(due_at: dt.datetime, now: dt.datetime, policy: Policy) -> bool:
    return now - due_at > dt.timedelta(minutes=policy.escalate_follow_up_after_minutes)


def countersignature_escalation_due(decided_at: dt.datetime, now: dt.datetime, policy: Policy) -> bool:
    return now - decided_at > dt.timedelta(minutes=policy.escalate_countersignature_after_minutes)


def minutes_over(since: dt.datetime, now: dt.datetime) -> int:
    return max(int((now - since).total_seconds() // 60), 0)
