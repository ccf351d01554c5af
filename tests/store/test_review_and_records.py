"""Supervisors' tools in the store: closed-call filters and search, reviews, feedback, figures,
exports (with redaction) and the retention purge."""

import csv
import datetime as dt
import io
import json

import pytest
from sqlalchemy import delete, text

from helpdesk.clock import FrozenClock
from helpdesk.domain.intake import validate_concern
from helpdesk.domain.refusals import FieldsInvalid, Refused
from helpdesk.store import commands
from helpdesk.store.admin import export
from helpdesk.store.commands.purging import purge
from helpdesk.store.db.models import PURGED, SettledDay
from helpdesk.store.queries import statistics
from helpdesk.store.queries.call import call_detail
from helpdesk.store.queries.review import closed_calls, learning_reviews, my_feedback, unread_feedback
from helpdesk.store.rows import ClosedCallFilter
from support import handled, policy


@pytest.fixture
def calls(engine, clock):
    return {
        "declined": handled(engine, clock, pause="declined", caller=0),
        "authorised": handled(
            engine, clock, pause="authorised", senior="bmorgan", caller=1, advice="Trust sending interim head"
        ),
        "none": handled(engine, clock, category="wellbeing", pause=None, caller=2, days_ago=8),
    }


def ids(rows):
    return {row.id for row in rows}


def test_filters_by_pause_senior_category_dates_school_and_search(engine, clock, calls):
    assert ids(closed_calls(engine, "lpark", ClosedCallFilter(pause="declined"))) == {calls["declined"]}
    assert ids(closed_calls(engine, "lpark", ClosedCallFilter(pause="authorised"))) == {calls["authorised"]}
    assert ids(closed_calls(engine, "lpark", ClosedCallFilter(pause="none"))) == {calls["none"]}
    assert ids(closed_calls(engine, "lpark", ClosedCallFilter(senior="bmorgan"))) == {calls["authorised"]}
    assert ids(closed_calls(engine, "lpark", ClosedCallFilter(category="wellbeing"))) == {calls["none"]}
    today = clock.now().date()
    assert ids(
        closed_calls(engine, "lpark", ClosedCallFilter(closed_from=today - dt.timedelta(days=7), closed_to=today))
    ) == {
        calls["declined"],
        calls["authorised"],
    }
    assert ids(closed_calls(engine, "lpark", ClosedCallFilter(school="930037"))) == set(calls.values())
    assert ids(closed_calls(engine, "lpark", ClosedCallFilter(school="thornhill"))) == set(calls.values())
    assert ids(closed_calls(engine, "lpark", ClosedCallFilter(search="interim head"))) == {
        calls["authorised"]
    }  # in advice
    assert ids(closed_calls(engine, "lpark", ClosedCallFilter(search="about leanne"))) == {
        calls["none"]
    }  # in the summary


@pytest.mark.parametrize("typed", ["%", "_", "%%", "interim_head", "100%"])
def test_the_search_is_for_the_text_as_typed(engine, calls, typed):
    """`%` and `_` are not wildcards: none of these texts is in any call."""
    assert ids(closed_calls(engine, "lpark", ClosedCallFilter(search=typed))) == set()
    assert ids(closed_calls(engine, "lpark", ClosedCallFilter(school=typed))) == set()


@pytest.mark.parametrize("typed", ["\x00", "head\x1b[31m"])
def test_a_search_with_control_characters_is_refused(engine, calls, typed):
    typed = typed.encode().decode("unicode_escape")
    with pytest.raises(FieldsInvalid, match="without control characters"):
        closed_calls(engine, "lpark", ClosedCallFilter(search=typed))


def test_the_review_list_leaves_out_calls_about_an_inspection_the_reader_is_tied_to(engine, clock, calls, tmp_path):
    from helpdesk.store.admin import importers

    conflicts = tmp_path / "conflicts.csv"
    conflicts.write_text("login,urn,responsible_body,reason\nlpark,930037,,Governor of this school\n")
    importers.import_conflicts(engine, conflicts, "wcole", clock.now())
    today = clock.now().date()
    assert ids(closed_calls(engine, "lpark", ClosedCallFilter(), today=today)) == set()
    assert ids(closed_calls(engine, "mokafor", ClosedCallFilter(), today=today)) == set(calls.values())


