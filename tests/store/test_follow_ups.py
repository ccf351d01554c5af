"""Follow-ups in the store: set, seen by the right people, completed once, made by a pause
decision and by a review, and called back with a logged contact attempt."""

import datetime as dt

import pytest
from sqlalchemy import select

from helpdesk.domain.follow_up import RESUMPTION_CHECK, SUPERSEDED, end_of_day
from helpdesk.domain.refusals import FieldsInvalid, Refused
from helpdesk.store import commands
from helpdesk.store.acting import NotPermitted
from helpdesk.store.commands.follow_ups import complete_follow_up, set_follow_up
from helpdesk.store.db.models import ContactAttempt, Event
from helpdesk.store.queries.call import call_detail
from helpdesk.store.queries.follow_ups import follow_ups_due
from support import complete_the_record, decision, follow_ups, link_new_inspection, log

LONDON_9AM_FRI = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)  # November: London is on UTC


def kinds(engine, concern_id):
    with engine.connect() as connection:
        return [k for (k,) in connection.execute(select(Event.kind).where(Event.concern_id == concern_id))]


def ready_to_pause(engine, clock, concern_id, login="gsingh"):
    link_new_inspection(engine, clock, concern_id, login=login)
    commands.log_contact(
        engine,
        concern_id,
        login,
        clock.now(),
        party="responsible_body",
        contact_name="",
        phone="0113 496 0500",
        channel="phone",
        outcome="reached",
    )


def test_an_authorised_pause_makes_its_resumption_check_in_the_same_event(engine, clock, policy, held):
    ready_to_pause(engine, clock, held)
    before = kinds(engine, held)
    commands.record_pause_decision(engine, held, "gsingh", decision(working_days=3), policy, clock.now())
    assert kinds(engine, held)[len(before) :] == ["decision"]  # one change, one event
    [check] = follow_ups(engine, held)
    assert check.kind == "resumption_check" and check.what == RESUMPTION_CHECK and check.owner == "gsingh"
    # Wed 18 Nov, 3 working days: resumes Mon 23; checked at the start of Fri 20
    assert check.due_at.replace(tzinfo=dt.UTC) == LONDON_9AM_FRI
    assert check.decision_id == call_detail(engine, held, "gsingh").latest_decision.id
    timeline = call_detail(engine, held, "gsingh").timeline[-1].text
    assert f"Resumption check #{check.id} due Fri 20 Nov 2026 09:00" in timeline


def test_a_check_due_before_the_decision_falls_due_at_once(engine, clock, policy, held):
    ready_to_pause(engine, clock, held)
    clock.advance(hours=5)  # 14:00 Wednesday; one working day: resumes Thursday, checked today
    commands.record_pause_decision(engine, held, "gsingh", decision(working_days=1), policy, clock.now())
    [check] = follow_ups(engine, held)
    assert check.due_at.replace(tzinfo=dt.UTC) == clock.now()


def test_a_later_decision_closes_the_earlier_check_and_makes_its_own(engine, clock, policy, held):
    ready_to_pause(engine, clock, held)
    commands.record_pause_decision(engine, held, "gsingh", decision(working_days=3), policy, clock.now())
    commands.record_pause_decision(engine, held, "gsingh", decision(working_days=2), policy, clock.now())
    first, second = follow_ups(engine, held)
    assert first.outcome == SUPERSEDED and first.done_by == "gsingh" and second.done_at is None
    commands.record_pause_decision(engine, held, "gsingh", decision(decision="declined"), policy, clock.now())
    assert [f.done_at is None for f in follow_ups(engine, held)] == [False, False]  # a decline makes none
    assert "Resumption check #2 closed: superseded" in call_detail(engine, held, "gsingh").timeline[-1].text


