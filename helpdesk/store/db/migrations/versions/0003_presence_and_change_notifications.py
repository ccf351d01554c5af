"""presence and change notifications

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 09:37:45.745939

Presence heartbeats, and on PostgreSQL a NOTIFY on channel helpdesk_changes whenever an
audit event or a presence row is written (sent at commit), for consoles that LISTEN.
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
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

    if op.get_bind().dialect.name == "postgresql":
        create_change_notifications()


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        drop_change_notifications()
    with op.batch_alter_table("presence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_presence_concern_id"))

    op.drop_table("presence")


CHANNEL = "helpdesk_changes"


def create_change_notifications() -> None:
    op.execute(
        "CREATE FUNCTION helpdesk_notify_change() RETURNS trigger AS $$ "
        f"BEGIN PERFORM pg_notify('{CHANNEL}', TG_TABLE_NAME); RETURN NULL; END; $$ LANGUAGE plpgsql"
    )
    for table in ("event", "presence"):
        op.execute(
            f"CREATE TRIGGER {table}_notify_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_notify_change()"
        )


def drop_change_notifications() -> None:
    for table in ("event", "presence"):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_notify_change ON {table}")
    op.execute("DROP FUNCTION IF EXISTS helpdesk_notify_change()")
