"""The desk: the store bound to one member of staff, the clock and the policy; every database
fault comes out of it as DatabaseUnavailable, and a refusal by the rules as itself."""

import pytest

from helpdesk.domain.refusals import Refused
from helpdesk.store.db.engine import make_engine, sqlite_url
from helpdesk.store.desk import Desk
from helpdesk.store.faults import DatabaseUnavailable
from helpdesk.store.queries.queue import staff_member
from support import seed_queue


def test_the_desk_acts_as_its_member_of_staff_at_its_clock(engine, clock, policy):
    [concern_id] = seed_queue(engine, clock, ages_min=(3,))
    desk = Desk(engine, staff_member(engine, "gsingh"), clock, policy)
    desk.claim(concern_id)
    call = desk.call(concern_id)
    assert (call.claimed_by, call.claimed_at) == ("gsingh", clock.now())
    with pytest.raises(Refused, match="Already claimed by you"):
        desk.claim(concern_id)


def test_a_database_fault_is_one_exception_with_one_sentence(tmp_path, engine, clock, policy):
    member = staff_member(engine, "gsingh")
    empty = make_engine(sqlite_url(tmp_path / "empty.sqlite"), create=True)  # no schema: every read fails
    desk = Desk(empty, member, clock, policy)
    with pytest.raises(DatabaseUnavailable) as fault:
        desk.open_queue()
    assert str(fault.value) == "the database is unavailable (no such table: staff)"  # who acts is checked first
    assert isinstance(fault.value.__cause__, Exception)  # the database's own error is kept


def test_a_desk_whose_account_was_deactivated_reads_nothing_more(engine, clock, policy):
    """The desk is made when the console starts; an account deactivated since is refused at
    the next read, as at the next write."""
    from sqlalchemy import update

    from helpdesk.store.acting import NotPermitted
    from helpdesk.store.db.models import Staff

    desk = Desk(engine, staff_member(engine, "gsingh"), clock, policy)
    assert desk.open_queue() == []
    with engine.begin() as connection:
        connection.execute(update(Staff).where(Staff.login == "gsingh").values(active=False))
    for read in (desk.open_queue, desk.list_concerns, lambda: desk.look_up_school("930037")):
        with pytest.raises(NotPermitted, match="inactive"):
            read()