def test_only_the_owner_or_a_supervisor_completes_and_only_once(engine, clock, policy, held):
    ready_to_pause(engine, clock, held)
    commands.record_pause_decision(engine, held, "gsingh", decision(working_days=3), policy, clock.now())
    [check] = follow_ups(engine, held)
    with pytest.raises(Refused, match="Only Gurpreet Singh .* or a supervisor can complete it"):
        complete_follow_up(engine, check.id, "akhan", clock.now(), outcome="support_in_place")
    with pytest.raises(NotPermitted, match="Only a senior or a supervisor"):
        complete_follow_up(engine, check.id, "rdouglas", clock.now(), outcome="support_in_place")
    with pytest.raises(FieldsInvalid) as refused:
        complete_follow_up(engine, check.id, "gsingh", clock.now(), outcome="support_not_in_place", note=" ")
    assert refused.value.errors == {"note": "Note is required: say what support is missing"}
    with pytest.raises(FieldsInvalid, match="Choose the outcome"):
        complete_follow_up(engine, check.id, "gsingh", clock.now(), outcome="reached")
    before = kinds(engine, held)
    complete_follow_up(
        engine, check.id, "lpark", clock.now(), outcome="support_not_in_place", note="No interim head yet"
    )
    assert kinds(engine, held)[len(before) :] == ["follow_up_done"]
    with pytest.raises(Refused, match=r"already done \(by Lucy Park\)"):
        complete_follow_up(engine, check.id, "gsingh", clock.now(), outcome="support_in_place")
    detail = call_detail(engine, held, "gsingh")
    assert detail.open_follow_ups == [] and detail.follow_ups[0].support_not_in_place
    assert "Resumption check #1 Support NOT in place — No interim head yet" in detail.timeline[-1].text


def test_a_follow_up_is_checked_as_typed(engine, clock, policy, held):
    with pytest.raises(FieldsInvalid) as refused:
        set_follow_up(engine, held, "gsingh", clock.now(), policy, what=" ", owner=None, due="2026-11-18 08:00")
    assert refused.value.errors == {
        "what": "What is required",
        "due": "Due: 2026-11-18 08:00 has passed: give a time ahead",
    }
    with pytest.raises(FieldsInvalid, match=r"Due: '18/11' is not a time: write YYYY-MM-DD HH:MM"):
        set_follow_up(engine, held, "gsingh", clock.now(), policy, what="Ring", owner=None, due="18/11")
    with pytest.raises(FieldsInvalid, match="Rosa Douglas does not take calls"):
        set_follow_up(engine, held, "gsingh", clock.now(), policy, what="Ring", owner="rdouglas", due="17:00")
    with pytest.raises(FieldsInvalid, match="No active staff account for 'nobody'"):
        set_follow_up(engine, held, "gsingh", clock.now(), policy, what="Ring", owner="nobody", due="17:00")
    with pytest.raises(NotPermitted):
        set_follow_up(engine, held, "rdouglas", clock.now(), policy, what="Ring", owner=None, due="17:00")
    assert follow_ups(engine, held) == []
    # a date alone is the start of that working day
    new = set_follow_up(engine, held, "gsingh", clock.now(), policy, what="Ring", owner=None, due="2026-11-20")
    assert follow_ups(engine, held)[0].id == new
    assert follow_ups(engine, held)[0].due_at.replace(tzinfo=dt.UTC) == LONDON_9AM_FRI


def test_who_sees_which_follow_ups_due(engine, clock, policy, held):
    def due(login):
        return [(f.what, f.owner) for f in follow_ups_due(engine, login, end_of_day(clock.now()), clock.now().date())]

    set_follow_up(engine, held, "gsingh", clock.now(), policy, what="Mine", owner="gsingh", due="17:00")
    set_follow_up(engine, held, "gsingh", clock.now(), policy, what="Anyone's", owner=None, due="12:00")
    set_follow_up(engine, held, "gsingh", clock.now(), policy, what="Bethan's", owner="bmorgan", due="10:00")
    set_follow_up(engine, held, "gsingh", clock.now(), policy, what="Friday", owner="gsingh", due="2026-11-20")
    assert due("gsingh") == [("Anyone's", None), ("Mine", "gsingh")]  # soonest first; not tomorrow's
    assert due("akhan") == [("Anyone's", None)]
    assert due("lpark") == [("Bethan's", "bmorgan"), ("Anyone's", None), ("Mine", "gsingh")]
    assert due("rdouglas") == []  # a handler takes no follow-ups
    clock.advance(days=2)
    assert ("Friday", "gsingh") in due("gsingh")


