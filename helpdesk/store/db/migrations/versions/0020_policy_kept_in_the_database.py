"""the policy kept in the database

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 21:30:00

Versions of the policy, each loaded by an admin (`helpdesk policy load`) as the text that was
checked; the newest is in force for every process on the database. Part of the record, bound to
the trail from its first row. Pause decisions and escalations name the version they applied:
NULL on the rows already on record (left out of their digests while NULL) and wherever the
database held no version (a policy file).
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "policy_version",
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("loaded_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("version"),
    )
    # plain ALTER TABLE: SQLite cannot drop and copy a table that other tables' keys point at
    op.add_column("pause_decision", sa.Column("policy_version", sa.Integer(), nullable=True))
    op.add_column("escalation", sa.Column("policy_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("escalation", "policy_version")
    op.drop_column("pause_decision", "policy_version")
    op.drop_table("policy_version")
