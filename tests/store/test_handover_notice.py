"""A call handed to a senior by reassignment is new to them until they open it."""

from helpdesk.store import commands
from helpdesk.store.queries.queue import handed_to


def test_a_call_handed_over_is_new_to_its_new_holder_until_they_open_it(engine, clock, held):
    assert handed_to(engine, "akhan") == []
    commands.reassign(engine, held, "lpark", "akhan", "Gurpreet is off this afternoon", clock.now())
    [handed] = handed_to(engine, "akhan")
    assert (handed.concern_id, handed.by_name, handed.reason) == (held, "Lucy Park", "Gurpreet is off this afternoon")
    assert handed_to(engine, "gsingh") == []
    clock.advance(minutes=1)
    commands.record_view(engine, held, "akhan", clock.now())
    assert handed_to(engine, "akhan") == []
    # handed on to someone else and back again: new again
    commands.reassign(engine, held, "lpark", "bmorgan", "Aisha is needed on another call", clock.now())
    assert handed_to(engine, "akhan") == [] and [h.concern_id for h in handed_to(engine, "bmorgan")] == [held]
    clock.advance(minutes=1)
    commands.reassign(engine, held, "lpark", "akhan", "Bethan has gone home", clock.now())
    assert [h.reason for h in handed_to(engine, "akhan")] == ["Bethan has gone home"]


def test_a_reassignment_hands_on_the_previous_holders_open_follow_ups(engine, clock, policy, held):
    from helpdesk.store.commands.follow_ups import complete_follow_up, set_follow_up
    from helpdesk.store.queries.call import call_detail

    mine = set_follow_up(engine, held, "gsingh", clock.now(), policy, what="Ring", owner="gsingh", due="12:00")
    done = set_follow_up(engine, held, "gsingh", clock.now(), policy, what="Done", owner="gsingh", due="12:00")
    anyone = set_follow_up(engine, held, "gsingh", clock.now(), policy, what="Any", owner=None, due="12:00")
    complete_follow_up(engine, done, "gsingh", clock.now(), outcome="done", note="Done")
    commands.reassign(engine, held, "lpark", "akhan", "Gurpreet is off", clock.now())
    owners = {f.id: f.owner for f in call_detail(engine, held, "lpark").follow_ups}
    assert owners == {mine: "akhan", done: "gsingh", anyone: None}
    assert "Reassigned from Gurpreet Singh to Aisha Khan (1 open follow-up now theirs): Gurpreet is off" in (
        call_detail(engine, held, "lpark").timeline[-1].text
    )