def test_a_follow_up_on_a_closed_call_is_completed_without_reopening_it(engine, clock, policy):
    concern_id = log(engine, clock, category="wellbeing")
    commands.claim(engine, concern_id, "gsingh", clock.now())
    commands.add_advice(engine, concern_id, "gsingh", "Advised", clock.now())
    complete_the_record(engine, concern_id, "gsingh", clock.now(), policy)
    task = set_follow_up(
        engine, concern_id, "gsingh", clock.now(), policy, what="Check on the head", owner=None, due="16:00"
    )
    commands.close(engine, concern_id, "gsingh", "Advised and signposted", clock.now(), policy=policy)
    # akhan never held the call, but any senior may act on a follow-up for any senior: so may open it
    commands.record_view(engine, concern_id, "akhan", clock.now())
    assert call_detail(engine, concern_id, "akhan").open_follow_ups[0].id == task
    with pytest.raises(FieldsInvalid, match="say what was done"):
        complete_follow_up(engine, task, "akhan", clock.now(), outcome="done")
    complete_follow_up(engine, task, "akhan", clock.now(), outcome="done", note="Head is back at work")
    detail = call_detail(engine, concern_id, "lpark")
    assert detail.status == "closed" and detail.open_follow_ups == []
    assert detail.timeline[-1].text == "Follow-up #1 done — Head is back at work"
    with pytest.raises(NotPermitted):  # with nothing left to act on, a closed call is the holder's again
        call_detail(engine, concern_id, "akhan")


def test_a_call_back_logs_the_attempt_to_reach_the_caller(engine, clock, policy, held):
    with pytest.raises(FieldsInvalid, match="'0113 496' is not a valid UK number"):
        set_follow_up(
            engine, held, "gsingh", clock.now(), policy, what="Ring", owner="gsingh", due="14:00",
            kind="callback", phone="0113 496",
        )  # fmt: skip
    callback = set_follow_up(
        engine, held, "gsingh", clock.now(), policy, what="Ring after the meeting", owner="gsingh", due="14:00",
        kind="callback", phone="020 7946 0123",
    )  # fmt: skip
    assert "Call back set for Gurpreet Singh, due Wed 18 Nov 2026 14:00 on 020 7946 0123" in (
        call_detail(engine, held, "gsingh").timeline[-1].text
    )
    complete_follow_up(engine, callback, "gsingh", clock.now(), outcome="voicemail", note="Left a message")
    with engine.connect() as connection:
        [attempt] = connection.execute(select(ContactAttempt).where(ContactAttempt.concern_id == held)).all()
    assert (attempt.party, attempt.phone, attempt.channel, attempt.outcome) == (
        "caller",
        "+442079460123",
        "phone",
        "voicemail",
    )
    assert follow_ups(engine, held)[0].contact_id == attempt.id
    assert "Call back #1 called back on 020 7946 0123: voicemail — Left a message" in (
        call_detail(engine, held, "gsingh").timeline[-1].text
    )


def test_a_review_that_needs_follow_up_gives_the_senior_a_follow_up(engine, clock, policy):
    concern_id = log(engine, clock, category="wellbeing")
    commands.claim(engine, concern_id, "gsingh", clock.now())
    commands.add_advice(engine, concern_id, "gsingh", "Advised", clock.now())
    complete_the_record(engine, concern_id, "gsingh", clock.now(), policy)
    commands.close(engine, concern_id, "gsingh", "Done", clock.now(), policy=policy)
    commands.review(engine, concern_id, "lpark", "meets_standard", "", clock.now(), policy)
    assert follow_ups(engine, concern_id) == []
    commands.review(engine, concern_id, "lpark", "needs_follow_up", "Ring the trust back", clock.now(), policy)
    [task] = follow_ups(engine, concern_id)
    assert (task.owner, task.set_by, task.review_id is not None) == ("gsingh", "lpark", True)
    assert task.due_at.replace(tzinfo=dt.UTC) == LONDON_9AM_FRI  # two working days after Wednesday
    due = follow_ups_due(engine, "gsingh", end_of_day(clock.now() + dt.timedelta(days=2)), clock.now().date())
    assert [f.id for f in due] == [task.id]
