"""The change feed: how a console learns, cheaply, that another process wrote something.

SQLite: `PRAGMA data_version` on one dedicated raw connection (a couple of microseconds; it
changes when any other connection commits; it is per connection and frozen inside a
transaction, so never read through the pool). PostgreSQL: LISTEN on `helpdesk_changes`, which
a trigger NOTIFYs at commit of any audit event. Presence heartbeats move neither (see
store/presence.py). After a reconnection the feed reports a change, so that readers reload
everything.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

from sqlalchemy import Engine

from helpdesk.store.db.engine import check_same_file, open_sqlite, sqlite_file

CHANNEL = "helpdesk_changes"
SQLITE_POLL_SECONDS = 0.2
POSTGRES_SLICE_SECONDS = 0.1  # how late a PostgreSQL wait may notice that the feed is stopped


class ChangeFeed:
    def __init__(self, engine: Engine, stopped: threading.Event | None = None) -> None:
        """`stopped`, once set, cuts short any wait (the console is quitting)."""
        self._engine = engine
        self._stopped = stopped or threading.Event()
        self._path = sqlite_file(str(engine.url))
        self._sqlite: sqlite3.Connection | None = None
        self._listener: Any = None  # a psycopg connection in autocommit, LISTENing
        self._version: int | None = None
        self._primed = False

    def wait(self, timeout: float) -> bool:
        """Block up to `timeout` seconds; True if something was committed meanwhile (or the
        feed reconnected). The first call only primes the feed. Returns False at once when the
        feed is stopped. Raises the database's own error when it cannot be reached."""
        if self._path is not None:
            return self._wait_sqlite(timeout)
        return self._wait_postgres(timeout)

    # --- SQLite -----------------------------------------------------------------------------

    def _data_version(self) -> tuple[int, bool]:
        check_same_file(self._engine)  # a file removed or replaced: the banner says so
        fresh = self._sqlite is None
        if self._sqlite is None:
            assert self._path is not None  # only SQLite databases are watched this way
            self._sqlite = open_sqlite(self._path, timeout=1)
        try:
            return self._sqlite.execute("PRAGMA data_version").fetchone()[0], fresh
        except sqlite3.Error:
            self.close()
            raise

    def _wait_sqlite(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            version, fresh = self._data_version()
            changed = (fresh and self._primed) or (self._version is not None and version != self._version)
            self._version, self._primed = version, True
            if changed:
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._stopped.wait(min(SQLITE_POLL_SECONDS, remaining)):
                return False

    # --- PostgreSQL ------------------------------------------------------------------------

    def _wait_postgres(self, timeout: float) -> bool:
        import psycopg

        fresh = self._listener is None
        if fresh:
            url = self._engine.url.set(drivername="postgresql")
            self._listener = psycopg.connect(
                url.render_as_string(hide_password=False), autocommit=True, connect_timeout=5
            )
            self._listener.execute(f"LISTEN {CHANNEL}")
        try:
            if fresh and self._primed:
                return True
            self._primed = True
            got = False
            deadline = time.monotonic() + timeout
            while not got and not self._stopped.is_set():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                for _ in self._listener.notifies(timeout=min(POSTGRES_SLICE_SECONDS, remaining), stop_after=1):
                    got = True
            if got:  # take whatever else arrived in the same moment
                for _ in self._listener.notifies(timeout=0.01):
                    pass
            return got
        except psycopg.Error:
            self.close()
            raise

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
            self._sqlite = None
        if self._listener is not None:
            try:
                self._listener.close()
            finally:
                self._listener = None
