import datetime as dt

import pytest

from helpdesk.domain.call import (
    CallState,
    CloseFacts,
    close_refusals,
    handling_refusal,
    reassign_refusal,
    release_refusal,
)
from helpdesk.domain.independence import Ties, independence_refusal
from helpdesk.domain.pause import PauseDecisionInput, countersign_refusal, pause_decision_errors, plan_pause
from helpdesk.domain.policy import Policy


@pytest.mark.parametrize(
    ("role", "ties", "reason"),
    [
        ("senior", Ties(), None),
        ("supervisor", Ties(), None),
        ("handler", Ties(), "only seniors and supervisors"),
        ("admin", Ties(), "only seniors and supervisors"),
        ("senior", Ties(inspection_part="lead"), "You are the lead inspector for this inspection"),
        ("senior", Ties(inspection_part="team"), "You are on the inspection team for this inspection"),
        ("supervisor", Ties(inspection_part="team"), "You are on the inspection team"),
        ("senior", Ties(conflict_with_school=True), "You have declared a conflict of interest with this school"),
        (
            "senior",
            Ties(conflict_with_body="Pennine Learning Trust"),
            "conflict of interest with Pennine Learning Trust, this school's responsible body",
        ),
    ],
)
def test_independence(role, ties, reason):
    refusal = independence_refusal(role, ties)
    if reason is None:
        assert refusal is None
    else:
        assert reason in refusal


def test_independence_names_someone_else_for_a_reassignment():
    assert (
        independence_refusal("senior", Ties(inspection_part="team"), name="Chidi Obi")
        == "Chidi Obi is on the inspection team for this inspection"
    )


WAITING = CallState("waiting", None)
HELD = CallState("claimed", "akhan", "Aisha Khan")
CLOSED = CallState("closed", "akhan", "Aisha Khan")


@pytest.mark.parametrize(
    ("state", "login", "role", "reason"),
    [
        (HELD, "akhan", "senior", None),
        (HELD, "lpark", "supervisor", None),
        (HELD, "bmorgan", "senior", "Only Aisha Khan or a supervisor can release"),
        (WAITING, "akhan", "senior", "the call is waiting"),
        (CLOSED, "akhan", "senior", "the call is closed"),
    ],
)
def test_release(state, login, role, reason):
    refusal = release_refusal(state, login, role)
    assert refusal is None if reason is None else reason in refusal


@pytest.mark.parametrize(
    ("state", "role", "new", "reason"),
    [
        (HELD, "supervisor", "bmorgan", None),
        (HELD, "senior", "bmorgan", "Only a supervisor can reassign"),
        (HELD, "supervisor", "akhan", "already held by that person"),
        (WAITING, "supervisor", "bmorgan", "the call is waiting"),
        (CLOSED, "supervisor", "bmorgan", "the call is closed"),
    ],
)
def test_reassign(state, role, new, reason):
    refusal = reassign_refusal(state, role, new)
    assert refusal is None if reason is None else reason in refusal


@pytest.mark.parametrize(
    ("state", "login", "role", "reason"),
    [
        (HELD, "akhan", "senior", None),
        (HELD, "lpark", "supervisor", None),
        (HELD, "bmorgan", "senior", "Only Aisha Khan (who holds the call) or a supervisor"),
        (WAITING, "akhan", "senior", "Claim the call before you add advice"),
        (CLOSED, "akhan", "senior", "Cannot add advice: the call is closed"),
    ],
)
def test_who_may_record_on_a_call(state, login, role, reason):
    refusal = handling_refusal(state, login, role, "add advice")
    assert refusal is None if reason is None else reason in refusal


ALL_TOLD = frozenset({"lead_inspector", "school", "responsible_body"})


def facts(**changes):
    base = dict(
        outcome="Pause authorised; trust CEO on site.",
        advice_notes=1,
        category="pause_request",
        decision_in_force="authorised",
        awaiting_countersignature=False,
        informed_of_decision=ALL_TOLD,
        signposting_recorded=True,
    )
    return CloseFacts(**{**base, **changes})


