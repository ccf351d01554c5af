"""The reads a console makes on every queue load or call opened must not walk tables that grow
with the record (calls, events, decisions, follow-ups, escalations, handovers): SQLite's plan for
each statement they run is checked for a full scan of one of them."""

import datetime as dt
import re

import pytest
import sqlalchemy

from helpdesk.domain.policy import Policy
from helpdesk.store.queries import queue
from helpdesk.store.queries.call import call_detail
from helpdesk.store.queries.escalations import open_escalations
from helpdesk.store.queries.follow_ups import follow_ups_due
from helpdesk.store.queries.pause_register import pause_entries
from support import seed_queue

GROWING = ("concern", "event", "pause_decision", "follow_up", "escalation", "handover", "advice", "contact_attempt")


@pytest.fixture
def plans(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plans")
    found: list[tuple[str, list[str]]] = []

    @sqlalchemy.event.listens_for(engine, "before_cursor_execute")
    def explain(connection, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and not statement.lstrip().upper().startswith(
            "SELECT COUNT"
        ):
            rows = cursor.connection.execute("EXPLAIN QUERY PLAN " + statement, parameters).fetchall()
            found.append((statement, [row[-1] for row in rows]))

    yield found
    sqlalchemy.event.remove(engine, "before_cursor_execute", explain)


# a whole table walked: "SCAN concern", "SCAN concern_1" or "SCAN concern AS first" (aliases);
# "SCAN concern USING INDEX ix_concern_open_queue" walks only the open calls' partial index
FULL_SCAN = re.compile(r"^SCAN (" + "|".join(GROWING) + r")(_\d+)?( AS \w+)?$")


def full_scans(found):
    return [
        (line, statement.split("\n")[0][:80]) for statement, lines in found for line in lines if FULL_SCAN.match(line)
    ]


def test_what_a_queue_load_and_an_opened_call_read_walks_no_growing_table(engine, clock, plans):
    [concern_id, *_] = seed_queue(engine, clock, ages_min=(30, 20, 10))
    plans.clear()  # (writing them reads the chain's head: the newest event, by its id)
    queue.open_queue(engine)
    queue.handed_to(engine, "akhan")
    open_escalations(engine)
    follow_ups_due(engine, "lpark", clock.now() + dt.timedelta(days=1), clock.now().date())
    call_detail(engine, concern_id, "lpark", related_since=clock.now() - dt.timedelta(days=14))
    list(pause_entries(engine, dt.date(2026, 11, 1), dt.date(2026, 11, 30), dt.date(2026, 11, 18), Policy()))
    assert plans, "no statement was seen"
    assert full_scans(plans) == []
