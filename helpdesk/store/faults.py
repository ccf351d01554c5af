"""Database faults in one line, for banners, forms and the command line (never a traceback)."""

from __future__ import annotations


class DatabaseUnavailable(Exception):
    """The database could not be reached or refused the work (locked, gone, disconnected);
    nothing was saved. The one exception the desk raises for every such fault."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return f"the database is unavailable ({self.reason})"


def unavailable(error: Exception) -> str:
    """The one sentence for a fault: "the database is unavailable (database is locked)"."""
    return str(error) if isinstance(error, DatabaseUnavailable) else str(DatabaseUnavailable(describe_fault(error)))


def describe_fault(error: Exception) -> str:
    if isinstance(error, DatabaseUnavailable):
        return error.reason
    original = getattr(error, "orig", None) or error
    text = str(original).strip()
    return text.splitlines()[0] if text else type(original).__name__


class ExportInterrupted(Exception):
    """The output went away (a closed pipe, a full disk) after `written` records."""

    def __init__(self, written: int, error: OSError) -> None:
        super().__init__(f"the output failed ({error.strerror or error}) after {written} record(s) were written to it")
        self.written, self.error = written, error


class SecondReaderFailed(Exception):
    """`audit verify`'s second process (the record's check on a long trail) failed: why, in one
    line. Nothing was written."""
