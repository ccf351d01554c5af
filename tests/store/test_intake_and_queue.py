import datetime as dt
import json
import threading

import pytest
from sqlalchemy import select

from helpdesk.domain.intake import ConcernInvalid
from helpdesk.store.commands.intake import log_concern
from helpdesk.store.commands.taking import ClaimRefused, claim
from helpdesk.store.db.changes import ChangeFeed
from helpdesk.store.db.models import Concern, Event, Inspection
from helpdesk.store.queries import queue
from helpdesk.store.rows import queue_counts
from support import grace_ellis, seed_queue


def a_concern(**changes):
    return grace_ellis(**{"summary": "Head is distressed after day one.", **changes})


def test_logging_a_concern_writes_it_and_one_event_without_personal_data(engine, clock):
    concern_id = log_concern(engine, a_concern(urgent=True), "rdouglas", clock.now())
    with engine.connect() as connection:
        row = connection.execute(select(Concern).where(Concern.id == concern_id)).one()._mapping
        events = connection.execute(
            select(Event.kind, Event.actor, Event.details).where(Event.concern_id == concern_id)
        ).all()
    assert row["status"] == "waiting" and row["priority"] == 0
    assert row["caller_phone"] == "+441134960777"
    assert [(kind, actor) for kind, actor, _ in events] == [("logged", "rdouglas")]
    details = json.loads(events[0][2])
    sealed = details.pop("rows")  # the new call's digest (hexadecimal): nothing personal in it
    assert list(sealed) == [f"concern:{concern_id}"] and len(sealed[f"concern:{concern_id}"]) == 64
    text = json.dumps(details)
    assert "Grace" not in text and "496" not in text and "distressed" not in text
    assert details == {"category": "wellbeing", "urgent": True, "urn": "930037"}


def test_an_unknown_urn_is_refused_and_nothing_is_written(engine, clock):
    with pytest.raises(ConcernInvalid) as refused:
        log_concern(engine, a_concern(urn="123456"), "rdouglas", clock.now())
    assert refused.value.errors == {"urn": "No school with URN 123456"}
    assert queue.list_concerns(engine) == []


def test_an_unknown_or_mismatched_inspection_is_refused(engine, clock):
    with pytest.raises(ConcernInvalid, match="No inspection with reference NOPE"):
        log_concern(engine, a_concern(inspection_ref="NOPE"), "rdouglas", clock.now())
    with engine.connect() as connection:
        other = connection.execute(
            select(Inspection.reference, Inspection.urn).where(Inspection.urn != "930037")
        ).first()
    with pytest.raises(ConcernInvalid, match="is not of URN 930037"):
        log_concern(engine, a_concern(inspection_ref=other.reference), "rdouglas", clock.now())


def test_the_current_inspection_is_linked_when_none_is_given(engine, clock):
    with engine.connect() as connection:
        current = connection.execute(
            select(Inspection.id, Inspection.urn).where(
                Inspection.start_date <= clock.now().date(), Inspection.end_date >= clock.now().date()
            )
        ).first()
    concern_id = log_concern(engine, a_concern(urn=current.urn), "rdouglas", clock.now())
    with engine.connect() as connection:
        assert connection.scalar(select(Concern.inspection_id).where(Concern.id == concern_id)) == current.id


def test_the_queue_is_urgent_first_then_oldest(engine, clock):
    now = clock.now()
    ids = {}
    for name, minutes, urgent in [
        ("old", 30, False),
        ("new-urgent", 1, True),
        ("mid", 10, False),
        ("old-urgent", 20, True),
    ]:
        ids[name] = log_concern(engine, a_concern(urgent=urgent), "rdouglas", now - dt.timedelta(minutes=minutes))
    rows = queue.open_queue(engine)
    assert [row.id for row in rows] == [ids["old-urgent"], ids["new-urgent"], ids["old"], ids["mid"]]
    assert rows[0].school and rows[0].received_at.tzinfo is not None


def test_claimed_concerns_stay_in_the_queue_with_their_holder(engine, clock):
    ids = seed_queue(engine, clock, ages_min=(5, 4))
    claim(engine, ids[0], "akhan", clock.now())
    rows = {row.id: row for row in queue.open_queue(engine)}
    assert rows[ids[0]].status == "claimed" and rows[ids[0]].claimed_by_name == "Aisha Khan"
    counts = queue_counts(list(rows.values()))
    assert (counts.waiting, counts.claimed) == (1, 1)


def test_a_second_claim_is_told_who_holds_the_call(engine, clock):
    [concern_id] = seed_queue(engine, clock, ages_min=(5,))
    claim(engine, concern_id, "akhan", clock.now())
    with pytest.raises(ClaimRefused, match=r"Already claimed by Aisha Khan at 09:00"):
        claim(engine, concern_id, "bmorgan", clock.now())
    with engine.connect() as connection:
        assert connection.scalar(select(Concern.claimed_by).where(Concern.id == concern_id)) == "akhan"
        kinds = connection.scalars(select(Event.kind).where(Event.concern_id == concern_id)).all()
    assert kinds == ["logged", "claimed"]


def test_the_change_feed_sees_commits_from_other_connections(engine, clock):
    feed = ChangeFeed(engine)
    assert feed.wait(0) is False  # primes
    assert feed.wait(0.05) is False
    seed_queue(engine, clock, ages_min=(1,))
    assert feed.wait(5) is True
    assert feed.wait(0.05) is False
    feed.close()


def test_a_stopped_change_feed_stops_waiting(engine):
    """A console that quits does not sit out the rest of the feed's wait."""
    stopped = threading.Event()
    feed = ChangeFeed(engine, stopped)
    feed.wait(0)
    answers = []
    waiter = threading.Thread(target=lambda: answers.append(feed.wait(600)))
    waiter.start()
    stopped.set()
    waiter.join(timeout=30)
    assert not waiter.is_alive() and answers == [False]
    feed.close()