@pytest.mark.parametrize(
    ("changes", "topics"),
    [
        ({}, set()),
        ({"outcome": "  "}, {"outcome"}),
        ({"advice_notes": 0}, {"advice"}),
        ({"decision_in_force": None, "informed_of_decision": frozenset()}, {"decision"}),
        ({"decision_in_force": None, "category": "inspection_process", "signposting_recorded": False}, set()),
        ({"awaiting_countersignature": True}, {"countersignature"}),
        ({"outcome": "", "advice_notes": 0, "decision_in_force": None}, {"outcome", "advice", "decision"}),
        # an authorised pause: the lead inspector, the school and the responsible body are told
        ({"informed_of_decision": frozenset({"lead_inspector", "school"})}, {"informed"}),
        ({"informed_of_decision": frozenset()}, {"informed"}),
        # even when it was exceptional and has been countersigned
        ({"informed_of_decision": frozenset()}, {"informed"}),
        # a declined pause: the lead inspector and the caller
        ({"decision_in_force": "declined", "informed_of_decision": frozenset({"lead_inspector", "caller"})}, set()),
        ({"decision_in_force": "declined", "informed_of_decision": ALL_TOLD}, {"informed"}),
        # signposting on well-being and pause calls, offered or a reason why not
        ({"signposting_recorded": False}, {"signposting"}),
        ({"signposting_recorded": False, "category": "wellbeing", "decision_in_force": None}, {"signposting"}),
        ({"signposting_recorded": False, "category": "inspector_conduct", "decision_in_force": None}, set()),
        # a decision on a call that was not a pause request still needs its parties told
        ({"category": "wellbeing", "informed_of_decision": frozenset({"school"})}, {"informed"}),
        # everything missing at once is reported at once
        (
            {
                "outcome": "",
                "advice_notes": 0,
                "awaiting_countersignature": True,
                "informed_of_decision": frozenset(),
                "signposting_recorded": False,
            },
            {"outcome", "advice", "countersignature", "informed", "signposting"},
        ),
    ],
)
def test_close_requirements(changes, topics):
    assert set(close_refusals(facts(**changes), Policy())) == topics


def test_close_refusal_words():
    assert close_refusals(facts(advice_notes=0), Policy())["advice"] == "Cannot close: no advice recorded yet"
    missing = close_refusals(facts(informed_of_decision=frozenset({"school"})), Policy())["informed"]
    assert (
        missing
        == "Cannot close: not yet recorded as informed of the authorised pause: lead inspector, responsible body"
    )


def test_who_must_be_informed_is_policy():
    policy = Policy(informed_of_authorised=("responsible_body",))
    assert close_refusals(facts(informed_of_decision=frozenset({"responsible_body"})), policy) == {}


WEDNESDAY = dt.date(2026, 11, 18)


@pytest.mark.parametrize(
    ("start", "days", "remit", "resumes", "exceptional"),
    [
        (WEDNESDAY, 1, "schools", dt.date(2026, 11, 19), False),
        (dt.date(2026, 11, 20), 1, "schools", dt.date(2026, 11, 23), False),
        (WEDNESDAY, 5, "schools", dt.date(2026, 11, 25), False),
        (WEDNESDAY, 6, "schools", dt.date(2026, 11, 26), True),
        (WEDNESDAY, 6, "early_years", dt.date(2026, 11, 26), True),
        (WEDNESDAY, 15, "la_childrens_services", dt.date(2026, 12, 9), False),
        (WEDNESDAY, 16, "la_childrens_services", dt.date(2026, 12, 10), True),
        (dt.date(2025, 4, 17), 1, "schools", dt.date(2025, 4, 22), False),  # Easter
        (dt.date(2026, 12, 23), 2, "schools", dt.date(2026, 12, 29), False),  # Christmas, substitute Boxing Day
        (dt.date(2026, 12, 31), 1, "schools", dt.date(2027, 1, 4), False),  # New Year
    ],
)
def test_pause_plans(start, days, remit, resumes, exceptional):
    plan = plan_pause(start, days, remit, Policy())
    assert (plan.resumes_on, plan.exceptional) == (resumes, exceptional)


def entry(**changes):
    base = dict(
        decision="authorised",
        requested_by="lead_inspector",
        grounds="wellbeing",
        rationale="Head unwell; trust sending support.",
        working_days=1,
    )
    return PauseDecisionInput(**{**base, **changes})


