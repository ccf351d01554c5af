"""`helpdesk db backup DEST`: an online, consistent copy of the record while consoles keep
working, checked before it is kept, with the chain's head written beside it as an anchor.

SQLite: `VACUUM INTO` reads one snapshot in one read transaction (writers carry on: the file is
in WAL mode), into a private folder beside DEST; the copy's integrity and its whole audit trail
(`audit verify`) are checked there; only then is it linked into place, so DEST never holds a
half-made or unchecked copy and an existing file is never overwritten. PostgreSQL: `pg_dump` in
its custom format (found on the PATH), checked by restoring it into a scratch database on the
same server and running the whole of `audit verify` there (then dropped); the anchor is the
restored trail's head, which holds the head read before the dump began."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL, Engine, create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError, DBAPIError
from sqlalchemy.pool import NullPool
from sqlmodel import col

from helpdesk.domain.audit_chain import Anchor
from helpdesk.domain.refusals import Refused
from helpdesk.domain.types import EventKind
from helpdesk.store.db.audit import ChainReport, chain_head, record_event, verify_chain
from helpdesk.store.db.engine import make_engine, sqlite_file, sqlite_url
from helpdesk.store.db.models import Event
from helpdesk.store.db.transaction import writing
from helpdesk.store.faults import describe_fault

Progress = Callable[[int, int], None]  # bytes copied so far, bytes in all (about)
Checked = Callable[[int], None]  # events of the copy's trail checked so far


class BackupRefused(Refused):
    """The backup was not made, or not kept; str() says why."""


@dataclass(frozen=True)
class Backup:
    path: Path
    anchor_path: Path
    head: Anchor | None
    size: int  # bytes


def anchor_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".anchor")


def back_up(
    engine: Engine,
    dest: Path,
    actor: str,
    now: dt.datetime,
    progress: Progress | None = None,
    checked: Checked | None = None,
) -> Backup:
    """Copy the database to `dest` (which must not exist), check the copy, write its anchor, and
    record the backup in the live trail."""
    dest = Path(os.path.abspath(dest))
    for path in (dest, anchor_path(dest)):
        if path.exists() or path.is_symlink():
            raise BackupRefused(f"{path} exists already: a backup never overwrites a file")
    if not dest.parent.is_dir():
        raise BackupRefused(f"no such folder: {dest.parent}")
    source = sqlite_file(str(engine.url))
    if source is not None:
        made = _sqlite_copy(source, dest, progress, checked)
    else:
        made = _postgres_copy(engine, dest, progress, checked)
    with writing(engine) as session:
        record_event(
            session,
            actor=actor,
            kind=EventKind.BACKED_UP,
            at=now,
            events=made.head.event_id if made.head else 0,
        )
    return made


def _sqlite_copy(source: Path, dest: Path, progress: Progress | None, checked: Checked | None) -> Backup:
    mode = source.stat().st_mode & 0o660  # the database's own mode, less any access for others
    total = source.stat().st_size
    work = Path(tempfile.mkdtemp(prefix=".helpdesk-backup-", dir=dest.parent))  # 0700: nobody else sees it
    try:
        copy = work / "copy.sqlite"
        _vacuum_into(source, copy, total, progress)
        os.chmod(copy, mode)
        try:
            report = verify_sqlite_file(copy, checked)
        except Refused as refused:
            raise BackupRefused(f"the copy failed: {refused}; nothing was kept") from None
        if not report.intact:
            raise BackupRefused("the copy did not verify (`helpdesk audit verify` names why); nothing was kept")
        for leftover in (work / "copy.sqlite-wal", work / "copy.sqlite-shm"):
            if leftover.exists():
                raise BackupRefused("the copy kept a write-ahead log after it was checked; nothing was kept")
        return _keep(copy, report.head, mode, dest)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _keep(copy: Path, head: Anchor | None, mode: int, dest: Path) -> Backup:
    """Put a checked copy in place with its anchor beside it, both linked from the private
    folder: a file that appeared at either path meanwhile is never overwritten."""
    anchor = copy.with_name("anchor")
    _write_private(anchor, f"{head}\n" if head else "", mode)
    try:
        os.link(copy, dest)
        try:
            os.link(anchor, anchor_path(dest))
        except OSError:
            dest.unlink()
            raise
    except FileExistsError as error:
        raise BackupRefused(f"{error.filename} exists already: a backup never overwrites a file") from None
    return Backup(dest, anchor_path(dest), head, dest.stat().st_size)


def _vacuum_into(source: Path, copy: Path, total: int, progress: Progress | None) -> None:
    """One consistent snapshot of the database, written to `copy`; progress from the copy's size."""
    connection = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    done = threading.Event()

    def report() -> None:
        while not done.wait(0.5):
            if progress and copy.exists():
                progress(min(copy.stat().st_size, total), total)

    watcher = threading.Thread(target=report, daemon=True)
    watcher.start()
    try:
        connection.execute("PRAGMA busy_timeout = 30000")
        connection.execute("VACUUM INTO ?", (str(copy),))
    except sqlite3.DatabaseError as error:
        raise BackupRefused(f"the copy could not be made: {error}") from None
    finally:
        done.set()
        watcher.join()
        connection.close()
    if progress:
        progress(total, total)


