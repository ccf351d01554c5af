import datetime as dt

import pytest

from helpdesk.domain.policy import Policy, PolicyInvalid, parse_policy
from helpdesk.domain.queue import next_urgency_change, priority, urgency, waiting_label
from helpdesk.domain.types import Urgency
from helpdesk.shipped import shipped_file

NOW = dt.datetime(2026, 11, 18, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("minutes", "urgent", "expected"),
    [
        (0, True, Urgency.WITHIN),
        (2, True, Urgency.WITHIN),
        (2.5, True, Urgency.NEARING),
        (4.9, True, Urgency.NEARING),
        (5, True, Urgency.OVERDUE),
        (7, False, Urgency.WITHIN),
        (7.5, False, Urgency.NEARING),
        (15, False, Urgency.OVERDUE),
        (300, False, Urgency.OVERDUE),
    ],
)
def test_urgency_against_the_default_targets(minutes, urgent, expected):
    received = NOW - dt.timedelta(minutes=minutes)
    assert urgency(received, NOW, urgent, Policy()) is expected


def test_targets_come_from_the_policy():
    strict = Policy(claim_target_urgent_min=2, claim_target_other_min=4)
    assert urgency(NOW - dt.timedelta(minutes=3), NOW, True, strict) is Urgency.OVERDUE
    assert urgency(NOW - dt.timedelta(minutes=3), NOW, True, Policy()) is Urgency.NEARING


@pytest.mark.parametrize(
    ("minutes", "urgent", "changes_after"), [(0, True, 2.5), (3, True, 5), (1, False, 7.5), (10, False, 15)]
)
def test_when_a_waiting_concern_next_changes_band(minutes, urgent, changes_after):
    received = NOW - dt.timedelta(minutes=minutes)
    change = next_urgency_change(received, NOW, urgent, Policy())
    assert change == received + dt.timedelta(minutes=changes_after)
    assert urgency(received, change - dt.timedelta(seconds=1), urgent, Policy()) is not urgency(
        received, change, urgent, Policy()
    )


def test_an_overdue_concern_changes_band_no_more():
    assert next_urgency_change(NOW - dt.timedelta(minutes=15), NOW, False, Policy()) is None


def test_urgent_sorts_first():
    assert priority(True) < priority(False)


@pytest.mark.parametrize(
    ("seconds", "label"),
    [
        (0, "<1 min"),
        (59, "<1 min"),
        (60, "1 min"),
        (29 * 60 + 59, "29 min"),
        (3600, "1 h 00"),
        (2 * 3600 + 300, "2 h 05"),
        (27 * 3600, "1 d 3 h"),
    ],
)
def test_waiting_labels(seconds, label):
    assert waiting_label(dt.timedelta(seconds=seconds)) == label


def test_the_shipped_policy_has_the_published_figures():
    policy = parse_policy(shipped_file("policy.toml").read_text())
    assert (policy.claim_target_urgent_min, policy.claim_target_other_min) == (5, 15)
    assert policy.pause_default_days == 1
    assert policy.pause_max_days["schools"] == 5
    assert policy.pause_max_days["la_childrens_services"] == 15


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("not toml [", "not valid TOML"),
        ("[pause]\ndefault_working_days = 1\n", "no 'time_to_claim'"),
        (
            "[time_to_claim]\nurgent_minutes='soon'\nother_minutes=15\n[pause]\ndefault_working_days=1\nmax_working_days={}\n",
            "not a number",
        ),
        (
            "[time_to_claim]\nurgent_minutes=0\nother_minutes=15\n[pause]\ndefault_working_days=1\nmax_working_days={}\n",
            "urgent_minutes must be 1 to 60 minutes, not 0",
        ),
    ],
)
def test_a_broken_policy_file_is_refused_with_a_reason(text, reason):
    with pytest.raises(PolicyInvalid, match=reason):
        parse_policy(text)


def policy_text(**changes: str) -> str:
    """The shipped policy with some lines replaced (key = the line's start)."""
    lines = shipped_file("policy.toml").read_text().splitlines()
    for start, line in changes.items():
        lines = [line if existing.startswith(start.replace("__", " ")) else existing for existing in lines]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"minimum_years": "minimum_years = -100"}, "retention.minimum_years must be 6 to 100 years, not -100"),
        ({"schools": "schools = 10000"}, "pause.max_working_days.schools must be 1 to 5 working days, not 10000"),
        (
            {"default_working_days": "default_working_days = 1000000000"},
            "pause.default_working_days must be 1 to 5 working days, not 1e+09",
        ),
        ({"further_education": "# (left out)"}, "pause.max_working_days has no limit for further_education"),
        ({"urgent_minutes": "urgent_minutes = 0"}, "time_to_claim.urgent_minutes must be 1 to 60 minutes, not 0"),
    ],
)
def test_a_policy_cannot_loosen_what_is_published_or_kept(changes, said):
    """The values a policy file was found to get through (a purge of calls closed minutes ago, a
    9,999-day pause as ordinary, a console crashed by a billion-day default, a remit left out
    falling back to another's limit) are refused, each named."""
    with pytest.raises(PolicyInvalid) as refused:
        parse_policy(policy_text(**changes))
    assert said in str(refused.value)


def test_every_problem_of_a_policy_is_named_in_one_line():
    text = policy_text(minimum_years="minimum_years = 1", schools="schools = 9")
    with pytest.raises(PolicyInvalid) as refused:
        parse_policy(text)
    said = str(refused.value)
    assert "\n" not in said and "retention.minimum_years" in said and "pause.max_working_days.schools" in said
