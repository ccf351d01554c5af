"""`helpdesk db restore`: a checked backup takes the live database's place; nothing is touched
until the backup is checked; the live files are moved aside whole (its -wal never replayed onto
the restored file); what the restore lost is counted and recorded."""

from __future__ import annotations

import os
import threading

import pytest
from sqlalchemy import func, select, text

from helpdesk.store.admin.backup import anchor_path, back_up
from helpdesk.store.admin.restore import RestoreRefused, restore
from helpdesk.store.db.audit import chain_head, verify_chain
from helpdesk.store.db.engine import make_engine, sqlite_url
from helpdesk.store.db.models import Concern, Event
from helpdesk.store.db.presence import beat, leave
from support import handled, log


@pytest.fixture
def engine(db_path):
    """SQLite here (tests/store/test_restore_postgres.py restores PostgreSQL)."""
    engine = make_engine(sqlite_url(db_path))
    yield engine
    engine.dispose()


@pytest.fixture
def backups(tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    return folder


def calls(engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Concern)) or 0)


def files(folder) -> set[str]:
    return {path.name for path in folder.iterdir()}


@pytest.fixture
def backed_up(engine, clock, backups):
    """Two calls, a backup of them, then three more calls the backup does not hold."""
    handled(engine, clock, days_ago=2)
    log(engine, clock)
    made = back_up(engine, backups / "backup.sqlite", "wcole", clock.now())
    for _ in range(3):
        log(engine, clock)
    return made


def test_a_backup_takes_the_place_of_the_live_database_and_the_loss_is_counted(engine, db_path, clock, backed_up):
    live_head = chain_head(engine)
    inode = db_path.stat().st_ino
    assert (db_path.parent / (db_path.name + "-wal")).exists()  # the live file's log, with writes in it
    done = restore(str(engine.url), engine, backed_up.path, "wcole", clock.now())
    assert done.head == backed_up.head and done.replaced_head == live_head
    assert done.lost == live_head.event_id - backed_up.head.event_id > 0
    # the live file, its -wal and its -shm moved aside together, untouched; a new inode in place
    stamp = clock.now().strftime("%Y%m%dT%H%M%SZ")
    aside = db_path.with_name(f"{db_path.name}.replaced-{stamp}")
    assert done.replaced == aside and aside.stat().st_ino == inode
    assert {f"{aside.name}-wal", f"{aside.name}-shm"} <= files(db_path.parent)
    assert db_path.stat().st_ino != inode
    restored = make_engine(sqlite_url(db_path))
    assert calls(restored) == 2  # the old log was not replayed onto it: 2 calls, not 5
    with restored.connect() as connection:
        kind, details = connection.execute(select(Event.kind, Event.details).order_by(Event.id.desc())).first()
    assert kind == "restored" and f'"events_lost": {done.lost}' in details
    assert verify_chain(restored).intact
    restored.dispose()
    # the replaced database, as it was, still verifies with everything it held
    kept = make_engine(sqlite_url(aside))
    assert calls(kept) == 5 and verify_chain(kept).intact
    kept.dispose()


def test_nothing_is_touched_unless_the_backup_checks(engine, db_path, clock, backed_up, backups):
    before = files(db_path.parent)
    inode = db_path.stat().st_ino

    def refused(source, reason):
        with pytest.raises(RestoreRefused, match=reason):
            restore(str(engine.url), engine, source, "wcole", clock.now())
        assert files(db_path.parent) == before and db_path.stat().st_ino == inode
        assert calls(engine) == 5

    not_a_database = backups / "notes.txt"
    not_a_database.write_text("hello\n" * 100)
    refused(not_a_database, "not a sound backup: it is not a database SQLite can read")
    damaged = backups / "damaged.sqlite"
    data = bytearray(backed_up.path.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 4096] = b"\xff" * 4096
    damaged.write_bytes(bytes(data))
    refused(damaged, "not a sound backup|does not verify|not a helpdesk database")
    edited = backups / "edited.sqlite"
    edited.write_bytes(backed_up.path.read_bytes())
    editing = make_engine(sqlite_url(edited))
    with editing.begin() as connection:  # an insider's edit on the copy
        connection.execute(text("UPDATE concern SET summary = 'nothing happened'"))
    refused(edited, "has a -wal or -shm beside it: it is a database in use")  # the edit is in its -wal
    editing.dispose()  # (the -wal folded into the file)
    refused(edited, "does not verify")
    mismatched = backups / "mismatched.sqlite"
    mismatched.write_bytes(backed_up.path.read_bytes())
    anchor_path(mismatched).write_text(f"{chain_head(engine)}\n")  # another head's anchor beside it
    refused(mismatched, "does not end at the anchor written beside it")
    link = backups / "link.sqlite"
    link.symlink_to(backed_up.path)
    refused(link, "is not a file")
    refused(db_path, "is the live database itself")


