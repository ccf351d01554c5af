"""Supervisors' review of closed calls, and what may be purged when."""

from __future__ import annotations

import datetime as dt

from helpdesk.domain import limits
from helpdesk.domain.permissions import Permission, permission_refusal
from helpdesk.domain.types import ConcernStatus, ReviewOutcome


def review_refusal(role: str, status: str, part_played: str | None = None) -> str | None:
    """Why this person may not review the call. `part_played` is what they did on it, if anything
    ("decided its pause", "countersigned its pause", "handled it"): a review must be independent."""
    if refusal := permission_refusal(role, Permission.REVIEW):
        return refusal
    if status != ConcernStatus.CLOSED:
        return "Only a closed call can be reviewed"
    if part_played:
        return f"You {part_played}: a supervisor who did not handle, decide or countersign the call must review it"
    return None


def review_errors(outcome: str, feedback: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    if outcome not in ReviewOutcome.values():
        errors["outcome"] = "Choose the review's outcome"
    if outcome in (ReviewOutcome.NEEDS_FOLLOW_UP.value, ReviewOutcome.LEARNING_REVIEW.value) and not feedback.strip():
        errors["feedback"] = "Say why: feedback is required for follow-up or a learning review"
    if len(feedback) > limits.FEEDBACK:
        errors["feedback"] = f"Feedback is too long (at most {limits.FEEDBACK} characters)"
    return errors


def earliest_purge_date(today: dt.date, minimum_years: int) -> dt.date:
    """Calls closed before this date are past the minimum retention; later ones are kept."""
    try:
        return today.replace(year=today.year - minimum_years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - minimum_years, day=28)


def purge_refusal(closed_before: dt.date, today: dt.date, minimum_years: int, role: str) -> str | None:
    if refusal := permission_refusal(role, Permission.PURGE):
        return refusal
    limit = earliest_purge_date(today, minimum_years)
    if closed_before > limit:
        return (
            f"{closed_before:%-d %b %Y} is inside the minimum retention of {minimum_years} years: "
            f"the latest date allowed is {limit:%-d %b %Y}"
        )
    return None
