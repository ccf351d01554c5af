import datetime as dt

from helpdesk.store import presence


def test_viewers_are_live_heartbeats_only(engine, clock):
    now = clock.now()
    presence.beat(engine, "s1", "akhan", 3, now)
    presence.beat(engine, "s2", "bmorgan", 3, now - dt.timedelta(seconds=30))
    presence.beat(engine, "s3", "lpark", 3, now - dt.timedelta(seconds=60))  # expired
    presence.beat(engine, "s4", "cobi", None, now)  # on the queue, not a call
    assert presence.viewers(engine, now) == {3: ["Aisha Khan", "Bethan Morgan"]}


def test_a_session_moves_between_calls_and_leaves(engine, clock):
    now = clock.now()
    presence.beat(engine, "s1", "akhan", 3, now)
    presence.beat(engine, "s1", "akhan", 4, now)
    assert presence.viewers(engine, now) == {4: ["Aisha Khan"]}
    presence.leave(engine, "s1")
    assert presence.viewers(engine, now) == {}
