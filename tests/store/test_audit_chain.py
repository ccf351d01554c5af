"""The audit trail as a hash chain, attacked as an insider would: with the triggers dropped,
events edited, removed, forged or the whole trail rewritten; and what the database refuses
while its guards are in place."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError
from sqlmodel import Session

from helpdesk.domain.audit_chain import GENESIS, Anchor, event_hash
from helpdesk.store import commands
from helpdesk.store.db.audit import chain_head, verify_chain
from helpdesk.store.db.models import Event
from support import grace_ellis


def some_history(engine, clock, calls=3) -> None:
    concern = grace_ellis()
    for n in range(calls):
        at = clock.now() + dt.timedelta(minutes=n)
        concern_id = commands.log_concern(engine, concern, "rdouglas", at)
        commands.claim(engine, concern_id, "akhan", at)
        commands.add_advice(engine, concern_id, "akhan", "Advice", at)


def events(engine) -> int:
    with engine.connect() as connection:
        return connection.scalar(select(func.count()).select_from(Event))


def as_owner(engine, *statements: str) -> None:
    """Raw SQL with the rights of the database's owner, guards dropped first where asked."""
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def drop_guards(engine) -> list[str]:
    if engine.dialect.name == "postgresql":
        return [
            f"DROP TRIGGER {name} ON event" for name in ("event_no_update", "event_no_delete", "event_extends_chain")
        ]
    return [f"DROP TRIGGER {name}" for name in ("event_no_update", "event_no_delete", "event_extends_chain")]


def row(engine, event_id):
    with Session(engine) as session:
        return session.get(Event, event_id)


def test_a_fresh_trail_is_one_intact_chain(engine, clock):
    some_history(engine, clock)
    report = verify_chain(engine)
    assert report.intact and report.events == events(engine)
    with engine.connect() as connection:
        first = connection.execute(select(Event.prev_hash).order_by(Event.id).limit(1)).scalar()
        hashes = connection.execute(select(Event.hash)).scalars().all()
    assert first == GENESIS and len(set(hashes)) == len(hashes)
    assert report.head == chain_head(engine)


def test_an_event_edited_after_its_triggers_were_dropped_is_caught(engine, clock):
    some_history(engine, clock)
    target = events(engine) - 3
    as_owner(engine, *drop_guards(engine), f"UPDATE event SET actor = 'lpark' WHERE id = {target}")
    report = verify_chain(engine)
    assert not report.intact and report.broken.event_id == target
    assert "changed after it was written" in report.broken.problem
    assert report.events == target - 1  # what came before it still holds


def test_a_deleted_event_is_caught_at_the_next_one(engine, clock):
    some_history(engine, clock)
    target = events(engine) - 2
    as_owner(engine, *drop_guards(engine), f"DELETE FROM event WHERE id = {target}")
    report = verify_chain(engine)
    assert report.broken.event_id == target + 1
    assert f"does not follow event {target - 1}" in report.broken.problem


def test_removing_the_first_events_is_caught(engine, clock):
    some_history(engine, clock)
    as_owner(engine, *drop_guards(engine), "DELETE FROM event WHERE id <= 2")
    assert verify_chain(engine).broken.event_id == 3


@pytest.mark.parametrize("how", ["copied", "invented"])
def test_a_forged_event_inserted_with_a_later_id_is_caught(engine, clock, how):
    some_history(engine, clock)
    head = chain_head(engine)
    real = row(engine, head.event_id - 1)  # the last call's claim
    forged_hash = real.hash if how == "copied" else "ab" * 32
    prev = real.prev_hash if how == "copied" else head.hash
    as_owner(
        engine,
        *drop_guards(engine),
        "INSERT INTO event (id, concern_id, actor, at, kind, details, prev_hash, hash) "
        f"VALUES ({head.event_id + 1}, {real.concern_id}, 'gsingh', '2026-11-18 09:30:00', 'claimed', '{{}}', "
        f"'{prev}', '{forged_hash}')",
    )
    report = verify_chain(engine)
    assert report.broken.event_id == head.event_id + 1
    assert report.events == head.event_id


