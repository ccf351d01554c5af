"""`helpdesk db backup`: an online copy, checked before it is kept, with its anchor beside it."""

from __future__ import annotations

import stat
import subprocess
import threading

import pytest
from sqlalchemy import func, select, text

from helpdesk.store import commands
from helpdesk.store.admin.backup import BackupRefused, anchor_path, back_up
from helpdesk.store.db.audit import chain_head, verify_chain
from helpdesk.store.db.engine import make_engine, sqlite_url
from helpdesk.store.db.models import Concern
from support import handled, log


def calls(engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Concern)) or 0)


def test_a_backup_made_while_a_console_writes_is_whole_checked_and_anchored(engine, clock, tmp_path):
    for days in (1, 2):
        handled(engine, clock, days_ago=days)
    stop, written = threading.Event(), []

    def console() -> None:  # keeps logging calls throughout
        while not stop.is_set():
            written.append(log(engine, clock))

    writer = threading.Thread(target=console)
    writer.start()
    try:
        dest = tmp_path / "copy"
        made = back_up(engine, dest, "wcole", clock.now())
    finally:
        stop.set()
        writer.join()
    assert written, "the console wrote nothing meanwhile"
    assert anchor_path(dest).read_text() == f"{made.head}\n"
    for path in (dest, anchor_path(dest)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with engine.connect() as connection:
        kinds = connection.scalars(text("SELECT kind FROM event ORDER BY id DESC LIMIT 20")).all()
    assert "backed_up" in kinds  # recorded in the live trail
    assert verify_chain(engine).intact
    if engine.dialect.name == "sqlite":
        copy = make_engine(sqlite_url(dest))
        report = verify_chain(copy, anchors=(made.head,))
        assert report.intact and report.head == made.head
        assert 2 <= calls(copy) <= calls(engine)
        copy.dispose()
    else:
        listed = subprocess.run(["pg_restore", "--list", str(dest)], capture_output=True, text=True, check=True)
        assert "TABLE DATA public event" in listed.stdout
        assert made.head is not None and made.head.event_id <= chain_head(engine).event_id


def test_a_backup_never_overwrites_and_never_writes_through_a_link(engine, clock, tmp_path):
    taken = tmp_path / "taken"
    taken.write_text("someone's file")
    with pytest.raises(BackupRefused, match="exists already: a backup never overwrites"):
        back_up(engine, taken, "wcole", clock.now())
    assert taken.read_text() == "someone's file"
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")
    with pytest.raises(BackupRefused, match="exists already"):
        back_up(engine, tmp_path / "link", "wcole", clock.now())
    assert not (tmp_path / "nowhere").exists()
    (tmp_path / "beside.anchor").write_text("old")
    with pytest.raises(BackupRefused, match="beside.anchor exists already"):
        back_up(engine, tmp_path / "beside", "wcole", clock.now())
    with pytest.raises(BackupRefused, match="no such folder"):
        back_up(engine, tmp_path / "missing" / "copy", "wcole", clock.now())
    left = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("helpdesk"))
    assert left == ["beside.anchor", "link", "taken"]  # nothing left over


def test_a_copy_that_does_not_verify_is_not_kept(tmp_path, clock):
    """An insider's edit on the live file travels into the copy: the copy is checked, refused
    and nothing is left at DEST."""
    import shutil
    import sqlite3

    from helpdesk.store.admin.demo import import_samples

    path = tmp_path / "live.sqlite"
    engine = make_engine(sqlite_url(path), create=True)
    from helpdesk.store.db.schema import upgrade

    upgrade(engine)
    import_samples(engine, clock.now(), "root")
    concern_id = log(engine, clock)
    commands.claim(engine, concern_id, "gsingh", clock.now())
    engine.dispose()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE concern SET summary = 'rewritten' WHERE id = ?", (concern_id,))
    engine = make_engine(sqlite_url(path))
    with pytest.raises(BackupRefused, match="the copy did not verify"):
        back_up(engine, tmp_path / "copy", "wcole", clock.now())
    assert not (tmp_path / "copy").exists() and not anchor_path(tmp_path / "copy").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".helpdesk-backup-")] == []
    engine.dispose()
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_an_older_copy_checked_against_a_newer_anchor_says_how_far_short_it_falls(db_path, clock, tmp_path):
    """Known good or known incomplete: a copy made before the newest anchor never verifies as
    intact against it, and says how many events it lacks (a SQLite copy: a database file)."""
    engine = make_engine(sqlite_url(db_path))
    handled(engine, clock, days_ago=1)
    made = back_up(engine, tmp_path / "older", "wcole", clock.now())
    for _ in range(3):
        log(engine, clock)
    newer = chain_head(engine)
    copy = make_engine(sqlite_url(tmp_path / "older"))
    assert verify_chain(copy, anchors=(made.head,)).intact  # whole as of its own anchor
    report = verify_chain(copy, anchors=(made.head, newer))
    assert not report.intact and report.broken.event_id == newer.event_id
    short = newer.event_id - made.head.event_id
    assert f"the trail ends at event {made.head.event_id}, at least {short} event(s) short" in report.broken.problem
    copy.dispose()
    engine.dispose()
