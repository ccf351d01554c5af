"""`helpdesk db restore SRC`: a checked backup takes the place of the live database (SQLite
below; PostgreSQL at the end of the module).

Nothing is touched until the backup has been checked: it is copied into a private folder beside
the database (same file system, so it can be renamed into place whole), and that copy must pass
SQLite's integrity check and the whole of `audit verify`, and match the anchor written beside
the backup. The live database's trail must hold the backup's head (a backup of this database,
not of another), unless the live file cannot be read at all.

Consoles open on the database are refused unless the restorer asks to stop them: then an event
tells every console (a banner; it closes itself) and the restore waits until none is open.

The live file is never written into and its write-ahead log never replayed onto the restored
one: the live file, its `-wal` and its `-shm` are moved aside together (renamed, with the time of
the restore), and the checked copy is renamed into the place (a new inode: a console still
holding the old file refuses every write, as it does for a replaced file). The restored trail
then records the restore, with how many events of the replaced trail it lost.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, make_url, select, text
from sqlalchemy.exc import DatabaseError, OperationalError
from sqlalchemy.pool import NullPool
from sqlmodel import col

from helpdesk.domain.audit_chain import Anchor
from helpdesk.domain.refusals import Refused
from helpdesk.domain.types import EventKind
from helpdesk.store.admin.backup import (
    Checked,
    DumpUnsound,
    anchor_path,
    restore_and_verify,
    scratch_database,
    verify_sqlite_file,
)
from helpdesk.store.db.audit import chain_head, record_event
from helpdesk.store.db.engine import companions, make_engine, sqlite_file, sqlite_url
from helpdesk.store.db.models import Event
from helpdesk.store.db.presence import open_consoles
from helpdesk.store.db.schema import console_role, grant_console_role
from helpdesk.store.db.transaction import writing

Progress = Callable[[int, int], None]  # bytes copied so far, bytes in all
Waiting = Callable[[list[str]], None]  # the consoles still open, while the restore waits for them
STOP_WAIT_SECONDS = 120.0  # how long a restore waits for the consoles it asked to close


class RestoreRefused(Refused):
    """Nothing was restored; str() says why."""


@dataclass(frozen=True)
class Restored:
    source: Path
    head: Anchor | None  # the backup's head: the restored trail up to the restore's own event
    replaced: Path | str | None  # where the database it replaced now is (PostgreSQL: its new name)
    replaced_head: Anchor | None  # that database's head (None: it could not be read)
    lost: int | None  # events of the replaced trail the restored one does not hold (None: unknown)


def restore(
    database_url: str,
    engine: Engine | None,
    source: Path,
    actor: str,
    now: dt.datetime,
    stop_consoles: bool = False,
    progress: Progress | None = None,
    waiting: Waiting | None = None,
    wait_seconds: float = STOP_WAIT_SECONDS,
    checked: Checked | None = None,
) -> Restored:
    """Restore `source` in the place of the database at `database_url`; `engine` is the live
    database's, or None when it is missing or cannot be opened."""
    live = sqlite_file(database_url)
    if live is None:
        return restore_postgres(database_url, engine, source, actor, now, stop_consoles, waiting, wait_seconds, checked)
    source = Path(os.path.abspath(source))
    if source.is_symlink() or not source.is_file():
        raise RestoreRefused(f"{source} is not a file (a symbolic link is not followed)")
    if source == live or source in companions(live):
        raise RestoreRefused(f"{source} is the live database itself")
    if any(path.exists() for path in companions(source)[1:]):
        raise RestoreRefused(
            f"{source} has a -wal or -shm beside it: it is a database in use (its newest writes may be in the -wal), "
            "not a backup; make one with `helpdesk db backup`"
        )
    work = Path(tempfile.mkdtemp(prefix=".helpdesk-restore-", dir=live.parent))  # 0700, beside the live file
    try:
        copy = work / "restored.sqlite"
        _copy(source, copy, progress)
        head = _checked(copy, source, checked)
        replaced_head = lost = None
        if engine is not None:
            _lost(engine, head, _live_head(engine))  # refused now if it is another database's backup
            _close_consoles(engine, actor, now, stop_consoles, waiting, wait_seconds)
            replaced_head = _live_head(engine)  # with what was written while consoles closed
            lost = _lost(engine, head, replaced_head)
            engine.dispose()
        replaced = _move_aside(live, now)
        _take_the_place(copy, live, replaced)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _record_restore(sqlite_url(live), actor, now, head, replaced_head, lost)
    return Restored(source, head, replaced, replaced_head, lost)


