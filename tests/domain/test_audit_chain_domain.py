"""The chain's time of recording, in the domain: a clock set back never makes it go backwards,
events written before it existed keep their hashes, and a link checks it."""

import datetime as dt

from helpdesk.domain.audit_chain import GENESIS, chained, check_link, event_hash, recorded_moment

T = dt.datetime(2026, 12, 7, 21, 0, tzinfo=dt.UTC)


def test_a_clock_set_back_records_at_the_heads_time_never_before_it():
    assert recorded_moment(T, None) == T
    assert recorded_moment(T, T - dt.timedelta(seconds=5)) == T
    assert recorded_moment(T - dt.timedelta(minutes=3), T) == T  # the clock went back three minutes
    naive = dt.datetime(2026, 12, 7, 21, 1)  # (SQLite hands back naive UTC)
    assert recorded_moment(T, naive) == naive.replace(tzinfo=dt.UTC)


def test_an_event_from_before_the_time_of_recording_keeps_its_hash():
    fields = dict(id=1, at=T, actor="akhan", kind="viewed", concern_id=None, details="{}", prev_hash=GENESIS)
    assert event_hash(**fields) == event_hash(**fields, recorded_at=None)
    assert event_hash(**fields) != event_hash(**fields, recorded_at=T)
    assert chained(**fields).recorded_at is None and check_link(chained(**fields), None) is None


def test_a_link_recorded_before_the_one_it_follows_is_named():
    first = chained(
        id=1, at=T, actor="akhan", kind="viewed", concern_id=None, details="{}", prev_hash=GENESIS, recorded_at=T
    )
    same = dict(at=T - dt.timedelta(days=1), actor="x", kind="viewed", concern_id=None, details="{}")
    later = chained(id=2, prev_hash=first.hash, recorded_at=T, **same)  # the same moment: in order
    assert check_link(later, first) is None
    back = chained(id=2, prev_hash=first.hash, recorded_at=T - dt.timedelta(microseconds=1), **same)
    assert "before event 1 that it follows" in (check_link(back, first) or "")
    none = chained(id=2, prev_hash=first.hash, **same)
    assert "no time of recording" in (check_link(none, first) or "")
