"""Commands: every change to the record, one function each, grouped by topic. Each is one
transaction that loads what the rule needs, asks `helpdesk.domain` whether the change is allowed,
makes it, and writes exactly one audit event (`db.audit.record_event`). The console, the command
line and any other client go through these (the console through `store.desk`), so every one of
them obeys the same rules. Queries never import this package."""

from __future__ import annotations

from helpdesk.store.commands.alerts import acknowledge_alerts
from helpdesk.store.commands.escalations import escalate
from helpdesk.store.commands.exports import check_may_export, record_export
from helpdesk.store.commands.follow_ups import (
    add_resumption_check,
    add_review_follow_up,
    complete_follow_up,
    hand_on_follow_ups,
    set_follow_up,
)
from helpdesk.store.commands.intake import log_concern
from helpdesk.store.commands.links import link_calls, link_inspection
from helpdesk.store.commands.pause import countersign, pause_context, record_notification, record_pause_decision
from helpdesk.store.commands.purging import plan_purge, purge
from helpdesk.store.commands.record import add_advice, close, log_contact, record_signposting, record_view
from helpdesk.store.commands.reviewing import (
    HANDLING_EVENTS,
    mark_feedback_read,
    part_played,
    review,
    review_refusal_for,
)
from helpdesk.store.commands.risk import acknowledge_risk, lift_risk, mark_risk, record_risk_contact, record_risk_safety
from helpdesk.store.commands.taking import ClaimRefused, claim, claim_check, reassign, release

__all__ = [
    "ClaimRefused",
    "HANDLING_EVENTS",
    "acknowledge_alerts",
    "acknowledge_risk",
    "add_advice",
    "add_resumption_check",
    "add_review_follow_up",
    "check_may_export",
    "claim",
    "claim_check",
    "close",
    "complete_follow_up",
    "countersign",
    "escalate",
    "hand_on_follow_ups",
    "link_calls",
    "lift_risk",
    "link_inspection",
    "log_concern",
    "log_contact",
    "mark_risk",
    "mark_feedback_read",
    "part_played",
    "pause_context",
    "plan_purge",
    "purge",
    "reassign",
    "record_export",
    "record_notification",
    "record_pause_decision",
    "record_risk_contact",
    "record_risk_safety",
    "record_signposting",
    "record_view",
    "release",
    "review",
    "review_refusal_for",
    "set_follow_up",
]