@pytest.mark.parametrize(
    ("changes", "contacts", "fields"),
    [
        ({}, 1, set()),
        ({}, 0, {"contact"}),  # authorising needs a contact attempt with the responsible body
        ({"decision": "declined", "working_days": None}, 0, set()),  # declining does not
        ({"rationale": ""}, 1, {"rationale"}),
        ({"decision": "declined", "rationale": " "}, 0, {"rationale"}),
        ({"working_days": 0}, 1, {"working_days"}),
        ({"working_days": 6}, 1, {"justification"}),  # exceptional without justification
        (
            {"working_days": 6, "justification": "Head hospitalised; trust needs a week to install an interim."},
            1,
            set(),
        ),
        ({"decision": "maybe"}, 1, {"decision"}),
        ({"requested_by": "parent"}, 1, {"requested_by"}),
        ({"grounds": "weather"}, 1, {"grounds"}),
    ],
)
def test_pause_decision_requirements(changes, contacts, fields):
    e = entry(**changes)
    plan = (
        plan_pause(WEDNESDAY, e.working_days, "schools", Policy())
        if e.working_days and e.decision == "authorised"
        else None
    )
    assert set(pause_decision_errors(e, plan, contacts)) == fields


@pytest.mark.parametrize(
    ("role", "login", "exceptional", "signed", "reason"),
    [
        ("supervisor", "lpark", True, None, None),
        ("supervisor", "akhan", True, None, "a second supervisor must countersign"),  # self-countersign
        ("senior", "bmorgan", True, None, "Only a supervisor can countersign"),
        ("supervisor", "lpark", False, None, "Only an exceptional pause needs"),
        ("supervisor", "lpark", True, "countersigned by Mark Okafor", "Already countersigned by Mark Okafor"),
        ("supervisor", "lpark", True, "refused by Mark Okafor", "Already refused by Mark Okafor"),
    ],
)
def test_countersign(role, login, exceptional, signed, reason):
    refusal = countersign_refusal(role, login, "akhan", exceptional, signed)
    assert refusal is None if reason is None else reason in refusal


def test_a_rationale_or_justification_longer_than_its_limit_is_refused():
    from helpdesk.domain import limits

    entry = PauseDecisionInput(
        decision="declined",
        requested_by="headteacher",
        grounds="wellbeing",
        rationale="x" * (limits.RATIONALE + 1),
        justification="y" * (limits.JUSTIFICATION + 1),
    )
    assert set(pause_decision_errors(entry, None, 1)) == {"rationale", "justification"}


@pytest.mark.parametrize(
    ("pause_starts", "refused"),
    [
        ("2026-11-16", "has not started"),
        ("2026-11-17", None),
        ("2026-11-18", None),
        ("2026-11-19", "has ended"),
    ],
)
def test_a_pause_starts_within_its_inspections_dates(pause_starts, refused):
    from helpdesk.domain.inspection import pause_date_refusal

    found = pause_date_refusal(dt.date(2026, 11, 17), dt.date(2026, 11, 18), dt.date.fromisoformat(pause_starts))
    assert (found is None) if refused is None else (refused in found and "17 Nov 2026" in found)


def test_the_remits_read_as_words():
    from helpdesk.domain.types import Remit

    assert [remit.label for remit in Remit] == [
        "Schools",
        "Early years",
        "Further education",
        "Local authority children's services",  # not "La childrens services"
    ]


@pytest.mark.parametrize(
    ("said", "number"), [("4512", 4512), (" 4512 ", 4512), ("#4512", 4512), ("call 4512", 4512), ("Call #12", 12)]
)
def test_a_call_number_is_read_as_a_caller_quotes_it(said, number):
    from helpdesk.domain.call import call_number

    assert call_number(said) == number


@pytest.mark.parametrize("said", ["", "  ", "45 12", "4512a", "0", "call", "-3", "4512\n"[:-1] + "\x00"])
def test_anything_else_is_not_a_call_number_and_says_what_is(said):
    from helpdesk.domain.call import CallNumberInvalid, call_number

    with pytest.raises(CallNumberInvalid, match="number the caller quotes, e.g. 4512"):
        call_number(said)
