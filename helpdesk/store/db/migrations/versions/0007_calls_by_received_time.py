"""calls by received time

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03 07:20:00

An index on concern.received_at: exports and figures read the calls of a period by it, so
their cost follows the calls in the period, not every call ever received.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_concern_received_at", "concern", ["received_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_concern_received_at", table_name="concern")
