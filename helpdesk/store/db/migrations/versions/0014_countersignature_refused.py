"""countersignature refused or escalated

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07 13:10:00

A supervisor may refuse to countersign an exceptional pause, with reasons: the decision records
who refused it, when and why, and never comes into force. The three columns are NULL on every
decision already on record, and a column of the record that is NULL is left out of the row's
digest (`store.db.seals.SEALED_WHEN_SET`), so the rows keep the digests their events carry.
An exceptional pause still awaiting countersignature after the policy's minutes is escalated to
supervisors: the escalation names the decision.
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # plain ALTER TABLE: SQLite cannot drop and copy a table that other tables' keys point at
    op.add_column("pause_decision", sa.Column("refused_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
    op.add_column("pause_decision", sa.Column("refused_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "pause_decision", sa.Column("refusal_reason", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True)
    )
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_escalation_decision", "pause_decision", ["decision_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_constraint("fk_escalation_decision", type_="foreignkey")
        batch_op.drop_column("decision_id")
    for column in ("refusal_reason", "refused_at", "refused_by"):
        op.drop_column("pause_decision", column)
