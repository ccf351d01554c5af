"""record bound to the trail

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 12:00:00

Every event that creates or changes a row of the record now carries the row's digest, so an
event's details grow with the rows it vouches for (an import of inspections: one digest for
each): on PostgreSQL the column becomes TEXT (SQLite never held it to its length). Rows already
on record are sealed as they stand by "sealed" events, a thousand rows each, so that `audit
verify` can hold every row to its latest event from now on. Downgrading keeps those events (the
trail is append-only) and the wider column.
"""

import datetime as dt
import os
import pwd

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ROWS_AN_EVENT = 1000


def upgrade() -> None:
    from helpdesk.domain.types import EventKind
    from helpdesk.store.db.audit import record_event
    from helpdesk.store.db.seals import RECORD_TABLES

    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE event ALTER COLUMN details TYPE TEXT")
    actor = pwd.getpwuid(os.getuid()).pw_name[:40]  # whoever runs the upgrade
    now = dt.datetime.now(dt.UTC)
    for name, table in RECORD_TABLES.items():
        primary = list(table.primary_key.columns)
        keys = [tuple(row) for row in bind.execute(table.select().with_only_columns(*primary).order_by(*primary))]
        for start in range(0, len(keys), ROWS_AN_EVENT):
            record_event(
                bind, actor=actor, kind=EventKind.SEALED, at=now, rows={name: set(keys[start : start + ROWS_AN_EVENT])}
            )


def downgrade() -> None:
    pass  # the sealed events stay (append-only), and so does the wider column
