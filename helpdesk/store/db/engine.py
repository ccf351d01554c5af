"""The engine factory. No engine exists at import time; SQLite writers open with BEGIN IMMEDIATE."""

from __future__ import annotations

import errno
import os
import random
import sqlite3
import stat
import time
import weakref
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Connection, Engine, create_engine, event, make_url

from helpdesk.store.faults import DatabaseUnavailable


def default_database_path(name: str = "helpdesk.sqlite") -> Path:
    from platformdirs import user_data_path

    return user_data_path("helpdesk", appauthor=False) / name


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{path}"


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_file(url: str) -> Path | None:
    """The file behind a SQLite URL (None for in-memory or other databases)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


class DatabaseFileMissing(RuntimeError):
    """There is no SQLite file where the URL points; str() says which command creates one."""


class DatabaseUrlInvalid(ValueError):
    """The database URL cannot be used; str() says why and what would work."""


class DatabaseFileRefused(RuntimeError):
    """A database file (or its -wal, -shm or presence file) is reached through a symbolic link:
    one planted in a shared folder could point the console, or root's nightly check, at another
    file. str() names the link."""


def disk_full(path: Path) -> bool:
    """Whether the file system holding the database has no room left for this user (a new
    process then cannot even make its -shm file, and SQLite says only "disk I/O error")."""
    try:
        status = os.statvfs(path.parent)
    except OSError:
        return False
    return status.f_bavail * status.f_frsize < 64 * 1024


def companions(path: Path) -> tuple[Path, Path, Path]:
    """The database file and the -wal and -shm files SQLite keeps beside it."""
    return path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def refuse_links(path: Path) -> None:
    """DatabaseFileRefused if the file or a companion is a symbolic link (a link's target is
    never opened, created or changed)."""
    for one in companions(path):
        if one.is_symlink():
            raise DatabaseFileRefused(
                f"{one} is a symbolic link: a database and its -wal, -shm and presence files are opened "
                "only by their own paths"
            )


def check_url(url: str) -> None:
    """Refuse, in words, a URL that is not one, or whose driver is not installed."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        parsed = make_url(url)
    except ArgumentError:
        raise DatabaseUrlInvalid(
            f"{url!r} is not a database URL: use sqlite:////path/to/helpdesk.sqlite "
            "or postgresql+psycopg://USER@HOST/DATABASE"
        ) from None
    try:
        parsed.get_dialect().import_dbapi()
    except (NoSuchModuleError, ImportError):
        if parsed.get_backend_name() == "postgresql":
            raise DatabaseUrlInvalid(
                f"the driver for {parsed.drivername} is not installed: helpdesk talks to PostgreSQL "
                "through psycopg, with URLs postgresql+psycopg://…; install it with pip install 'helpdesk[postgres]'"
            ) from None
        raise DatabaseUrlInvalid(f"{url!r} names a database helpdesk cannot use: use SQLite or PostgreSQL") from None


def file_mode_for(folder: Path) -> int:
    """A database in a setgid folder is shared by the staff group (0660); anywhere else it is
    personal (0600). Never readable by others, whatever the umask of the process that makes it."""
    return 0o660 if folder.stat().st_mode & stat.S_ISGID else 0o600


