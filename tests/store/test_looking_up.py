"""Looking a call up across the record (#34 must-have 2): by number, URN, phone number in any
written form, inspection reference, or words of the names, summary, outcome and advice (the
database's full-text index, kept by its triggers); newest first, in pages; closed calls and the
information barrier as opening a call; a purged call no longer found by its old words; every
look-up recorded without the words."""

import datetime as dt

import pytest
from sqlalchemy import select

from helpdesk.clock import FrozenClock
from helpdesk.domain.policy import load_policy
from helpdesk.domain.search import LookUpInvalid, look_up
from helpdesk.shipped import shipped_file
from helpdesk.store import commands
from helpdesk.store.commands.looking_up import PAGE
from helpdesk.store.commands.looking_up import look_up as find
from helpdesk.store.db.models import Event
from support import grace_ellis, handled, link_new_inspection, log


def ids(engine, clock, typed, login="lpark", before=None):
    page = find(engine, login, look_up(typed), clock.now(), before)
    return [row.id for row in page.rows]


@pytest.fixture
def record(engine, clock):
    """Grace Ellis (Thornhill, 930037) twice: closed by Gurpreet Singh, then waiting; Tariq Noor elsewhere."""
    first = handled(engine, clock, days_ago=3, advice="Suggested she speaks to her GP about sleep")
    waiting = commands.log_concern(
        engine, grace_ellis(summary="Lead inspector shouted at the deputy"), "rdouglas", clock.now()
    )
    other = handled(engine, clock, urn="931663", caller=1, days_ago=1)
    return {"first": first, "waiting": waiting, "other": other}


def test_a_call_is_found_by_number_urn_and_phone_in_any_written_form(engine, clock, record):
    assert ids(engine, clock, str(record["waiting"])) == [record["waiting"]]
    assert ids(engine, clock, f"call #{record['waiting']}") == [record["waiting"]]
    assert ids(engine, clock, "930037") == [record["waiting"], record["first"]]  # a URN: newest first
    for written in ("0113 496 0777", "+44 113 496 0777", "(0113) 496-0777", "+44 (0)113 4960777"):
        assert ids(engine, clock, written) == [record["waiting"], record["first"]], written


def test_words_find_names_schools_summaries_and_advice_as_prefixes_any_case_and_accent(engine, clock, record):
    assert ids(engine, clock, "grace ELLIS") == [record["waiting"], record["first"]]
    assert ids(engine, clock, "thorn") == [record["waiting"], record["first"]]  # the school's name
    assert ids(engine, clock, "shouted deputy") == [record["waiting"]]
    assert ids(engine, clock, "sleep GP") == [record["first"]]  # advice
    assert ids(engine, clock, "tariq") == [record["other"]]
    assert ids(engine, clock, "nobody-called-this") == []
    commands.log_concern(engine, grace_ellis(caller_name="Zoë Brontë"), "rdouglas", clock.now())
    assert len(ids(engine, clock, "zoe bronte")) == 1


def test_an_inspection_reference_finds_its_calls(engine, clock, record):
    commands.claim(engine, record["waiting"], "gsingh", clock.now())
    link_new_inspection(engine, clock, record["waiting"], reference="INS-THORN-1")
    assert ids(engine, clock, "ins-thorn-1") == [record["waiting"]]


def test_closed_calls_only_for_those_who_may_read_them_and_never_past_the_barrier(engine, clock, record):
    assert ids(engine, clock, "grace", login="akhan") == [record["waiting"]]  # another senior: open calls only
    assert ids(engine, clock, "grace", login="gsingh") == [record["waiting"], record["first"]]  # who held it
    assert ids(engine, clock, "grace", login="lpark") == [record["waiting"], record["first"]]  # a supervisor
    # Aisha Khan declares a conflict with the school: its calls are kept from her, even by number
    from sqlmodel import Session

    from helpdesk.store.db.models import Conflict

    with Session(engine) as session:
        session.add(Conflict(login="akhan", urn="930037", reason="Governor"))
        session.commit()
    assert ids(engine, clock, "grace", login="akhan") == []
    assert ids(engine, clock, str(record["waiting"]), login="akhan") == []


def test_a_purged_call_is_no_longer_found_by_its_old_words(engine, clock, record):
    policy = load_policy(shipped_file("policy.toml"))
    later = FrozenClock("2033-01-10T09:00:00Z")
    commands.review(engine, record["first"], "lpark", "meets_standard", "Fine", later.now(), policy)
    commands.purge(engine, dt.date(2026, 12, 1), "wcole", policy, later.now())
    assert ids(engine, later, "sleep") == []  # the advice
    assert ids(engine, later, "grace") == [record["waiting"]]  # the caller's name
    assert record["first"] in ids(engine, later, "930037")  # (its URN and number stay: ids and codes)


def test_results_come_in_pages_newest_first(engine, clock):
    made = [log(engine, clock, category="wellbeing") for _ in range(PAGE + 5)]
    page = find(engine, "lpark", look_up("grace"), clock.now())
    assert [row.id for row in page.rows] == sorted(made, reverse=True)[:PAGE] and page.more
    rest = find(engine, "lpark", look_up("grace"), clock.now(), before=page.rows[-1].id)
    assert [row.id for row in rest.rows] == sorted(made, reverse=True)[PAGE:] and not rest.more


def test_words_found_past_the_newest_calls_walked_come_newest_first_too(engine, clock, monkeypatch):
    """PostgreSQL walks the newest calls for a word first, then reads the index's list of matches
    when they hold too few: calls matching only further back are found in the same order."""
    from helpdesk.store.commands import looking_up

    monkeypatch.setattr(looking_up, "NEWEST_WALKED", 4)
    older = [log(engine, clock, category="wellbeing") for _ in range(PAGE + 3)]
    for _ in range(6):  # newer calls the word is not in
        commands.log_concern(
            engine, grace_ellis(caller_name="Tariq Noor", summary="Asked about the report"), "rdouglas", clock.now()
        )
    page = find(engine, "lpark", look_up("grace"), clock.now())
    assert [row.id for row in page.rows] == sorted(older, reverse=True)[:PAGE] and page.more
    rest = find(engine, "lpark", look_up("grace"), clock.now(), before=page.rows[-1].id)
    assert [row.id for row in rest.rows] == sorted(older, reverse=True)[PAGE:] and not rest.more


def test_every_look_up_is_recorded_without_the_words(engine, clock, record):
    ids(engine, clock, "Grace Ellis", login="gsingh")
    ids(engine, clock, "0113 496 0777", login="gsingh")
    with engine.connect() as connection:
        events = connection.execute(
            select(Event.actor, Event.details).where(Event.kind == "looked_up").order_by(Event.id)
        ).all()
    assert [actor for actor, _ in events] == ["gsingh", "gsingh"]
    assert '"what": "words"' in events[0][1] and '"results": 2' in events[0][1]
    assert '"what": "phone"' in events[1][1]
    for _, details in events:
        assert "Grace" not in details and "grace" not in details and "496" not in details


@pytest.mark.parametrize("typed", ["", "   ", "!!!", "a\\nb", "x" * 201])
def test_nothing_to_look_up_is_said_in_one_line(typed):
    with pytest.raises(LookUpInvalid):
        look_up(typed.replace("\\n", "\n"))
