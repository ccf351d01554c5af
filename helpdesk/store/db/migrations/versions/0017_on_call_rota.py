"""on-call rota

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 18:40:00

Supervisors' periods on call: imported by an admin or added on the rota screen, kept when taken
off (who, when). Part of the record, bound to the trail from its first row.
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "on_call",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["login"], ["staff.login"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("on_call", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_on_call_login"), ["login"], unique=False)
        batch_op.create_index(batch_op.f("ix_on_call_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_on_call_ends_at"), ["ends_at"], unique=False)


def downgrade() -> None:
    op.drop_table("on_call")