def create_sqlite_file(path: Path) -> None:
    """Make an empty database file with its mode set explicitly (SQLite copies the mode onto
    the -wal and -shm files it creates beside it). Its folder, if new, is the user's alone."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    try:
        os.fchmod(descriptor, file_mode_for(path.parent))
    finally:
        os.close(descriptor)


def keep_private(path: Path) -> None:
    """Take away any access for others from a database (and its -wal/-shm) this user owns: a
    file made by an older console, or copied in with a loose mode. The file itself is opened
    without following a link (O_NOFOLLOW) and its mode changed through that descriptor, so a
    link swapped in meanwhile changes nothing."""
    for one in companions(path):
        try:
            descriptor = os.open(one, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except FileNotFoundError:
            continue
        except OSError as error:
            if error.errno == errno.ELOOP:
                refuse_links(path)  # a link: say which, in words
            raise
        try:
            status = os.fstat(descriptor)
            if stat.S_ISREG(status.st_mode) and status.st_mode & 0o007 and status.st_uid == os.getuid():
                os.fchmod(descriptor, status.st_mode & 0o7770)
        finally:
            os.close(descriptor)


def open_sqlite(path: Path, timeout: float = 10) -> sqlite3.Connection:
    """A connection to an existing database file; SQLite is told never to create one."""
    return sqlite3.connect(
        f"file:{quote(str(path))}?mode=rw", uri=True, timeout=timeout, check_same_thread=False, isolation_level=None
    )


FileIdentity = tuple[int, int]  # (device, inode)
# each SQLite engine's file and the identity it had when the engine was made
_OPENED: weakref.WeakKeyDictionary[Engine, tuple[Path, FileIdentity | None]] = weakref.WeakKeyDictionary()


def file_identity(path: Path) -> FileIdentity | None:
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino


def check_same_file(engine: Engine) -> None:
    """Raise DatabaseUnavailable unless the engine's SQLite file is still the one it opened:
    a file deleted or replaced under a running console would take writes and lose them."""
    if engine not in _OPENED:
        return  # not a SQLite file
    path, opened = _OPENED[engine]
    if opened is None:
        return
    now = file_identity(path)
    if now is None:
        raise DatabaseUnavailable(f"the database file {path} is gone; nothing was saved")
    if now != opened:
        raise DatabaseUnavailable(f"the database file {path} was replaced since this console opened it; restart it")


BUSY_TIMEOUT_MS = 10_000  # reads, commits and checkpoints wait this long for a lock
WRITE_LOCK_TRY_MS = 25  # one try for the write lock waits this long (SQLite's own busy handler)...
WRITE_LOCK_PATIENCE_S = 30.0  # ...and the tries, apart by a random pause, go on this long


def take_write_lock(raw: Any) -> None:
    """BEGIN IMMEDIATE, retried: each try waits briefly in SQLite's busy handler, then the writer
    steps aside (see `until_unlocked`), so that under load writers take turns by chance instead
    of the same ones losing for seconds. Past the patience, the database's own "database is
    locked" error is raised (nothing was written)."""
    raw.execute(f"PRAGMA busy_timeout = {WRITE_LOCK_TRY_MS}")
    try:
        until_unlocked(raw, "BEGIN IMMEDIATE")
    finally:
        raw.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")


def write_ahead_log(raw: Any) -> None:
    """WAL mode, kept in the file. A new file is turned to WAL by the first connection to it, and
    that takes an exclusive lock SQLite does not wait for: consoles opening a new file at the same
    moment (the presence file, made by whichever console comes first) are told "database is
    locked" at once, and try again until the file is in WAL mode."""
    until_unlocked(raw, "PRAGMA journal_mode=WAL")


def until_unlocked(raw: Any, statement: str) -> None:
    """Run `statement`; while SQLite says "locked", step aside for a random pause (doubling, up to
    50 ms) and try again, for WRITE_LOCK_PATIENCE_S at most. Any other error is raised at once."""
    deadline = time.monotonic() + WRITE_LOCK_PATIENCE_S
    pause = 0.002
    while True:
        try:
            raw.execute(statement)
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
        time.sleep(random.uniform(0, pause))
        pause = min(pause * 2, 0.05)


def make_engine(url: str, create: bool = False) -> Engine:
    """The engine for `url`. A SQLite file must exist unless `create` is set (only `helpdesk db
    upgrade` and `helpdesk demo` create databases); every transaction first checks the file is
    still the one opened here."""
    check_url(url)
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True)
    path = sqlite_file(url)
    if path is None:  # in memory: no file to create, keep private or watch
        engine = create_engine(url, connect_args={"check_same_thread": False, "isolation_level": None})
    else:
        refuse_links(path)
        if create:
            create_sqlite_file(path)
        elif not path.exists():
            raise DatabaseFileMissing(f"there is no database at {path}: run `helpdesk db upgrade` to create one")
        keep_private(path)
        engine = create_engine(url, creator=lambda: open_sqlite(path))
        _OPENED[engine] = (path, file_identity(path))

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        write_ahead_log(dbapi_connection)
        for pragma in ("synchronous=FULL", "foreign_keys=ON", f"busy_timeout={BUSY_TIMEOUT_MS}"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        check_same_file(engine)
        if connection.get_execution_options().get("sqlite_begin") == "IMMEDIATE":
            take_write_lock(connection.connection.driver_connection)
        else:
            connection.exec_driver_sql("BEGIN DEFERRED")

    return engine


def writer(engine: Engine) -> Engine:
    """The same engine, whose transactions take SQLite's write lock up front."""
    return engine.execution_options(sqlite_begin="IMMEDIATE")