def _record_restore(
    url: str, actor: str, now: dt.datetime, head: Anchor | None, replaced_head: Anchor | None, lost: int | None
) -> None:
    """The restored trail records the restore: by whom, the backup's head, the replaced trail's
    head and how many of its events the backup did not hold. On PostgreSQL the consoles' role is
    granted again: what a database's own grants hold is not in a dump."""
    restored = make_engine(url)
    try:
        with writing(restored) as session:
            record_event(
                session,
                actor=actor,
                kind=EventKind.RESTORED,
                at=now,
                backup_head=head.event_id if head else 0,
                replaced_head=replaced_head.event_id if replaced_head else None,
                events_lost=lost,
            )
        if restored.dialect.name == "postgresql" and (role := console_role(restored)):
            grant_console_role(restored, role)
    finally:
        restored.dispose()


def _copy(source: Path, copy: Path, progress: Progress | None) -> None:
    total = source.stat().st_size
    done = 0
    with open(source, "rb") as reading, open(copy, "xb") as out:
        while chunk := reading.read(1 << 20):
            out.write(chunk)
            done += len(chunk)
            if progress:
                progress(done, total)
        out.flush()
        os.fsync(out.fileno())


def _checked(copy: Path, source: Path, progress: Checked | None) -> Anchor | None:
    """The copy's integrity and whole trail, and its head against the anchor beside the backup."""
    try:
        report = verify_sqlite_file(copy, progress)
    except Refused as refused:
        raise RestoreRefused(f"{source} is not a sound backup: {refused}; nothing was restored") from None
    if not report.intact:
        raise RestoreRefused(
            f"{source} does not verify (`helpdesk audit verify --db sqlite:///{source}` names why); nothing was restored"
        )
    written = anchor_path(source)
    if written.is_file() and not written.is_symlink():
        text = written.read_text(encoding="utf-8").strip()
        if text and (report.head is None or Anchor.parse(text) != report.head):
            raise RestoreRefused(
                f"{source} does not end at the anchor written beside it ({text}); nothing was restored"
            )
    return report.head


def _live_head(engine: Engine) -> Anchor | None:
    """The live trail's head: the newest anchor there is. None if the live file cannot be read
    (missing or damaged: what a restore is for)."""
    try:
        return chain_head(engine)
    except (DatabaseError, OperationalError):
        return None


def _lost(engine: Engine, head: Anchor | None, replaced_head: Anchor | None) -> int | None:
    """How many events of the live trail the backup does not hold; refused if the backup is not
    an earlier state of this very database."""
    if replaced_head is None:
        return None
    if head is None:
        return replaced_head.event_id
    with engine.connect() as connection:
        there = connection.scalar(select(col(Event.hash)).where(col(Event.id) == head.event_id))
    if there != head.hash:
        raise RestoreRefused(
            f"the backup's newest event ({head}) is not in the live database's trail: it is a backup of another "
            "database, or of a trail since rewritten; nothing was restored (move the live database aside by hand "
            "first if it must be replaced all the same)"
        )
    return replaced_head.event_id - head.event_id


def _close_consoles(
    engine: Engine, actor: str, now: dt.datetime, stop: bool, waiting: Waiting | None, wait_seconds: float
) -> None:
    try:
        open_now = open_consoles(engine, now)
    except (DatabaseError, OperationalError):
        return  # no presence to read: the live file is gone or damaged, and no console can write to it
    if not open_now:
        return
    if not stop:
        raise RestoreRefused(
            f"{len(open_now)} console(s) open ({', '.join(open_now)}): ask them to close, or pass --stop-consoles "
            "to tell them to and wait; nothing was restored"
        )
    with writing(engine) as session:
        record_event(session, actor=actor, kind=EventKind.RESTORE_ANNOUNCED, at=now, consoles=len(open_now))
    started = time.monotonic()
    while open_now and time.monotonic() - started < wait_seconds:
        if waiting:
            waiting(open_now)
        time.sleep(0.5)
        open_now = open_consoles(engine, now + dt.timedelta(seconds=time.monotonic() - started))
    if open_now:
        raise RestoreRefused(
            f"{len(open_now)} console(s) still open after {wait_seconds:.0f} s ({', '.join(open_now)}); nothing was restored"
        )