def verify_sqlite_file(path: Path, progress: Checked | None = None) -> ChainReport:
    """SQLite's integrity check, then the whole of `audit verify`, on a copy of a database (a
    backup's, before it is kept or restored). Refused if it is not a sound helpdesk database."""
    check_sqlite_file(path)
    copied = make_engine(sqlite_url(path))
    try:
        return verify_chain(copied, progress=progress)
    except DatabaseError:
        raise Refused("it is not a helpdesk database") from None
    finally:
        copied.dispose()


def check_sqlite_file(path: Path) -> None:
    """Refused unless `path` is a SQLite database that passes SQLite's integrity check."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        found = [row[0] for row in connection.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as error:
        raise Refused(f"it is not a database SQLite can read ({error})") from None
    finally:
        connection.close()
    if found != ["ok"]:
        raise Refused(f"SQLite's integrity check found damage ({found[0]})")


def _write_private(path: Path, text: str, mode: int) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.write(text)


def _postgres_copy(engine: Engine, dest: Path, progress: Progress | None, checked: Checked | None) -> Backup:
    tool, lister = shutil.which("pg_dump"), shutil.which("pg_restore")
    if tool is None or lister is None:
        raise BackupRefused(
            "pg_dump and pg_restore are not on the PATH: install PostgreSQL's client tools "
            "(the postgresql-client package) to back up a PostgreSQL database"
        )
    url = make_url(str(engine.url))
    environment = {**os.environ, "PGPASSWORD": url.password or os.environ.get("PGPASSWORD", "")}
    target = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    head = chain_head(engine)  # before the dump's snapshot: the copy holds at least this much
    work = Path(tempfile.mkdtemp(prefix=".helpdesk-backup-", dir=dest.parent))
    try:
        copy = work / "copy.dump"
        done = subprocess.run(
            [tool, "--format=custom", "--no-password", f"--file={copy}", f"--dbname={target}"],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise BackupRefused(f"pg_dump failed: {(done.stderr.strip().splitlines() or ['no reason given'])[-1]}")
        listed = subprocess.run([lister, "--list", str(copy)], capture_output=True, text=True, check=False)
        if listed.returncode != 0 or "TABLE DATA public event" not in listed.stdout:
            raise BackupRefused("the dump does not list the audit trail's data; nothing was kept")
        os.chmod(copy, 0o600)
        if progress:
            size = copy.stat().st_size
            progress(size, size)
        url = make_url(str(engine.url))
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d%H%M%S")
        with scratch_database(str(engine.url), f"{url.database}_checking_{stamp}") as scratch:
            try:
                restored_head = restore_and_verify(lister, scratch, copy, head, checked, what="the copy")
            except DumpUnsound as unsound:
                raise BackupRefused(f"{unsound}; nothing was kept") from None
        return _keep(copy, restored_head or head, 0o600, dest)
    finally:
        shutil.rmtree(work, ignore_errors=True)


class DumpUnsound(Refused):
    """A pg_dump file that does not restore into a whole, verified record; str() says why."""


@contextmanager
def scratch_database(database_url: str, name: str, keep: Callable[[], bool] = lambda: False) -> Iterator[URL]:
    """A new database on the same server, owned as the live one is, dropped afterwards unless
    `keep()` says otherwise by then (a restore renames it into the live one's place)."""
    url = make_url(database_url)
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    quote = server.dialect.identifier_preparer.quote
    try:
        with server.connect() as connection:
            owner = connection.scalar(
                text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :name"), {"name": url.database}
            )
            try:
                connection.execute(text(f"CREATE DATABASE {quote(name)} OWNER {quote(owner)} TEMPLATE template0"))
            except DBAPIError as error:
                raise DumpUnsound(
                    f"cannot create a database to restore the copy into and check it ({describe_fault(error)}): run it "
                    "as the database's owner with CREATEDB, or as a superuser"
                ) from None
        try:
            yield url.set(database=name)
        finally:
            if not keep():
                with server.connect() as connection:
                    connection.execute(text(f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)"))
    finally:
        server.dispose()


def restore_and_verify(
    tool: str, scratch: URL, dump: Path, anchor: Anchor | None, checked: Checked | None = None, what: str = ""
) -> Anchor | None:
    """pg_restore `dump` into the scratch database, then the whole of `audit verify` there, and
    `anchor` (if any) found in its trail (the dump may hold a little more: it was taken after
    its anchor was read). The restored trail's head."""
    environment = {**os.environ, "PGPASSWORD": scratch.password or os.environ.get("PGPASSWORD", "")}
    target = scratch.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    done = subprocess.run(
        [tool, "--no-password", "--exit-on-error", f"--dbname={target}", str(dump)],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise DumpUnsound(f"pg_restore failed ({(done.stderr.strip().splitlines() or ['no reason given'])[-1]})")
    copy = make_engine(scratch.render_as_string(hide_password=False))
    try:
        report = verify_chain(copy, progress=checked)
        if not report.intact:
            raise DumpUnsound(f"{what or dump.name} does not verify once restored (`helpdesk audit verify` names why)")
        if anchor is not None:
            with copy.connect() as connection:
                there = connection.scalar(select(col(Event.hash)).where(col(Event.id) == anchor.event_id))
            if there != anchor.hash:
                raise DumpUnsound(f"{what or dump.name} does not hold the anchor {anchor}")
        return report.head
    finally:
        copy.dispose()
