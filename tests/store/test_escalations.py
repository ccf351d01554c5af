"""Escalations: raised once, only when due (the store checks), standing while their cause lasts,
recorded in the audit trail; several consoles raising at once raise one."""

import datetime as dt
import multiprocessing

import pytest
from sqlalchemy import func, select

from helpdesk.domain.policy import load_policy
from helpdesk.shipped import shipped_file
from helpdesk.store import commands
from helpdesk.store.commands.escalations import escalate
from helpdesk.store.commands.follow_ups import complete_follow_up, set_follow_up
from helpdesk.store.db.engine import make_engine
from helpdesk.store.db.models import Escalation, Event
from helpdesk.store.queries.call import call_detail
from helpdesk.store.queries.escalations import open_escalations
from support import log


def escalated_events(engine):
    with engine.connect() as connection:
        return connection.execute(
            select(Event.actor, Event.concern_id, Event.details).where(Event.kind == "escalated").order_by(Event.id)
        ).all()


def test_a_waiting_call_is_escalated_once_past_its_target_and_stands_until_claimed(engine, clock, policy):
    urgent = log(engine, clock)  # urgent: a 5-minute target
    clock.advance(minutes=4)
    assert escalate(engine, "akhan", clock.now(), policy, concern_ids=[urgent]) == []  # not yet due
    clock.advance(minutes=2)
    [raised] = escalate(engine, "akhan", clock.now(), policy, concern_ids=[urgent])
    assert escalate(engine, "bmorgan", clock.now(), policy, concern_ids=[urgent]) == []  # once
    [(actor, concern_id, details)] = escalated_events(engine)
    assert (actor, concern_id) == ("akhan", urgent)
    assert '"minutes_over": 1' in details and '"subject": "claim_target"' in details
    assert [e.id for e in open_escalations(engine)] == [raised]
    entry = call_detail(engine, urgent, "lpark").timeline[-1]
    assert entry.actor == "Helpline"  # the service escalated it; a console only noticed
    assert entry.text == (
        "Escalated to supervisors: not claimed within its time-to-claim target; raised 1 min after that. "
        "Noticed by Aisha Khan's console."
    )
    commands.claim(engine, urgent, "gsingh", clock.now())
    assert open_escalations(engine) == []  # its cause is over; the record stays
    assert len(escalated_events(engine)) == 1


def test_an_account_deactivated_since_its_console_opened_raises_nothing(engine, clock, policy):
    from sqlalchemy import update

    from helpdesk.store.acting import NotPermitted
    from helpdesk.store.db.models import Staff

    urgent = log(engine, clock)
    clock.advance(minutes=6)
    with engine.begin() as connection:
        connection.execute(update(Staff).where(Staff.login == "akhan").values(active=False))
    with pytest.raises(NotPermitted):
        escalate(engine, "akhan", clock.now(), policy, concern_ids=[urgent])
    assert escalated_events(engine) == [] and open_escalations(engine) == []


def test_a_claimed_call_is_not_escalated_whatever_a_console_says(engine, clock, policy):
    concern_id = log(engine, clock)
    commands.claim(engine, concern_id, "gsingh", clock.now())
    clock.advance(hours=1)
    assert escalate(engine, "akhan", clock.now(), policy, concern_ids=[concern_id, 999]) == []
    assert escalated_events(engine) == []


def test_a_follow_up_overdue_past_the_policys_minutes_is_escalated(engine, clock, policy):
    concern_id = log(engine, clock)
    commands.claim(engine, concern_id, "gsingh", clock.now())
    follow_up = set_follow_up(engine, concern_id, "gsingh", clock.now(), policy, what="Ring", owner=None, due="10:00")
    clock.advance(hours=1, minutes=59)  # 10:59: 59 minutes overdue
    assert escalate(engine, "lpark", clock.now(), policy, follow_up_ids=[follow_up]) == []
    clock.advance(minutes=2)
    [raised] = escalate(engine, "lpark", clock.now(), policy, follow_up_ids=[follow_up])
    [standing] = open_escalations(engine)
    assert (standing.id, standing.subject, standing.follow_up_id, standing.what) == (
        raised,
        "follow_up",
        follow_up,
        "Ring",
    )
    complete_follow_up(engine, follow_up, "gsingh", clock.now(), outcome="done", note="Rang")
    assert open_escalations(engine) == []


def race_escalate(url, concern_id, login, start, results):
    engine = make_engine(url)
    policy = load_policy(shipped_file("policy.toml"))
    start.wait()
    results.put(
        escalate(engine, login, dt.datetime(2026, 11, 18, 10, 0, tzinfo=dt.UTC), policy, concern_ids=[concern_id])
    )


@pytest.mark.slow  # separate processes
def test_consoles_raising_at_once_raise_one_escalation(engine, clock, database_url):
    ids = [log(engine, clock) for _ in range(5)]
    context = multiprocessing.get_context("spawn")
    for concern_id in ids:
        start, results = context.Event(), context.Queue()
        racers = [
            context.Process(target=race_escalate, args=(database_url, concern_id, login, start, results))
            for login in ("akhan", "bmorgan", "lpark")
        ]
        for racer in racers:
            racer.start()
        start.set()
        raised = [results.get(timeout=60) for _ in racers]
        for racer in racers:
            racer.join(timeout=60)
        assert sorted(len(r) for r in raised) == [0, 0, 1], raised
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Escalation)) == len(ids)
    assert len(escalated_events(engine)) == len(ids)