def test_paging_is_keyset_newest_first(engine, clock, calls):
    first = closed_calls(engine, "lpark", ClosedCallFilter(), limit=2)
    rest = closed_calls(engine, "lpark", ClosedCallFilter(), limit=2, after=(first[-1].closed_at, first[-1].id))
    assert [row.id for row in first + rest] == [calls["authorised"], calls["declined"], calls["none"]]


def test_reviews_supersede_and_feedback_reaches_the_senior(engine, clock, calls):
    with pytest.raises(Refused, match="Only a supervisor can review"):
        commands.review(engine, calls["declined"], "akhan", "meets_standard", "", clock.now(), policy())
    with pytest.raises(FieldsInvalid, match="feedback is required"):
        commands.review(engine, calls["declined"], "lpark", "learning_review", " ", clock.now(), policy())
    first = commands.review(
        engine, calls["declined"], "lpark", "needs_follow_up", "Ring the trust back", clock.now(), policy()
    )
    second = commands.review(
        engine,
        calls["declined"],
        "lpark",
        "learning_review",
        "Pause should have been considered longer",
        clock.now(),
        policy(),
    )
    assert closed_calls(engine, "lpark", ClosedCallFilter(pause="declined"))[0].review == "learning_review"
    assert ids(closed_calls(engine, "lpark", ClosedCallFilter(reviewed=False))) == {calls["authorised"], calls["none"]}
    assert [r.concern_id for r in learning_reviews(engine, "lpark")] == [calls["declined"]]
    assert learning_reviews(engine, "lpark")[0].why == "Pause should have been considered longer"
    assert unread_feedback(engine, "gsingh") == 2 and unread_feedback(engine, "bmorgan") == 0
    commands.mark_feedback_read(engine, "gsingh", [first, second], clock.now())
    assert unread_feedback(engine, "gsingh") == 0
    assert [row.read for row in my_feedback(engine, "gsingh")] == [True, True]
    kinds = [entry.kind for entry in call_detail(engine, calls["declined"], "lpark").timeline]
    assert kinds.count("reviewed") == 2
    with pytest.raises(Refused, match="Only a closed call can be reviewed"):
        [open_id] = [
            commands.log_concern(
                engine,
                validate_concern(
                    urn="930037",
                    caller_name="A",
                    caller_role="other",
                    phone="0113 496 0001",
                    category="other",
                    summary="x",
                ),
                "rdouglas",
                clock.now(),
            )
        ]
        commands.review(engine, open_id, "lpark", "meets_standard", "", clock.now(), policy())


def test_figures_for_a_period(engine, clock, calls):
    today = clock.now().date()
    found = statistics.figures(engine, "lpark", today - dt.timedelta(days=13), today, policy(), clock.now())
    assert found.calls == 3
    assert (found.authorised, found.declined) == (1, 1)
    assert found.claim_median_min == pytest.approx(3.0)
    assert found.decision_median_min == pytest.approx(9.0)
    assert found.urgent_calls == 3 and found.urgent_share_in_target == 1.0
    assert sum(count for _, count in found.weeks) == 3 and len(found.weeks) >= 2
    assert found.by_category == {"pause_request": 2, "wellbeing": 1}


PERSONAL = [
    "Grace Ellis",
    "Tariq Noor",
    "Leanne Marsh",
    "+441134960777",
    "+441214960555",
    "0113 496",
    "Summary about",
    "Advised a pause",
    "Trust sending interim",
    "Outcome for",
    "Rationale for",
    "Contact for",
    "Spoke about",
    "gsingh",
    "bmorgan",
    "rdouglas",
]


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_redacted_export_holds_no_name_number_or_free_text(engine, clock, calls, fmt):
    today = clock.now().date()
    for run in (export.export_calls, export.export_audit):
        full, redacted = io.StringIO(), io.StringIO()
        run(engine, "lpark", today - dt.timedelta(days=30), today, fmt, False, full)
        run(engine, "lpark", today - dt.timedelta(days=30), today, fmt, True, redacted)
        if run is export.export_calls:
            assert "Grace Ellis" in full.getvalue()  # the search below would find them
        for value in PERSONAL:
            assert value not in redacted.getvalue(), (run.__name__, value)
    rows = list(csv.DictReader(io.StringIO(redacted.getvalue()))) if fmt == "csv" else json.loads(redacted.getvalue())
    assert rows  # the figures' fields are still there


