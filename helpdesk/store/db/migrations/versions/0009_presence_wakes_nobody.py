"""presence wakes nobody

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 09:40:00

Heartbeats no longer wake every console. SQLite: presence moves to a file of its own beside
the database (made by the consoles on first use), so the database's table goes; what it held
is a few seconds of heartbeats. PostgreSQL: presence stays, without its change notification.
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS presence_notify_change ON presence")
        return
    op.execute("DROP INDEX IF EXISTS ix_presence_concern_id")
    op.execute("DROP TABLE IF EXISTS presence")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER presence_notify_change AFTER INSERT OR UPDATE OR DELETE ON presence "
            "FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_notify_change()"
        )
        return
    op.create_table(
        "presence",
        sa.Column("session_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("login", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_id"),
    )
    with op.batch_alter_table("presence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_presence_concern_id"), ["concern_id"], unique=False)
