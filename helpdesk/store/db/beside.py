"""The record's check in a second process, beside the chain's walk: on a long trail `verify`
uses two cores. Both read the same moment of the database: on PostgreSQL the second imports the
first's snapshot (`SET TRANSACTION SNAPSHOT`); on SQLite, which cannot share one, both begin
their reads while the write lock is held, so that no change can land between them (writers
wait for a round trip between two processes, milliseconds).

The second process is a fresh interpreter (`python -m helpdesk.store.db.beside`), never forked
from a process holding connections; it is told the database over a socket, not its arguments,
and says why in one line if it fails."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection as Pipe
from typing import Any

from sqlalchemy import Connection, Engine, text

from helpdesk.store.db.seals import RecordReport, check_record, record_mentions
from helpdesk.store.faults import SecondReaderFailed

SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?")  # as pg_export_snapshot() names one
WAIT_S = 120  # for the second process to start and to begin its read


@contextmanager
def record_checked_beside(engine: Engine, connection: Connection) -> Iterator[Any]:
    """Start the record's check in a second process reading what `connection` (in its first
    transaction, before it has read anything) sees; yields a function that waits for the
    report. The caller's reads happen meanwhile."""
    our_end, their_end = socket.socketpair()
    process = subprocess.Popen(
        [sys.executable, "-m", __name__, str(their_end.fileno())],
        pass_fds=(their_end.fileno(),),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    their_end.close()
    ours = Pipe(our_end.detach())
    try:
        _tell(ours, ("open", engine.url.render_as_string(hide_password=False)), process)
        _expect(ours, "ready", process)
        if engine.dialect.name == "postgresql":
            snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
            _tell(ours, ("begin", snapshot), process)
            _expect(ours, "begun", process)
        else:
            with engine.connect().execution_options(sqlite_begin="IMMEDIATE") as locked, locked.begin():
                connection.scalar(text("SELECT max(id) FROM event"))  # our read begins …
                _tell(ours, ("begin", None), process)
                _expect(ours, "begun", process)  # … and theirs, with no commit between

        def report() -> RecordReport:
            result: RecordReport = _expect(ours, "checked", process, wait=None)
            return result

        yield report
    finally:
        ours.close()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _ended(process: Any) -> SecondReaderFailed:
    try:
        code = process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        code = None
    return SecondReaderFailed(f"the second process checking the record ended without a report (exit {code})")


def _tell(pipe: Pipe, message: tuple[str, Any], process: Any) -> None:
    try:
        pipe.send(message)
    except OSError:
        raise _ended(process) from None


def _expect(pipe: Pipe, word: str, process: Any, wait: float | None = WAIT_S) -> Any:
    try:
        if not pipe.poll(wait):
            raise SecondReaderFailed(f"the second process checking the record did not answer within {wait} s")
        said, value = pipe.recv()
    except (EOFError, OSError):
        raise _ended(process) from None
    if said == "failed":
        raise SecondReaderFailed(f"the second process could not check the record: {value}")
    if said != word:
        raise SecondReaderFailed(f"the second process said {said!r} where {word!r} was expected")
    return value


def _second_reader(pipe: Pipe) -> None:
    """The second process: open the database it is told, begin reading when told (the given
    snapshot on PostgreSQL), check the record, send the report."""
    from helpdesk.store.db.engine import make_engine

    try:
        said, url = pipe.recv()
        if said != "open":
            return
        engine = make_engine(url)
        options = {} if engine.dialect.name == "sqlite" else {"isolation_level": "REPEATABLE READ"}
        with engine.connect().execution_options(**options) as connection, connection.begin():
            pipe.send(("ready", None))
            said, snapshot = pipe.recv()
            if said != "begin":
                return
            if snapshot is not None:  # (SET takes no parameters: the identifier is checked instead)
                if not SNAPSHOT_ID.fullmatch(snapshot):
                    raise ValueError(f"{snapshot!r} is not a snapshot's identifier")
                connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
            connection.scalar(text("SELECT max(id) FROM event"))  # the read begins here
            pipe.send(("begun", None))
            pipe.send(("checked", check_record(connection, record_mentions(connection))))
        engine.dispose()
    except (EOFError, BrokenPipeError):
        return  # the walk ended first (a break, an error): nothing to report to
    except Exception as error:  # noqa: BLE001 — any failure goes back as one line
        try:
            pipe.send(("failed", f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"))
        except (BrokenPipeError, OSError):
            pass


if __name__ == "__main__":
    _second_reader(Pipe(int(sys.argv[1])))
