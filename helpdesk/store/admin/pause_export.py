"""The pause register's export: the register of a period as CSV or JSON, streamed, with the same
redaction and progress as the other exports."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import fields
from typing import Any, TextIO

from sqlalchemy import Engine

from helpdesk.domain.policy import Policy
from helpdesk.store.admin.export import register_record, write_records
from helpdesk.store.commands.exports import check_may_export
from helpdesk.store.db.models import PERSONAL_COLUMNS, PauseDecision
from helpdesk.store.queries.pause_register import pause_entries
from helpdesk.store.rows import PauseEntry, Progress

REGISTER_FIELDS = [field.name for field in fields(PauseEntry)]


# a redacted register keeps codes, dates and counts: no names, no free text
PERSONAL_REGISTER_FIELDS = {"decided_by", "countersigned_by"} | set(PERSONAL_COLUMNS[PauseDecision])


def _record(entry: PauseEntry, redact: bool) -> Sequence[Any]:
    return register_record(entry, REGISTER_FIELDS, PERSONAL_REGISTER_FIELDS, redact)


def export_pauses(
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
    policy: Policy,
) -> int:
    """The register of the period as CSV or JSON, streamed, with the same redaction and progress
    as the other exports; the decisions on calls the information barrier keeps from `login` withheld."""
    check_may_export(engine, login)
    entries = pause_entries(engine, start, end, today, policy, progress, reader=login)
    records = (_record(entry, redact) for entry in entries)
    return write_records(records, REGISTER_FIELDS, out, fmt, redact, PERSONAL_REGISTER_FIELDS)
