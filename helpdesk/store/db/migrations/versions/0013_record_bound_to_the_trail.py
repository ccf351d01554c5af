"""record bound to the trail

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 12:00:00

Every event that creates or changes a row of the record now carries the row's digest, so an
event's details grow with the rows it vouches for (an import of inspections: one digest for
each): on PostgreSQL the column becomes TEXT (SQLite never held it to its length). Rows already
on record are sealed as they stand by "sealed" events, a thousand rows each, so that `audit
verify` can hold every row to its latest event from now on. Downgrading keeps those events (the
trail is append-only) and the wider column. Calls are indexed by inspection too: the pause limit
counts the days paused on an inspection across all its calls.
"""

import datetime as dt
import os
import pwd

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    from helpdesk.store.db.audit import seal_record
    from helpdesk.store.db.seals import before_later_columns

    bind = op.get_bind()
    op.create_index("ix_concern_inspection_id", "concern", ["inspection_id"])
    if bind.dialect.name == "postgresql":
        op.execute("ALTER TABLE event ALTER COLUMN details TYPE TEXT")
    actor = pwd.getpwuid(os.getuid()).pw_name[:40]  # whoever runs the upgrade
    with before_later_columns():  # the record's columns added since are not there yet
        seal_record(bind, actor, dt.datetime.now(dt.UTC))


def downgrade() -> None:
    op.drop_index("ix_concern_inspection_id", "concern")  # the sealed events and the wider column stay
