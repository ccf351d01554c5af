"""The pause register: every decision with where it stands, its resumption check, and the
inspections paused past the remit's limit; the export with redaction."""

import csv
import datetime as dt
import io
import json

import pytest

from helpdesk.domain.refusals import Refused
from helpdesk.store import commands
from helpdesk.store.admin.pause_export import PERSONAL_REGISTER_FIELDS, export_pauses
from helpdesk.store.commands.follow_ups import complete_follow_up
from helpdesk.store.queries.call import call_detail
from helpdesk.store.queries.pause_register import pause_entries, pause_register
from support import decision, link_new_inspection, log


def ready(engine, clock, senior="gsingh"):
    """A pause request held by `senior`, about Thornhill's inspection this week (recorded by the
    first call; later calls about the school are linked to it as they are logged)."""
    concern_id = log(engine, clock)
    commands.claim(engine, concern_id, senior, clock.now())
    if call_detail(engine, concern_id, senior).inspection is None:
        link_new_inspection(engine, clock, concern_id, login=senior, reference="INS-THORNHILL")
    commands.log_contact(
        engine, concern_id, senior, clock.now(), party="responsible_body", contact_name="Secret Contact",
        phone="0113 496 0500", channel="phone", outcome="reached",
    )  # fmt: skip
    return concern_id


@pytest.fixture
def register(engine, clock, policy):
    """A declined pause; a pause whose check found support not in place, superseded by a longer
    one; a second call on the same inspection paused again a day later over days the first
    already holds: the inspection is paused for 4 working days, not 4 + 3."""
    today = clock.now().date()
    declined = ready(engine, clock)
    commands.record_pause_decision(
        engine, declined, "gsingh", decision(decision="declined", rationale="Secret declined"), policy, clock.now()
    )
    paused = ready(engine, clock)
    commands.record_pause_decision(engine, paused, "gsingh", decision(working_days=2), policy, clock.now())
    from support import follow_ups

    [check] = follow_ups(engine, paused)
    complete_follow_up(engine, check.id, "gsingh", clock.now(), outcome="support_not_in_place", note="No cover")
    clock.advance(minutes=30)
    commands.record_pause_decision(
        engine, paused, "gsingh", decision(working_days=4, rationale="Secret longer"), policy, clock.now()
    )
    # another call about the same inspection, a day later
    clock.advance(days=1)
    again = ready(engine, clock, senior="akhan")
    commands.record_pause_decision(engine, again, "akhan", decision(working_days=3), policy, clock.now())
    return today, {"declined": declined, "paused": paused, "again": again}


def test_each_decision_stands_where_it_should(engine, clock, policy, register):
    today, calls = register
    entries = list(pause_entries(engine, today, today + dt.timedelta(days=1), today + dt.timedelta(days=1), policy))
    by_call = [(e.call, e.decision, e.working_days, e.state, e.check_outcome, e.past_limit) for e in entries]
    assert by_call == [
        (calls["declined"], "declined", None, "declined", None, False),
        (calls["paused"], "authorised", 2, "superseded", "support_not_in_place", False),
        (calls["paused"], "authorised", 4, "in_force", None, False),  # Wed-Mon: 18, 19, 20 and 23 Nov
        (calls["again"], "authorised", 3, "in_force", None, False),  # Thu-Mon: 19, 20, 23, all held already
    ]
    assert [e.inspection_paused_days for e in entries] == [4, 4, 4, 4]  # all about the one inspection, days once
    assert entries[2].supersedes == entries[1].decision_id and entries[0].decided_by == "Gurpreet Singh"
    # the second pause resumed when its date is reached
    later = pause_entries(engine, today, today + dt.timedelta(days=1), dt.date(2026, 12, 31), policy)
    assert [e.state for e in later] == ["declined", "superseded", "resumed", "resumed"]


def test_the_screens_register_is_for_supervisors_newest_first(engine, clock, policy, register):
    today, calls = register
    with pytest.raises(Refused, match="Only a supervisor can see the pause register"):
        pause_register(engine, "gsingh", today, today + dt.timedelta(days=1), today, policy)
    entries = pause_register(engine, "lpark", today, today + dt.timedelta(days=1), today, policy)
    assert [e.call for e in entries] == [calls["again"], calls["paused"], calls["paused"], calls["declined"]]
    assert pause_register(engine, "lpark", today, today, today, policy)[0].call == calls["paused"]  # the period


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_the_export_streams_with_progress_and_redacts(engine, clock, policy, register, fmt):
    today, _ = register
    seen = []
    full, redacted = io.StringIO(), io.StringIO()
    end = today + dt.timedelta(days=1)
    assert export_pauses(engine, "lpark", today, end, fmt, False, full, today=end, policy=policy) == 4
    count = export_pauses(
        engine, "lpark", today, end, fmt, True, redacted, lambda done, total: seen.append((done, total)),
        today=end, policy=policy,
    )  # fmt: skip
    assert count == 4 and seen[-1] == (4, 4)
    assert "Secret longer" in full.getvalue() and "Gurpreet Singh" in full.getvalue()
    assert "Secret" not in redacted.getvalue() and "Gurpreet" not in redacted.getvalue()
    if fmt == "csv":
        header = next(csv.reader(io.StringIO(redacted.getvalue())))
    else:
        header = list(json.loads(redacted.getvalue())[0])
    assert not set(header) & PERSONAL_REGISTER_FIELDS
    assert {"state", "check_outcome", "past_limit", "resumes_on", "countersigned_at"} <= set(header)
    with pytest.raises(Refused):
        export_pauses(engine, "gsingh", today, end, fmt, True, io.StringIO(), today=end, policy=policy)
