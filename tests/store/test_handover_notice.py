"""A call handed to a senior by reassignment is new to them until they open it."""

import pytest
from test_call_commands import log

from helpdesk.store import commands
from helpdesk.store.queries import handed_to


@pytest.fixture
def held(engine, clock):
    concern_id = log(engine, clock)
    commands.claim(engine, concern_id, "gsingh", clock.now())
    return concern_id


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