def _move_aside(live: Path, now: dt.datetime) -> Path | None:
    """The live file with its -wal and -shm, renamed together: never replayed, never written."""
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    aside = live.with_name(f"{live.name}.replaced-{stamp}")
    moved = None
    for path in companions(live):  # the file, then its -wal and -shm
        if path.exists():
            target = aside.with_name(aside.name + path.name[len(live.name) :])
            if target.exists():
                raise RestoreRefused(f"{target} exists already; nothing was restored")
            os.rename(path, target)
            moved = moved or (aside if path == live else None)
    return moved


def _take_the_place(copy: Path, live: Path, replaced: Path | None) -> None:
    """The checked copy, with the replaced file's mode, owner and group, renamed into place."""
    if replaced is not None:
        was = replaced.stat()
        os.chmod(copy, stat.S_IMODE(was.st_mode))
        if os.geteuid() == 0:
            os.chown(copy, was.st_uid, was.st_gid)
    else:
        os.chmod(copy, 0o660 if live.parent.stat().st_mode & stat.S_ISGID else 0o600)
    os.rename(copy, live)


# --- PostgreSQL ---------------------------------------------------------------------------------


def restore_postgres(
    database_url: str,
    engine: Engine | None,
    source: Path,
    actor: str,
    now: dt.datetime,
    stop_consoles: bool = False,
    waiting: Waiting | None = None,
    wait_seconds: float = STOP_WAIT_SECONDS,
    checked: Checked | None = None,
) -> Restored:
    """A `pg_dump` custom-format backup restored into a new database beside the live one and
    checked there (the whole of `audit verify`, and the anchor written beside the backup in its
    trail) before anything else is touched; then, with the consoles closed, the live database is
    renamed aside and the restored one renamed into its place (never restored into the live
    database: a half-done restore could never be told from a whole one). Run by the database's
    owner (or a superuser), who may create databases."""
    if engine is None:
        raise RestoreRefused("the PostgreSQL database cannot be reached: start it, then restore")
    tool = shutil.which("pg_restore")
    if tool is None:
        raise RestoreRefused(
            "pg_restore is not on the PATH: install PostgreSQL's client tools (the postgresql-client package)"
        )
    source = Path(os.path.abspath(source))
    if source.is_symlink() or not source.is_file():
        raise RestoreRefused(f"{source} is not a file (a symbolic link is not followed)")
    listed = subprocess.run([tool, "--list", str(source)], capture_output=True, text=True, check=False)
    if listed.returncode != 0 or "TABLE DATA public event" not in listed.stdout:
        raise RestoreRefused(f"{source} is not a backup made by `helpdesk db backup` (pg_dump's custom format)")
    url = make_url(database_url)
    name = url.database or ""
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%d%H%M%S")
    aside = f"{name}_replaced_{stamp}"
    renamed = False
    try:
        with scratch_database(database_url, f"{name}_restoring_{stamp}", keep=lambda: renamed) as scratch:
            written = anchor_path(source)
            anchor = None
            if written.is_file() and not written.is_symlink() and (said := written.read_text(encoding="utf-8").strip()):
                anchor = Anchor.parse(said)
            head = restore_and_verify(tool, scratch, source, anchor, checked)
            _lost(engine, head, _live_head(engine))  # refused now if it is another database's backup
            _close_consoles(engine, actor, now, stop_consoles, waiting, wait_seconds)
            replaced_head = _live_head(engine)
            lost = _lost(engine, head, replaced_head)
            engine.dispose()
            _swap(url, str(scratch.database), aside)
            renamed = True
    except DumpUnsound as unsound:
        raise RestoreRefused(f"{unsound}; nothing was restored") from None
    _record_restore(database_url, actor, now, head, replaced_head, lost)
    return Restored(source, head, aside, replaced_head, lost)


def _swap(url: URL, restored: str, aside: str) -> None:
    """The live database renamed aside and the restored one renamed into its place, once no
    other connection to the live one remains (named, and the restore refused, otherwise)."""
    name = url.database or ""
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    quote = server.dialect.identifier_preparer.quote
    try:
        with server.connect() as connection:
            others = connection.scalars(
                text(
                    "SELECT DISTINCT coalesce(usename, '?') || coalesce(' (' || nullif(application_name, '') || ')', '') "
                    "FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            ).all()
            if others:
                raise RestoreRefused(
                    f"{len(others)} other connection(s) to {name} ({', '.join(others)}): stop them (the alert "
                    "sender, a report) and restore again; nothing was restored"
                )
            connection.execute(text(f"ALTER DATABASE {quote(name)} RENAME TO {quote(aside)}"))
            connection.execute(text(f"ALTER DATABASE {quote(restored)} RENAME TO {quote(name)}"))
    finally:
        server.dispose()
