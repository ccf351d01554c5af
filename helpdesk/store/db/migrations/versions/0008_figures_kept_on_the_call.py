"""figures kept on the call

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 07:40:00

A call keeps, as they happen, its first claim's time, its first pause decision's time and the
decision in force, so that the figures read them from the call on the received_at index rather
than grouping the whole audit trail. Existing calls are filled in from the trail and decisions.
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("first_decided_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("decision_in_force", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
    op.execute(
        "UPDATE concern SET "
        "first_claimed_at = (SELECT min(at) FROM event WHERE event.concern_id = concern.id AND kind = 'claimed'), "
        "first_decided_at = (SELECT min(at) FROM event WHERE event.concern_id = concern.id AND kind = 'decision'), "
        "decision_in_force = (SELECT decision FROM pause_decision WHERE pause_decision.concern_id = concern.id "
        "ORDER BY pause_decision.id DESC LIMIT 1)"
    )


def downgrade() -> None:
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.drop_column("decision_in_force")
        batch_op.drop_column("first_decided_at")
        batch_op.drop_column("first_claimed_at")
