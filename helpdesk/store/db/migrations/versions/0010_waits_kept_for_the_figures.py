"""waits kept for the figures

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 10:00:00

A call keeps how long its first claim and its first pause decision took from its receipt,
in whole microseconds, and one index holds every column the figures read in received order,
so that a period's figures are read from the index alone. Existing calls are filled in from
the times 0008 keeps, subtracted exactly in SQL.
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

FIGURES_INDEX = [
    "received_at",
    "category",
    "urgent",
    "decision_in_force",
    "claimed_by",
    "inspection_id",
    "claim_wait_us",
    "decision_wait_us",
]


def micros_between(earlier: str, later: str, sqlite: bool) -> str:
    """SQL for the whole microseconds from one column to another: SQLite keeps UTC as
    'YYYY-MM-DD HH:MM:SS.ffffff' (whole seconds from strftime on the first 19 characters, which
    never rounds, then the six digits); PostgreSQL's epoch of an interval is exact."""
    if not sqlite:
        return f"CAST(EXTRACT(EPOCH FROM ({later} - {earlier})) * 1000000 AS BIGINT)"

    def micros(column: str) -> str:
        return (
            f"(CAST(strftime('%s', substr({column}, 1, 19)) AS INTEGER) * 1000000"
            f" + CAST(substr({column}, 21, 6) AS INTEGER))"
        )

    return f"{micros(later)} - {micros(earlier)}"


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_wait_us", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("decision_wait_us", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE concern SET "
        f"claim_wait_us = {micros_between('received_at', 'first_claimed_at', sqlite)}, "
        f"decision_wait_us = {micros_between('received_at', 'first_decided_at', sqlite)} "
        "WHERE first_claimed_at IS NOT NULL OR first_decided_at IS NOT NULL"
    )
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.create_index("ix_concern_figures", FIGURES_INDEX, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.drop_index("ix_concern_figures")
        batch_op.drop_column("decision_wait_us")
        batch_op.drop_column("claim_wait_us")
