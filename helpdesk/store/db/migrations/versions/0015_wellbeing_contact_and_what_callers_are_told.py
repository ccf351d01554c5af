"""well-being contact and what callers are told

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 13:40:00

An inspection records the person responsible for leaders' well-being (name, role, phone), whom
inspectors ask for at the start of an inspection; a call records when the caller was first told
that raising a concern does not affect the inspection's judgement, and that leaders may be
accompanied in meetings. Every new column is NULL on the rows already on record, and left out of
their digests while NULL (`store.db.seals.SEALED_WHEN_SET`).
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ALTER TABLE: SQLite cannot drop and copy a table that other tables' keys point at
    op.add_column(
        "inspection", sa.Column("wellbeing_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True)
    )
    op.add_column(
        "inspection", sa.Column("wellbeing_role", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True)
    )
    op.add_column(
        "inspection", sa.Column("wellbeing_phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
    )
    op.add_column("concern", sa.Column("told_judgement_unaffected_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("concern", sa.Column("told_may_be_accompanied_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    for column in ("told_may_be_accompanied_at", "told_judgement_unaffected_at"):
        op.drop_column("concern", column)
    for column in ("wellbeing_phone", "wellbeing_role", "wellbeing_name"):
        op.drop_column("inspection", column)
