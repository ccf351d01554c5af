"""Database faults in one line, for banners, forms and the command line (never a traceback)."""

from __future__ import annotations


def unavailable(error: Exception) -> str:
    """The one sentence for a fault: "the database is unavailable (database is locked)"."""
    return f"the database is unavailable ({describe_fault(error)})"


def describe_fault(error: Exception) -> str:
    original = getattr(error, "orig", None) or error
    text = str(original).strip()
    return text.splitlines()[0] if text else type(original).__name__
