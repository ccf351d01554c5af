"""The engine factory. No engine exists at import time; SQLite writers open with BEGIN IMMEDIATE."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url


def keep_group_write() -> None:
    """Staff accounts share one SQLite file and its -wal/-shm companions: keep them group-writable."""
    os.umask(os.umask(0) & ~0o020)


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


def make_engine(url: str) -> Engine:
    if not is_sqlite(url):
        return create_engine(url, pool_pre_ping=True)
    path = sqlite_file(url)
    if path is not None:
        keep_group_write()
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            # SQLite creates files 0644 whatever the umask; its -wal and -shm copy the main file's mode
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o664))
    engine = create_engine(url, connect_args={"timeout": 10, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # SQLAlchemy issues BEGIN itself
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "busy_timeout=10000"):
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def writer(engine: Engine) -> Engine:
    """The same engine, whose transactions take SQLite's write lock up front."""
    return engine.execution_options(sqlite_begin="IMMEDIATE")
