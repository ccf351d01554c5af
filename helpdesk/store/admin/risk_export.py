"""The register of calls at immediate risk, exported: CSV or JSON, streamed, with the same
redaction and progress as the other exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import fields
from typing import Any, TextIO

from sqlalchemy import Engine

from helpdesk.store.admin.export import register_record, write_records
from helpdesk.store.commands.exports import check_may_export
from helpdesk.store.queries.risk_register import risk_entries
from helpdesk.store.rows import Progress, RiskEntry

REGISTER_FIELDS = [field.name for field in fields(RiskEntry)]

# a redacted register keeps codes, times and counts: no names, no free text, no references
PERSONAL_REGISTER_FIELDS = {
    "marked_by",
    "what",
    "contact_who",
    "contact_reference",
    "contact_why_not",
    "safety_note",
    "acknowledged_by",
    "lifted_by",
    "lift_reason",
}


def _record(entry: RiskEntry, redact: bool) -> Sequence[Any]:
    return register_record(entry, REGISTER_FIELDS, PERSONAL_REGISTER_FIELDS, redact)


def export_risks(
    engine: Engine,
    login: str,
    start: dt.date,
    end: dt.date,
    fmt: str,
    redact: bool,
    out: TextIO,
    progress: Progress | None = None,
    *,
    today: dt.date,
) -> int:
    """The markers set in the period, oldest first; those on calls the information barrier keeps
    from `login` withheld."""
    check_may_export(engine, login)
    records = (_record(entry, redact) for entry in risk_entries(engine, start, end, today, progress, reader=login))
    return write_records(records, REGISTER_FIELDS, out, fmt, redact, PERSONAL_REGISTER_FIELDS)