def test_exported_calls_carry_what_the_figures_need(engine, clock, calls):
    today = clock.now().date()
    out = io.StringIO()
    count = export.export_calls(engine, "lpark", today - dt.timedelta(days=30), today, "json", True, out)
    records = {r["id"]: r for r in json.loads(out.getvalue())}
    assert count == 3
    assert records[calls["authorised"]]["pause_decision"] == "authorised"
    assert records[calls["none"]]["category"] == "wellbeing" and records[calls["none"]]["urn"] == "930037"


def test_purge_anonymises_old_reviewed_calls_and_keeps_the_figures(engine, calls):
    for concern_id in calls.values():
        commands.review(
            engine,
            concern_id,
            "lpark",
            "meets_standard",
            "Good call",
            FrozenClock("2026-11-19T09:00:00Z").now(),
            policy(),
        )
    later = FrozenClock("2033-01-10T09:00:00Z")  # more than six years on
    start, end = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    before = statistics.figures(engine, "lpark", start, end, policy(), later.now())  # the days kept
    with pytest.raises(Refused, match="inside the minimum retention of 6 years"):
        purge(engine, dt.date(2027, 2, 1), "wcole", policy(), later.now())
    with pytest.raises(Refused, match="Only an admin"):
        purge(engine, dt.date(2026, 12, 1), "lpark", policy(), later.now())
    assert purge(engine, dt.date(2026, 12, 1), "wcole", policy(), later.now()) == 3
    assert statistics.figures(engine, "lpark", start, end, policy(), later.now()) == before
    with engine.begin() as connection:  # and read again from the calls themselves
        connection.execute(delete(SettledDay))
    assert statistics.figures(engine, "lpark", start, end, policy(), later.now()) == before
    out = io.StringIO()
    export.export_calls(engine, "lpark", start, end, "csv", False, out)  # even the full export
    for value in PERSONAL[:13]:
        assert value not in out.getvalue(), value
    with engine.connect() as connection:
        purged = connection.execute(text("SELECT actor, details FROM event WHERE kind = 'purged'")).one()
    assert purged.actor == "wcole" and '"calls": 3' in purged.details
    assert call_detail(engine, calls["declined"], "lpark").caller_name == PURGED


def test_a_purge_goes_in_batches_each_recorded_and_resumes_where_it_stopped(engine, calls, monkeypatch):
    """Each batch is its own short transaction with its own event; a purge run again after an
    interruption picks up what is left."""
    from helpdesk.store.commands import purging

    for concern_id in calls.values():
        commands.review(
            engine,
            concern_id,
            "lpark",
            "meets_standard",
            "Good call",
            FrozenClock("2026-11-19T09:00:00Z").now(),
            policy(),
        )
    later = FrozenClock("2033-01-10T09:00:00Z")
    monkeypatch.setattr(purging, "BATCH", 2)
    original, batches = purging.record_event, []
    monkeypatch.setattr(
        purging, "record_event", lambda session, **kw: batches.append(kw["calls"]) or original(session, **kw)
    )
    assert purge(engine, dt.date(2026, 12, 1), "wcole", policy(), later.now()) == 3
    assert batches == [2, 1]
    with engine.connect() as connection:
        events = connection.execute(text("SELECT details FROM event WHERE kind = 'purged' ORDER BY id")).scalars().all()
        left = connection.execute(text("SELECT count(*) FROM concern WHERE caller_name != '[purged]'")).scalar()
    assert [json.loads(details)["calls"] for details in events] == [2, 1] and left == 0
    assert purge(engine, dt.date(2026, 12, 1), "wcole", policy(), later.now()) == 0  # nothing left: recorded as 0