def test_a_backup_of_another_database_is_refused(engine, db_path, clock, backed_up, backups):
    other_path = backups / "other" / "helpdesk.sqlite"
    other_path.parent.mkdir()
    other_path.write_bytes(backed_up.path.read_bytes())
    other = make_engine(sqlite_url(other_path))
    log(other, clock)  # a trail that went its own way after the copy
    other.dispose()
    theirs = back_up(make_engine(sqlite_url(other_path)), backups / "theirs.sqlite", "wcole", clock.now())
    with pytest.raises(RestoreRefused, match="is not in the live database's trail: it is a backup of another"):
        restore(str(engine.url), engine, theirs.path, "wcole", clock.now())
    assert calls(engine) == 5


def test_open_consoles_refuse_the_restore_unless_they_are_told_to_close(engine, db_path, clock, backed_up):
    beat(engine, "console-1", "gsingh", None, clock.now())
    with pytest.raises(RestoreRefused, match=r"1 console\(s\) open \(Gurpreet Singh\): ask them to close"):
        restore(str(engine.url), engine, backed_up.path, "wcole", clock.now())
    assert calls(engine) == 5

    # told: the console sees the announcement in the trail and closes (leaves) a moment later
    def console() -> None:
        probe = make_engine(sqlite_url(db_path))
        while True:
            with probe.connect() as connection:
                if connection.scalar(text("SELECT count(*) FROM event WHERE kind = 'restore_announced'")):
                    break
        leave(probe, "console-1")
        probe.dispose()

    closing = threading.Thread(target=console)
    closing.start()
    seen: list[list[str]] = []
    done = restore(
        str(engine.url), engine, backed_up.path, "wcole", clock.now(), stop_consoles=True, waiting=seen.append
    )
    closing.join()
    assert done.lost is not None and done.lost > 0
    # the announcement is in the replaced trail, so lost with it, and counted
    kept = make_engine(sqlite_url(done.replaced))
    with kept.connect() as connection:
        assert connection.scalar(text("SELECT actor FROM event WHERE kind = 'restore_announced'")) == "wcole"
    kept.dispose()


def test_a_console_that_never_closes_stops_the_restore(engine, db_path, clock, backed_up):
    beat(engine, "console-1", "gsingh", None, clock.now())
    with pytest.raises(RestoreRefused, match=r"still open after 1 s \(Gurpreet Singh\); nothing was restored"):
        restore(str(engine.url), engine, backed_up.path, "wcole", clock.now(), stop_consoles=True, wait_seconds=1)
    assert calls(engine) == 5 and db_path.exists()


def test_a_missing_live_database_is_restored(engine, db_path, clock, backed_up):
    url = str(engine.url)
    engine.dispose()
    for suffix in ("", "-wal", "-shm"):
        path = db_path.with_name(db_path.name + suffix)
        if path.exists():
            os.remove(path)
    done = restore(url, None, backed_up.path, "root", clock.now())
    assert done.replaced is None and done.lost is None
    restored = make_engine(url)
    assert calls(restored) == 2 and verify_chain(restored).intact
    restored.dispose()
