"""Calls seen together: other calls about the school or inspection on a call, links between
calls (the queue keeps linked calls together), and a school's history."""

import datetime as dt

import pytest
from sqlalchemy import select, update

from helpdesk.domain.queue import together
from helpdesk.domain.refusals import FieldsInvalid, Refused
from helpdesk.store import commands
from helpdesk.store.acting import NotPermitted
from helpdesk.store.commands.links import link_calls
from helpdesk.store.db.models import Concern, Event, School
from helpdesk.store.queries.call import call_detail
from helpdesk.store.queries.history import school_history
from helpdesk.store.queries.queue import open_queue
from support import complete_the_record, log, seed_queue


def closed_call(engine, clock, policy, urn="930037", days_ago=0, outcome="Advised"):
    concern_id = log(engine, clock, urn=urn, category="wellbeing")
    commands.claim(engine, concern_id, "gsingh", clock.now())
    commands.add_advice(engine, concern_id, "gsingh", "Advised", clock.now())
    complete_the_record(engine, concern_id, "gsingh", clock.now(), policy)
    commands.close(engine, concern_id, "gsingh", outcome, clock.now(), policy=policy)
    with engine.begin() as connection:  # as if it came in `days_ago` days before the clock
        connection.execute(
            update(Concern)
            .where(Concern.id == concern_id)
            .values(received_at=clock.now() - dt.timedelta(days=days_ago))
        )
    return concern_id


def related(engine, clock, concern_id, days=14):
    detail = call_detail(engine, concern_id, "lpark", related_since=clock.now() - dt.timedelta(days=days))
    return [(c.id, c.status, c.link) for c in detail.related]


def test_a_call_lists_the_open_and_recent_calls_about_its_school(engine, clock, policy):
    old = closed_call(engine, clock, policy, days_ago=20)
    recent = closed_call(engine, clock, policy, days_ago=3)
    elsewhere = closed_call(engine, clock, policy, urn="930090", days_ago=1)
    waiting = log(engine, clock)
    this = log(engine, clock)
    assert related(engine, clock, this) == [(waiting, "waiting", None), (recent, "closed", None)]
    assert old not in [c for c, _, _ in related(engine, clock, this)] and elsewhere != recent
    assert related(engine, clock, this, days=30)[-1] == (old, "closed", None)


def test_calls_are_linked_once_either_way_round_and_the_old_one_is_then_listed(engine, clock, policy):
    old = closed_call(engine, clock, policy, days_ago=20)
    this = log(engine, clock)
    with pytest.raises(NotPermitted):
        link_calls(engine, this, old, "rdouglas", "same_matter", clock.now())
    with pytest.raises(FieldsInvalid) as refused:
        link_calls(engine, this, this, "gsingh", "why", clock.now())
    assert set(refused.value.errors) == {"kind", "other"}
    link_calls(engine, this, old, "gsingh", "same_matter", clock.now())
    with pytest.raises(Refused, match=f"Calls {old} and {this} are already linked"):
        link_calls(engine, old, this, "akhan", "same_inspection", clock.now())
    assert related(engine, clock, this) == [(old, "closed", "same_matter")]
    assert (this, "closed", "same_matter") not in related(engine, clock, old)  # it is open
    assert (this, "waiting", "same_matter") in related(engine, clock, old)
    with engine.connect() as connection:
        details = connection.scalar(select(Event.details).where(Event.kind == "calls_linked"))
    assert '"link_kind": "same_matter"' in details and f'"linked_id": {old}' in details
    assert call_detail(engine, this, "lpark").timeline[-1].text == f"Linked with call {old} (same matter)"


def test_the_queue_keeps_linked_calls_together(engine, clock):
    ids = seed_queue(engine, clock, ages_min=(40, 30, 20, 10))
    before = [row.id for row in open_queue(engine)]
    first, last = before[0], before[-1]
    link_calls(engine, last, first, "gsingh", "same_inspection", clock.now())
    rows = open_queue(engine)
    assert [row.id for row in rows] == [first, last, *before[1:-1]]
    assert [row.linked_to for row in rows] == [None, first, None, None]
    assert sorted(ids) == sorted(before)


def test_linked_groups_keep_the_queues_order_inside():
    assert together([1, 2, 3, 4, 5], {}) == [1, 2, 3, 4, 5]
    groups = {5: {2, 5, 4}, 2: {2, 5, 4}, 4: {2, 5, 4}}
    assert together([1, 2, 3, 4, 5], groups) == [1, 2, 4, 5, 3]
    assert together([5, 1, 2], groups) == [5, 2, 1]  # a member closed since is left out


def test_a_schools_history_holds_its_bodys_other_schools_and_outcomes_for_supervisors(engine, clock, policy):
    with engine.connect() as connection:
        body = connection.scalar(select(School.responsible_body_id).where(School.urn == "930037"))
        sibling = connection.scalar(
            select(School.urn).where(School.responsible_body_id == body, School.urn != "930037").limit(1)
        )
    here = closed_call(engine, clock, policy, days_ago=2, outcome="Secret outcome")
    there = closed_call(engine, clock, policy, urn=sibling, days_ago=1) if sibling else None
    waiting = log(engine, clock)
    history = school_history(engine, "lpark", "930037", clock.now().date())
    assert history.school == "Thornhill High School" and history.body
    assert [c.id for c in history.calls] == [waiting, *([there] if there else []), here]
    assert history.calls[-1].outcome == "Secret outcome" and history.calls[-1].decision is None
    assert (
        school_history(engine, "akhan", "930037", clock.now().date()).calls[-1].outcome is None
    )  # a senior: no free text
    assert school_history(engine, "lpark", "999999", clock.now().date()) is None
