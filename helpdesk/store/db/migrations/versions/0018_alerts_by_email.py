"""alerts by e-mail

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 19:00:00

Alerts that leave the console: each alert raised once (a unique key) and acknowledged once,
part of the record; its e-mails in an outbox (one a supervisor, taken with a lease by whichever
process sends it, tried again with back-off until sent). A member of staff's e-mail address,
NULL on the rows already on record and left out of their digests while NULL.
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.add_column("staff", sa.Column("email", text(200), nullable=True))
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", text(60), nullable=False),
        sa.Column("kind", text(20), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=True),
        sa.Column("escalation_id", sa.Integer(), nullable=True),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_by", text(64), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["concern_id"], ["concern.id"]),
        sa.ForeignKeyConstraint(["risk_id"], ["risk.id"]),
        sa.ForeignKeyConstraint(["escalation_id"], ["escalation.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("alert", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_concern_id"), ["concern_id"], unique=False)
    op.create_table(
        "alert_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("to_login", text(64), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("state", text(10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_token", text(32), nullable=True),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", text(200), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["alert_id"], ["alert.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("alert_id", "to_login"),
    )
    with op.batch_alter_table("alert_message", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_alert_message_alert_id"), ["alert_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_alert_message_state"), ["state"], unique=False)


def downgrade() -> None:
    op.drop_table("alert_message")
    op.drop_table("alert")
    op.execute("ALTER TABLE staff DROP COLUMN email")
