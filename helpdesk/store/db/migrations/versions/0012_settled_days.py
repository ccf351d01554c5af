"""settled days

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 14:30:00

The figures of each London day whose calls are all closed, kept once (counts, and the waits
whole and sorted), so that a period's figures add up days instead of reading every call: a
year reads 365 rows. Derived from the calls and made again whenever missing, so the upgrade
leaves the table empty and the first figures read fills it.
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settled_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("groups", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("remits", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("claim_waits", sa.LargeBinary(), nullable=False),
        sa.Column("decision_waits", sa.LargeBinary(), nullable=False),
        sa.Column("urgent_claim_waits", sa.LargeBinary(), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day"),
    )
    op.create_table(
        "settled_up_to",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("settled_up_to")
    op.drop_table("settled_day")
