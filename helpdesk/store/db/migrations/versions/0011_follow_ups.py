"""follow-ups

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 12:00:00

The work a call leaves behind: follow-ups (a task, a pause's resumption check, a call back),
each owned by a senior or by any senior, due at a time, completed once with an outcome. The
pause register finds a decision's successor and its resumption check by index. Escalations:
a waiting call past its target or a follow-up long overdue, raised once each. A school's
head, by name, from the GIAS extract. Calls a senior links (the same inspection, the same matter).
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("kind", text(20), nullable=False),
        sa.Column("what", text(300), nullable=False),
        sa.Column("owner", text(64), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("phone", text(20), nullable=True),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("set_by", text(64), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_by", text(64), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", text(30), nullable=True),
        sa.Column("note", text(2000), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["concern_id"], ["concern.id"]),
        sa.ForeignKeyConstraint(["contact_id"], ["contact_attempt.id"]),
        sa.ForeignKeyConstraint(["decision_id"], ["pause_decision.id"]),
        sa.ForeignKeyConstraint(["review_id"], ["review.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_follow_up_concern_id"), ["concern_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_follow_up_decision_id"), ["decision_id"], unique=False)
        batch_op.create_index(
            "ix_follow_up_open",
            ["due_at"],
            unique=False,
            sqlite_where=sa.text("done_at IS NULL"),
            postgresql_where=sa.text("done_at IS NULL"),
        )

    with op.batch_alter_table("pause_decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pause_decision_supersedes_id"), ["supersedes_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_pause_decision_decided_at"), ["decided_at"], unique=False)
    op.create_table(
        "call_link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.Integer(), nullable=False),
        sa.Column("second_id", sa.Integer(), nullable=False),
        sa.Column("kind", text(20), nullable=False),
        sa.Column("by", text(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["first_id"], ["concern.id"]),
        sa.ForeignKeyConstraint(["second_id"], ["concern.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("first_id", "second_id"),
    )
    with op.batch_alter_table("call_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_link_first_id"), ["first_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_link_second_id"), ["second_id"], unique=False)
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.add_column(sa.Column("head_name", text(120), nullable=False, server_default=""))
    op.create_table(
        "escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", text(60), nullable=False),
        sa.Column("subject", text(20), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("follow_up_id", sa.Integer(), nullable=True),
        sa.Column("raised_by", text(64), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["concern_id"], ["concern.id"]),
        sa.ForeignKeyConstraint(["follow_up_id"], ["follow_up.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_escalation_concern_id"), ["concern_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_escalation_follow_up_id"), ["follow_up_id"], unique=False)


def downgrade() -> None:
    op.drop_table("call_link")
    # (not a batch: SQLite would copy the table that calls point at; it drops a column since 3.35)
    op.execute("ALTER TABLE school DROP COLUMN head_name")
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_follow_up_id"))
        batch_op.drop_index(batch_op.f("ix_escalation_concern_id"))
    op.drop_table("escalation")
    with op.batch_alter_table("pause_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pause_decision_decided_at"))
        batch_op.drop_index(batch_op.f("ix_pause_decision_supersedes_id"))
    with op.batch_alter_table("follow_up", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_up_open")
        batch_op.drop_index(batch_op.f("ix_follow_up_decision_id"))
        batch_op.drop_index(batch_op.f("ix_follow_up_concern_id"))
    op.drop_table("follow_up")
