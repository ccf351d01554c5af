"""Every store entry point takes the acting member of staff and checks them: no account, an
inactive one, or a role without the permission is refused in the store itself, whatever the
front end (console, command line, a script) did or did not check first."""

import datetime as dt
import io

import pytest
from sqlalchemy import func, select

from helpdesk.store import commands
from helpdesk.store.acting import NotPermitted
from helpdesk.store.admin import export
from helpdesk.store.db.models import Concern, Event
from helpdesk.store.queries import statistics
from helpdesk.store.queries.call import call_detail
from helpdesk.store.queries.review import closed_calls, learning_reviews, my_feedback
from helpdesk.store.rows import ClosedCallFilter
from support import grace_ellis, handled, policy

NO_ACCOUNT = "No staff account for login 'mallory'"
INACTIVE = "The staff account 'zkerr' is inactive"


def concern():
    return grace_ellis(urgent=True)


def event_count(engine):
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(Event))


@pytest.mark.parametrize(("login", "reason"), [("mallory", NO_ACCOUNT), ("zkerr", INACTIVE)])
def test_logins_without_an_active_account_can_neither_log_nor_open_a_call(engine, clock, login, reason):
    waiting = commands.log_concern(engine, concern(), "rdouglas", clock.now())
    before = event_count(engine)
    with pytest.raises(NotPermitted, match=reason):
        commands.log_concern(engine, concern(), login, clock.now())
    with pytest.raises(NotPermitted, match=reason):
        commands.record_view(engine, waiting, login, clock.now())
    with pytest.raises(NotPermitted, match=reason):
        call_detail(engine, waiting, login)
    with pytest.raises(NotPermitted, match=reason):
        my_feedback(engine, login)
    assert event_count(engine) == before
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Concern)) == 1


def test_supervisors_tools_refuse_seniors_handlers_and_strangers(engine, clock):
    handled(engine, clock, pause=None, category="wellbeing")
    today = clock.now().date()
    for login in ("akhan", "rdouglas", "mallory"):
        with pytest.raises(NotPermitted):
            closed_calls(engine, login, ClosedCallFilter())
        with pytest.raises(NotPermitted):
            statistics.figures(engine, login, today, today, policy(), clock.now())
        with pytest.raises(NotPermitted):
            learning_reviews(engine, login)
        for run in (export.export_calls, export.export_audit):
            out = io.StringIO()
            with pytest.raises(NotPermitted):
                run(engine, login, today, today, "csv", True, out)
            assert out.getvalue() == ""  # not even a header
    assert closed_calls(engine, "lpark", ClosedCallFilter())
    assert closed_calls(engine, "wcole", ClosedCallFilter())  # admins read closed calls, for exports and purges
    with pytest.raises(NotPermitted, match="Only a supervisor can see the statistics"):
        statistics.figures(engine, "wcole", today, today, policy(), clock.now())


def test_a_closed_call_is_read_by_its_senior_and_supervisors_only(engine, clock):
    closed = handled(engine, clock, pause=None, category="wellbeing", senior="gsingh")
    assert call_detail(engine, closed, "gsingh") is not None  # theirs: their feedback is about it
    assert call_detail(engine, closed, "lpark") is not None
    for login in ("akhan", "rdouglas"):
        with pytest.raises(NotPermitted, match="Only a supervisor or an admin can read closed calls"):
            call_detail(engine, closed, login)
        with pytest.raises(NotPermitted, match="Only a supervisor or an admin can read closed calls"):
            commands.record_view(engine, closed, login, clock.now() + dt.timedelta(minutes=1))
