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


def test_presence_leaves_the_record_untouched_and_a_command_moves_it_on(engine, clock):
    """Consoles tell a change to the record from presence alone by the newest audit event."""
    from helpdesk.store.commands import claim
    from helpdesk.store.queries import latest_event_id
    from support import seed_queue

    [concern_id] = seed_queue(engine, clock, ages_min=(2,))
    before = latest_event_id(engine)
    presence.beat(engine, "s1", "akhan", concern_id, clock.now())
    presence.leave(engine, "s1")
    assert latest_event_id(engine) == before
    claim(engine, concern_id, "akhan", clock.now())
    assert latest_event_id(engine) > before
