"""reviews feedback and closed index

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 09:48:17.067412

Reviews name the senior whose call they review; seniors' reading of feedback is recorded;
the closed-call list has a partial index on (closed_at, id).
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feedback_seen",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("login", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["review.id"],
        ),
        sa.PrimaryKeyConstraint("review_id", "login"),
    )
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.create_index(
            "ix_concern_closed",
            ["closed_at", "id"],
            unique=False,
            sqlite_where=sa.text("status = 'closed'"),
            postgresql_where=sa.text("status = 'closed'"),
        )

    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("senior", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default="")
        )
        batch_op.create_index(batch_op.f("ix_review_senior"), ["senior"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_senior"))
        batch_op.drop_column("senior")

    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_concern_closed",
            sqlite_where=sa.text("status = 'closed'"),
            postgresql_where=sa.text("status = 'closed'"),
        )

    op.drop_table("feedback_seen")