def test_a_rewrite_that_recomputes_every_hash_is_caught_by_an_anchor_kept_off_the_host(engine, clock):
    """Anyone can recompute SHA-256: a forger who edits an event and rechains everything after
    it leaves a valid-looking chain. The head a supervisor exported earlier no longer matches."""
    some_history(engine, clock)
    anchor = chain_head(engine)
    some_history(engine, clock, calls=1)  # the trail goes on after the anchor was taken
    assert verify_chain(engine, (anchor,)).intact
    statements = drop_guards(engine)
    with Session(engine) as session:
        trail = session.scalars(select(Event).order_by(Event.id)).all()
    previous = GENESIS
    for event in trail:
        actor = "lpark" if event.id == 4 else event.actor
        digest = event_hash(
            id=event.id,
            at=event.at,
            actor=actor,
            kind=event.kind,
            concern_id=event.concern_id,
            details=event.details,
            prev_hash=previous,
            recorded_at=event.recorded_at,
        )
        statements.append(
            f"UPDATE event SET actor = '{actor}', prev_hash = '{previous}', hash = '{digest}' WHERE id = {event.id}"
        )
        previous = digest
    as_owner(engine, *statements)
    assert verify_chain(engine).intact  # without the anchor, the rewrite is invisible
    report = verify_chain(engine, (anchor,))
    assert report.broken.event_id == anchor.event_id and "kept off the host" in report.broken.problem


def test_cutting_back_the_newest_events_is_caught_by_an_anchor(engine, clock):
    some_history(engine, clock)
    anchor = chain_head(engine)
    as_owner(engine, *drop_guards(engine), f"DELETE FROM event WHERE id >= {anchor.event_id - 1}")
    unanchored = verify_chain(engine)
    assert unanchored.broken is None  # a shorter chain is still a chain...
    assert unanchored.record.total >= 1 and not unanchored.intact  # ...but rows it vouched for now say otherwise
    report = verify_chain(engine, (anchor,))
    assert report.broken.event_id == anchor.event_id and "no longer in the trail" in report.broken.problem


def test_an_anchor_parses_as_audit_head_prints_it():
    anchor = Anchor(12, "ab" * 32)
    assert Anchor.parse(str(anchor)) == anchor
    for bad in ("12", "x:" + "ab" * 32, "12:abc", "12:" + "zz" * 32):
        with pytest.raises(ValueError, match="not an anchor"):
            Anchor.parse(bad)


# --- what the database refuses while its guards are in place ------------------------------------


def refused_statements(engine, head) -> list[str]:
    values = f"'rdouglas', '2026-11-18 09:00:00', 'viewed', '{{}}', '{head.hash}', '{'cd' * 32}'"
    columns = "(id, actor, at, kind, details, prev_hash, hash)"
    statements = [
        "UPDATE event SET actor = 'lpark'",
        "DELETE FROM event WHERE id = 1",
        "DELETE FROM event",
        # a new event must be the next id and follow the newest event's hash
        f"INSERT INTO event {columns} VALUES ({head.event_id + 2}, {values})",
        f"INSERT INTO event {columns} VALUES ({head.event_id + 1}, 'rdouglas', '2026-11-18 09:00:00', 'viewed', '{{}}', '{GENESIS}', '{'cd' * 32}')",
        # upserts over an existing event
        f"INSERT INTO event {columns} VALUES (1, {values}) ON CONFLICT (id) DO UPDATE SET actor = 'x'",
    ]
    if engine.dialect.name == "sqlite":
        statements += [
            f"INSERT OR REPLACE INTO event {columns} VALUES (1, {values})",
            f"REPLACE INTO event {columns} VALUES ({head.event_id}, {values})",
            "UPDATE OR REPLACE event SET id = 1 WHERE id = 2",
            f"INSERT OR IGNORE INTO event {columns} VALUES ({head.event_id + 5}, {values})",
        ]
    else:
        statements += ["TRUNCATE event", "TRUNCATE event CASCADE", "TRUNCATE concern CASCADE"]
    return statements


def test_the_database_refuses_every_way_of_changing_or_slipping_in_an_event(engine, clock):
    some_history(engine, clock)
    head = chain_head(engine)
    with engine.connect() as connection:
        before = connection.execute(text("SELECT * FROM event ORDER BY id")).all()
    for statement in refused_statements(engine, head):
        with pytest.raises(DatabaseError, match="append-only"):
            as_owner(engine, statement)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT * FROM event ORDER BY id")).all() == before
    assert verify_chain(engine).intact


