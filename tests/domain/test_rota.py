"""The on-call rota's rules: who is on call, gaps in cover, and what a period must be."""

import datetime as dt

import pytest

from helpdesk.domain import rota
from helpdesk.domain.rota import Period

UTC = dt.UTC


def at(hour: int, day: int = 18) -> dt.datetime:
    return dt.datetime(2026, 11, day, hour, tzinfo=UTC)


def test_who_is_on_call_first_on_the_rota_first():
    periods = [Period("mokafor", at(8), at(20)), Period("lpark", at(6), at(18)), Period("nreid", at(20), at(8, 19))]
    assert rota.on_call_at(periods, at(10)) == ["lpark", "mokafor"]
    assert rota.on_call_at(periods, at(18)) == ["mokafor"]  # (an end is not included)
    assert rota.on_call_at(periods, at(21)) == ["nreid"]
    assert rota.on_call_at(periods, at(9, 19)) == []


def test_gaps_in_cover_between_and_around_periods():
    periods = [Period("lpark", at(8), at(12)), Period("mokafor", at(10), at(14)), Period("nreid", at(16), at(20))]
    assert rota.cover_gaps(periods, at(6), at(22)) == [(at(6), at(8)), (at(14), at(16)), (at(20), at(22))]
    assert rota.cover_gaps(periods, at(9), at(13)) == []
    assert rota.cover_gaps([], at(9), at(13)) == [(at(9), at(13))]


def test_a_gap_is_flagged_a_day_ahead_in_london_time():
    periods = [Period("lpark", at(8), at(20))]
    assert rota.gap_flag(periods, at(9)) == "NO ON-CALL COVER from 20:00"  # GMT in November
    assert rota.gap_flag(periods, at(7)) == "NO ON-CALL COVER NOW"
    covered = [Period("lpark", at(8), at(12, 20))]
    assert rota.gap_flag(covered, at(9)) is None  # nothing open within a day
    assert rota.gap_flag([Period("lpark", at(8), at(8, 19))], at(9)) == "NO ON-CALL COVER from Thu 08:00"


def test_london_time_is_written_and_read_as_the_rota_writes_it():
    assert rota.london_time("2026-07-01 09:30", "From") == dt.datetime(2026, 7, 1, 8, 30, tzinfo=UTC)  # BST
    for bad in ("tomorrow", "2026-13-01 09:00", "09:00", ""):
        with pytest.raises(rota.RotaTimeInvalid, match="YYYY-MM-DD HH:MM"):
            rota.london_time(bad, "From")


@pytest.mark.parametrize(
    ("role", "active", "starts", "ends", "field", "says"),
    [
        (None, False, at(8), at(9), "login", "No staff account"),
        ("senior", True, at(8), at(9), "login", "only supervisors go on call"),
        ("supervisor", False, at(8), at(9), "login", "inactive"),
        ("supervisor", True, at(9), at(8), "ends", "not after the start"),
        ("supervisor", True, at(8), at(8, 18) + dt.timedelta(days=15), "ends", "at most 14 days"),
        ("supervisor", True, at(1), at(2), "ends", "The period is over"),
    ],
)
def test_what_a_period_must_be(role, active, starts, ends, field, says):
    problems = rota.period_problems("x", role, active, starts, ends, now=at(6))
    assert says in problems[field]
