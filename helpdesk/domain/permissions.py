"""Who may do what: the one place a role's permissions are decided.

Store commands and queries, the command line and the screens' `check_action` all ask these
functions, so that no permission is decided twice. Rules that also depend on the call (only the
holder handles it, a second supervisor countersigns, a reviewer must be independent) live in the
domain module of their topic and ask `may` for the part that depends on the role."""

from __future__ import annotations

from enum import StrEnum

from helpdesk.domain.types import ConcernStatus, StaffRole


class Permission(StrEnum):
    LOG_CONCERN = "log a concern"
    OPEN_CALLS = "open a call"
    CLAIM = "take calls"
    FOLLOW_UP = "set and complete follow-ups"
    HANDLE_ANY_CALL = "act on a call someone else holds"
    REASSIGN = "reassign a call"
    RECEIVE_ESCALATIONS = "be alerted to escalations"
    ACKNOWLEDGE_RISK = "acknowledge an immediate risk"
    MANAGE_ROTA = "change the on-call rota"
    COUNTERSIGN = "countersign an exceptional pause"
    REVIEW = "review a call"
    READ_CLOSED_CALLS = "read closed calls"
    SEE_FIGURES = "see the statistics"
    SEE_PAUSE_REGISTER = "see the pause register"
    EXPORT = "export"
    VERIFY_AUDIT = "verify the audit trail"
    IMPORT = "import reference data"
    PURGE = "purge personal data"
    MANAGE_STAFF = "manage staff accounts"
    BACK_UP = "back up the database"
    RESTORE = "restore the database from a backup"
    SEND_ALERTS = "run the e-mail alert sender"
    LOAD_POLICY = "load a new version of the policy"


_SENIOR = frozenset({Permission.LOG_CONCERN, Permission.OPEN_CALLS, Permission.CLAIM, Permission.FOLLOW_UP})
_SUPERVISOR = _SENIOR | {
    Permission.HANDLE_ANY_CALL,
    Permission.REASSIGN,
    Permission.RECEIVE_ESCALATIONS,
    Permission.ACKNOWLEDGE_RISK,
    Permission.MANAGE_ROTA,
    Permission.COUNTERSIGN,
    Permission.REVIEW,
    Permission.READ_CLOSED_CALLS,
    Permission.SEE_FIGURES,
    Permission.SEE_PAUSE_REGISTER,
    Permission.EXPORT,
    Permission.VERIFY_AUDIT,
}

GRANTS: dict[StaffRole, frozenset[Permission]] = {
    StaffRole.HANDLER: frozenset({Permission.LOG_CONCERN, Permission.OPEN_CALLS}),
    StaffRole.SENIOR: _SENIOR,
    StaffRole.SUPERVISOR: _SUPERVISOR,
    StaffRole.ADMIN: frozenset(
        {
            Permission.LOG_CONCERN,
            Permission.OPEN_CALLS,
            Permission.READ_CLOSED_CALLS,
            Permission.EXPORT,
            Permission.VERIFY_AUDIT,
            Permission.IMPORT,
            Permission.PURGE,
            Permission.MANAGE_STAFF,
            Permission.BACK_UP,
            Permission.RESTORE,
            Permission.SEND_ALERTS,
            Permission.LOAD_POLICY,
        }
    ),
}


def may(role: str, permission: Permission) -> bool:
    """Whether a member of staff with this role may do this at all (an unknown role may nothing)."""
    try:
        return permission in GRANTS[StaffRole(role)]
    except ValueError:
        return False


def roles_that_may(permission: Permission) -> list[StaffRole]:
    return [role for role, granted in GRANTS.items() if permission in granted]


def permission_refusal(role: str, permission: Permission) -> str | None:
    """Why this role may not do this, in words ("Only a supervisor or an admin can export"), or None."""
    if may(role, permission):
        return None
    allowed = [f"{'an' if role.value[0] in 'aeiou' else 'a'} {role.value}" for role in roles_that_may(permission)]
    who = allowed[0] if len(allowed) == 1 else ", ".join(allowed[:-1]) + " or " + allowed[-1]
    return f"Only {who} can {permission.value}"


def account_refusal(login: str, found: bool, active: bool) -> str | None:
    """Why a login cannot act at all: it has no staff account, or an inactive one."""
    if not found:
        return f"No staff account for login {login!r}: ask a helpline admin to add you"
    if not active:
        return f"The staff account {login!r} is inactive: ask a helpline admin"
    return None


def closed_call_refusal(role: str, status: str, held_it: bool, follows_it: bool = False) -> str | None:
    """Who may open a call: any member of staff an open one; a closed one, those who may read
    closed calls, the senior who held it (whose feedback is about it) and whoever has an open
    follow-up on it to act on."""
    if status != ConcernStatus.CLOSED or held_it or follows_it:
        return None
    return permission_refusal(role, Permission.READ_CLOSED_CALLS)