def test_sqlite_refuses_through_its_own_command_line_library_too(engine, clock):
    """The same guards hold for anyone who opens the file with plain sqlite3 (no helpdesk code)."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    some_history(engine, clock)
    with sqlite3.connect(engine.url.database) as raw:
        for statement in (
            "UPDATE event SET actor = 'x'",
            "DELETE FROM event",
            "INSERT OR REPLACE INTO event SELECT * FROM event",
        ):
            with pytest.raises(sqlite3.DatabaseError, match="append-only"):
                raw.execute(statement)
    assert verify_chain(engine).intact


def test_a_trail_swapped_for_an_empty_one_is_caught_by_the_calls_it_no_longer_holds(engine, clock):
    """SQLite lets anyone who can write the file rename a table (its triggers go with it) and make
    an empty one in its place: no event was altered, yet the calls on record have no events."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the consoles' role cannot rename tables on PostgreSQL (test_postgres_roles)")
    some_history(engine, clock)
    with engine.begin() as connection:
        columns = connection.execute(text("SELECT sql FROM sqlite_master WHERE name = 'event'")).scalar()
        connection.execute(text("ALTER TABLE event RENAME TO event_hidden"))
        connection.execute(text(columns))  # the same table, empty
    report = verify_chain(engine)
    assert not report.intact and report.broken.event_id is None
    assert "have no 'logged' event in the trail" in report.broken.problem


def test_a_claim_whose_event_the_database_refuses_does_not_stand(engine, clock, monkeypatch):
    """The claim's UPDATE and its event commit together (on PostgreSQL the event's INSERT and the
    COMMIT go to the server in one exchange): if the event cannot be written, the call is still
    waiting and no one holds it."""
    from helpdesk.store.db import audit
    from helpdesk.store.db.models import Concern

    concern_id = commands.log_concern(engine, grace_ellis(), "rdouglas", clock.now())
    before = events(engine)

    honest = audit.chained

    def forged(**fields):  # an event that does not follow the head: the database refuses it
        return honest(**{**fields, "prev_hash": "0" * 64})

    monkeypatch.setattr(audit, "chained", forged)
    with pytest.raises(DatabaseError):
        commands.claim(engine, concern_id, "akhan", clock.now())
    monkeypatch.undo()
    with Session(engine) as session:
        call = session.get(Concern, concern_id)
        assert (call.status, call.claimed_by) == ("waiting", None)
    assert events(engine) == before
    commands.claim(engine, concern_id, "akhan", clock.now())  # and it can be claimed afterwards
    assert verify_chain(engine).intact
    assert events(engine) == before + 1


# --- event times never go backwards ----------------------------------------------------------------


def forged_next(engine, *, recorded_at, actor="mokafor", at="2026-11-18 08:00:00"):
    """An INSERT of the next event, its hash computed correctly over what it says: in another
    person's name, about a time before the events it follows, recorded when `recorded_at` says."""
    head = chain_head(engine)
    details = "{}"
    moment = dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC)
    digest = event_hash(
        id=head.event_id + 1,
        at=moment,
        actor=actor,
        kind="viewed",
        concern_id=None,
        details=details,
        prev_hash=head.hash,
        recorded_at=recorded_at,
    )
    stamp = "NULL" if recorded_at is None else f"'{recorded_at.strftime('%Y-%m-%d %H:%M:%S.%f')}'"
    if engine.dialect.name == "postgresql" and recorded_at is not None:
        stamp = f"'{recorded_at.isoformat()}'"
    return (
        "INSERT INTO event (id, actor, at, kind, details, prev_hash, hash, recorded_at) VALUES "
        f"({head.event_id + 1}, '{actor}', '{at}', 'viewed', '{details}', '{head.hash}', '{digest}', {stamp})"
    )


