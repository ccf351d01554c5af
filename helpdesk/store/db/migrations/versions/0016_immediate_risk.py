"""immediate risk

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 18:30:00

A call marked at immediate risk to someone's life or safety (one standing marker a call, by a
partial unique index), and the steps of its protocol as recorded: emergency services or
safeguarding contacted, or why not; the person's immediate safety confirmed or not. Both tables
are part of the record, bound to the trail from their first row.
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def text(length: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def upgrade() -> None:
    op.create_table(
        "risk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("marked_by", text(64), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("what", text(2000), nullable=False),
        sa.Column("acknowledged_by", text(64), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lifted_by", text(64), nullable=True),
        sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lift_reason", text(2000), nullable=False),
        sa.ForeignKeyConstraint(["concern_id"], ["concern.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("risk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_concern_id"), ["concern_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_marked_at"), ["marked_at"], unique=False)
        batch_op.create_index(
            "ix_risk_standing",
            ["concern_id"],
            unique=True,
            sqlite_where=sa.text("lifted_at IS NULL"),
            postgresql_where=sa.text("lifted_at IS NULL"),
        )
    op.create_table(
        "risk_step",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("risk_id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("kind", text(10), nullable=False),
        sa.Column("by", text(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("happened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("contact", text(20), nullable=True),
        sa.Column("who", text(120), nullable=False),
        sa.Column("reference", text(60), nullable=False),
        sa.Column("why_not", text(2000), nullable=False),
        sa.Column("safety", text(15), nullable=True),
        sa.Column("note", text(2000), nullable=False),
        sa.ForeignKeyConstraint(["concern_id"], ["concern.id"]),
        sa.ForeignKeyConstraint(["risk_id"], ["risk.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("risk_step", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_risk_step_concern_id"), ["concern_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_risk_step_risk_id"), ["risk_id"], unique=False)


def downgrade() -> None:
    op.drop_table("risk_step")
    op.drop_table("risk")
