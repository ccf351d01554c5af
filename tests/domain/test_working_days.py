import datetime as dt

import pytest

from helpdesk.domain.working_days import is_working_day, resume_date


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        ("2026-11-18", 1, "2026-11-19"),  # Wednesday -> Thursday
        ("2026-11-20", 1, "2026-11-23"),  # Friday -> Monday
        ("2026-11-20", 5, "2026-11-27"),
        ("2025-04-17", 1, "2025-04-22"),  # Maundy Thursday: Good Friday, weekend, Easter Monday
        ("2026-12-24", 1, "2026-12-29"),  # Christmas Friday, Boxing Day Saturday -> substitute Monday 28th
        ("2022-12-23", 1, "2022-12-28"),  # Christmas Sunday -> substitute Tuesday 27th
        ("2026-12-31", 1, "2027-01-04"),  # New Year's Day is a Friday
        ("2021-12-31", 1, "2022-01-04"),  # New Year's Day Saturday -> substitute Monday 3rd
        ("2026-05-01", 1, "2026-05-05"),  # early May bank holiday
    ],
)
def test_resume_date_skips_weekends_and_bank_holidays(start, days, expected):
    assert resume_date(dt.date.fromisoformat(start), days) == dt.date.fromisoformat(expected)


def test_school_holidays_are_working_days():
    assert is_working_day(dt.date(2026, 8, 12))  # summer holiday, not a bank holiday


def test_a_pause_lasts_at_least_one_day():
    with pytest.raises(ValueError, match="at least one working day"):
        resume_date(dt.date(2026, 11, 18), 0)
