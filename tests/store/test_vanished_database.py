"""A SQLite file deleted or replaced under a running console: every write is refused with the
database-unavailable sentence, nothing is acknowledged and lost, and no empty database is made
in its place."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import func, select

from helpdesk.store import commands
from helpdesk.store.db.engine import make_engine, sqlite_url
from helpdesk.store.db.models import Concern, Event
from helpdesk.store.desk import Desk
from helpdesk.store.faults import DatabaseUnavailable
from helpdesk.store.queries.queue import staff_member
from support import grace_ellis, seed_queue


def companions(path):
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


def test_writes_into_a_deleted_database_are_refused_and_nothing_is_recreated(db_path, clock, policy):
    engine = make_engine(sqlite_url(db_path))
    [concern_id] = seed_queue(engine, clock, ages_min=(3,))
    desk = Desk(engine, staff_member(engine, "akhan"), clock, policy)
    desk.claim(concern_id)  # the pool now holds open connections to the file
    for path in companions(db_path):
        path.unlink(missing_ok=True)
    for attempt in range(46):
        with pytest.raises(DatabaseUnavailable, match="is gone; nothing was saved"):
            desk.add_advice(concern_id, f"note {attempt}")
    with pytest.raises(DatabaseUnavailable, match="is gone"):
        desk.open_queue()
    with pytest.raises(DatabaseUnavailable, match="is gone"):
        commands.log_concern(engine, desk_concern(), "rdouglas", clock.now())
    assert not db_path.exists()  # no empty database was made in its place
    engine.dispose()


def desk_concern():

    return grace_ellis()


def test_writes_into_a_replaced_database_are_refused_and_the_new_file_is_untouched(db_path, tmp_path, clock):
    engine = make_engine(sqlite_url(db_path))
    [concern_id] = seed_queue(engine, clock, ages_min=(3,))
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    spare = tmp_path / "restored.sqlite"
    shutil.copy(db_path, spare)
    db_path.unlink()
    spare.rename(db_path)  # someone puts a backup in place under the running console
    with pytest.raises(DatabaseUnavailable, match="was replaced since this console opened it"):
        commands.claim(engine, concern_id, "akhan", clock.now())
    engine.dispose()
    fresh = make_engine(sqlite_url(db_path))  # a console started now opens the new file
    with fresh.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Event).where(Event.kind == "claimed")) == 0
        assert connection.scalar(select(Concern.status).where(Concern.id == concern_id)) == "waiting"
    fresh.dispose()
