"""Independence, the heart of the service: who may take a call about an inspection."""

from __future__ import annotations

from dataclasses import dataclass

from helpdesk.domain.permissions import Permission, may, roles_that_may

# the roles whose members can hold a call (seniors and supervisors)
CLAIMING_ROLES = tuple(role.value for role in roles_that_may(Permission.CLAIM))


@dataclass(frozen=True)
class Ties:
    """What links one member of staff to one concern's inspection, school and responsible body."""

    inspection_part: str | None = None  # "lead", "team" or None
    conflict_with_school: bool = False
    conflict_with_body: str | None = None  # the responsible body's name


def independence_refusal(role: str, ties: Ties, name: str | None = None) -> str | None:
    """Why this member of staff may not hold this call, or None if they may. Addressed to
    them ("You are ...") unless `name` is given ("A. Khan is ...", for a supervisor reassigning)."""
    you_are, you_have = ("You are", "You have") if name is None else (f"{name} is", f"{name} has")
    if not may(role, Permission.CLAIM):
        subject = "You" if name is None else name
        return f"{subject} cannot take calls: only seniors and supervisors can (role: {role})"
    if ties.inspection_part == "lead":
        return f"{you_are} the lead inspector for this inspection"
    if ties.inspection_part == "team":
        return f"{you_are} on the inspection team for this inspection"
    if ties.conflict_with_school:
        return f"{you_have} declared a conflict of interest with this school"
    if ties.conflict_with_body:
        return (
            f"{you_have} declared a conflict of interest with {ties.conflict_with_body}, this school's responsible body"
        )
    return None


def barrier_refusal(ties: Ties) -> str | None:
    """Why the information barrier keeps a call from this member of staff, whatever their role:
    a concern about an inspection must never reach its lead, its team, or anyone with a declared
    conflict with the school or its responsible body."""
    if ties.inspection_part == "lead":
        why = "you are the lead inspector for its inspection"
    elif ties.inspection_part == "team":
        why = "you are on the team of its inspection"
    elif ties.conflict_with_school:
        why = "you have declared a conflict of interest with its school"
    elif ties.conflict_with_body:
        why = f"you have declared a conflict of interest with {ties.conflict_with_body}, its school's responsible body"
    else:
        return None
    return f"Restricted: {why}, so this call is kept from you (your attempt is recorded)"
