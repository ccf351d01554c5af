"""Who may do what: one table, decided in one place."""

import pytest

from helpdesk.domain.call import CallState, handling_refusal, reassign_refusal, release_refusal
from helpdesk.domain.independence import Ties, independence_refusal
from helpdesk.domain.pause import countersign_refusal
from helpdesk.domain.permissions import Permission as P
from helpdesk.domain.permissions import closed_call_refusal, may, permission_refusal
from helpdesk.domain.review import review_refusal

EVERYONE = {P.LOG_CONCERN, P.OPEN_CALLS}
TABLE = {
    "handler": EVERYONE,
    "senior": EVERYONE | {P.CLAIM, P.FOLLOW_UP},
    "supervisor": EVERYONE
    | {
        P.CLAIM,
        P.FOLLOW_UP,
        P.HANDLE_ANY_CALL,
        P.REASSIGN,
        P.RECEIVE_ESCALATIONS,
        P.ACKNOWLEDGE_RISK,
        P.MANAGE_ROTA,
        P.COUNTERSIGN,
        P.REVIEW,
        P.READ_CLOSED_CALLS,
        P.SEE_FIGURES,
        P.SEE_PAUSE_REGISTER,
        P.EXPORT,
        P.VERIFY_AUDIT,
    },
    "admin": EVERYONE
    | {
        P.READ_CLOSED_CALLS,
        P.EXPORT,
        P.VERIFY_AUDIT,
        P.IMPORT,
        P.PURGE,
        P.MANAGE_STAFF,
        P.BACK_UP,
        P.RESTORE,
        P.SEND_ALERTS,
        P.LOAD_POLICY,
    },
    "": set(),
    "superuser": set(),  # an unknown role (a forged row) may nothing
}


@pytest.mark.parametrize("role", TABLE)
@pytest.mark.parametrize("permission", list(P))
def test_each_role_may_exactly_what_the_table_grants(role, permission):
    assert may(role, permission) is (permission in TABLE[role])
    assert (permission_refusal(role, permission) is None) is (permission in TABLE[role])


@pytest.mark.parametrize(
    ("role", "permission", "sentence"),
    [
        ("senior", P.EXPORT, "Only a supervisor or an admin can export"),
        ("supervisor", P.MANAGE_STAFF, "Only an admin can manage staff accounts"),
        ("handler", P.CLAIM, "Only a senior or a supervisor can take calls"),
        ("senior", P.SEE_FIGURES, "Only a supervisor can see the statistics"),
    ],
)
def test_a_refusal_names_who_may(role, permission, sentence):
    assert permission_refusal(role, permission) == sentence


def test_the_rules_of_each_topic_ask_the_same_table():
    claimed = CallState("claimed", "akhan", "Aisha Khan")
    assert reassign_refusal(claimed, "admin", "bmorgan") == "Only a supervisor can reassign a call"
    assert release_refusal(claimed, "gsingh", "admin") is not None  # an admin is not a supervisor
    assert release_refusal(claimed, "lpark", "supervisor") is None
    assert handling_refusal(claimed, "wcole", "admin", "add advice") is not None
    assert independence_refusal("admin", Ties()) is not None
    assert countersign_refusal("admin", "wcole", "lpark", True, None) == (
        "Only a supervisor can countersign an exceptional pause"
    )
    assert review_refusal("admin", "closed") == "Only a supervisor can review a call"


@pytest.mark.parametrize(
    ("role", "status", "held_it", "allowed"),
    [
        ("senior", "claimed", False, True),
        ("handler", "waiting", False, True),
        ("senior", "closed", True, True),  # their own call, which their feedback is about
        ("senior", "closed", False, False),
        ("handler", "closed", False, False),
        ("supervisor", "closed", False, True),
        ("admin", "closed", False, True),
    ],
)
def test_who_may_open_a_closed_call(role, status, held_it, allowed):
    assert (closed_call_refusal(role, status, held_it) is None) is allowed