def newest_recorded(engine) -> dt.datetime:
    with engine.connect() as connection:
        moment = connection.scalar(select(Event.recorded_at).order_by(Event.id.desc()).limit(1))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def test_every_new_event_is_recorded_in_time_order_by_the_clock(engine, clock):
    """The business time of the commands here is a fixed November morning; the time of
    recording is the clock's, in order along the chain."""
    some_history(engine, clock)
    with engine.connect() as connection:
        times = connection.scalars(select(Event.recorded_at).order_by(Event.id)).all()
    assert None not in times and times == sorted(times)
    assert abs(newest_recorded(engine) - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    "when, refused",
    [
        (lambda head: head - dt.timedelta(seconds=1), "cannot be recorded before the one it follows"),
        (lambda head: None, "cannot be recorded before the one it follows"),  # no time at all
        (lambda head: head + dt.timedelta(days=365), "recorded at a time off that clock"),  # blocks the rest
        (lambda head: head - dt.timedelta(days=1), "cannot be recorded before the one it follows"),
    ],
)
def test_the_database_refuses_an_event_recorded_out_of_time(engine, clock, when, refused):
    """With the guards in place (the consoles' own rights), an event that extends the chain with a
    correct hash, in another person's name and about an earlier moment, is still refused if it is
    recorded before the event it follows, without a time, or off the database's clock."""
    some_history(engine, clock)
    with pytest.raises(DatabaseError, match=refused):
        as_owner(engine, forged_next(engine, recorded_at=when(newest_recorded(engine))))
    assert verify_chain(engine).intact


def test_an_event_recorded_before_the_one_it_follows_is_named_by_verify(engine, clock):
    """An insider who can drop the guards (the owner; anyone who can write the SQLite file) slips
    in an event with a correct hash, timed before the event it follows: `verify` names it."""
    some_history(engine, clock)
    head = chain_head(engine)
    earlier = newest_recorded(engine) - dt.timedelta(hours=2)
    as_owner(engine, *drop_guards(engine), forged_next(engine, recorded_at=earlier))
    report = verify_chain(engine)
    assert report.broken.event_id == head.event_id + 1
    assert f"before event {head.event_id} that it follows" in report.broken.problem
    assert "the trail's times go backwards" in report.broken.problem


def test_an_event_without_a_time_of_recording_after_those_with_one_is_named_by_verify(engine, clock):
    some_history(engine, clock)
    head = chain_head(engine)
    as_owner(engine, *drop_guards(engine), forged_next(engine, recorded_at=None))
    report = verify_chain(engine)
    assert report.broken.event_id == head.event_id + 1 and "no time of recording" in report.broken.problem


@pytest.mark.parametrize("beside", [False, True], ids=["one process", "the record checked beside"])
def test_calls_written_while_verify_walks_are_not_taken_for_tampering(engine, clock, monkeypatch, beside):
    """`verify` reads the trail, the record and the calls as one moment of the database: work
    the helpline does while it walks (the nightly run on a live database) is neither named as
    rows no event accounts for nor as calls whose story disagrees. The same when the record is
    checked by a second process (as on a long trail): it reads the same moment."""
    from helpdesk.store.db import audit

    some_history(engine, clock, calls=2)
    before = events(engine)
    walked = audit.chained_events

    def busy_helpline(*args, **kwargs):
        for n, event in enumerate(walked(*args, **kwargs)):
            if n == 1:  # meanwhile, on another connection: a call logged, claimed, advised
                some_history(engine, clock, calls=1)
            yield event

    monkeypatch.setattr(audit, "chained_events", busy_helpline)
    report = verify_chain(engine, beside=beside)
    assert report.intact, (report.broken, report.record, report.story)
    assert report.events == before < events(engine)  # what was written meanwhile is for the next run


def test_the_record_checked_beside_names_what_one_process_names(engine, clock):
    """A second process checking the record (a long trail) finds the same rows changed, removed
    and slipped in as one process does, and reports them the same way."""
    some_history(engine, clock, calls=3)
    alone = verify_chain(engine, beside=True)
    assert alone.intact and alone.record is not None and alone.record.rows > 0
    as_owner(
        engine,
        "UPDATE advice SET text = 'Told the head to carry on' WHERE id = 1",
        "DELETE FROM advice WHERE id = 2",
        "INSERT INTO advice (concern_id, author, text, at) SELECT concern_id, author, 'forged', at FROM advice WHERE id = 3",
    )
    one, two = verify_chain(engine, beside=False), verify_chain(engine, beside=True)
    assert one.record is not None and one.record.total == 3
    assert two.record == one.record and two.story == one.story and two.events == one.events
    assert not two.intact
