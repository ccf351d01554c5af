"""complete record before close

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 21:10:00

A notification names the decision it reports; a pause decision names the one it supersedes and
holds the countersigning supervisor's reasons; a call records why signposting was not offered;
an inspection a senior recorded on a call says who recorded it.
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("signposting_not_offered", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True)
        )

    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recorded_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))

    with op.batch_alter_table("pause_decision", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "countersign_reason", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False, server_default=""
            )
        )
        batch_op.add_column(sa.Column("supersedes_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_pause_decision_supersedes", "pause_decision", ["supersedes_id"], ["id"])

    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decision_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_notification_decision", "pause_decision", ["decision_id"], ["id"])

    # Decisions recorded before this revision: each one after the first on a call superseded the
    # one before it, and a notification reported the decision in force when it was recorded.
    op.execute(
        "UPDATE pause_decision SET supersedes_id = (SELECT MAX(p.id) FROM pause_decision p "
        "WHERE p.concern_id = pause_decision.concern_id AND p.id < pause_decision.id)"
    )
    op.execute(
        "UPDATE notification SET decision_id = (SELECT p.id FROM pause_decision p "
        "WHERE p.concern_id = notification.concern_id AND p.decided_at <= notification.at "
        "ORDER BY p.id DESC LIMIT 1)"
    )


def downgrade() -> None:
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_constraint("fk_notification_decision", type_="foreignkey")
        batch_op.drop_column("decision_id")

    with op.batch_alter_table("pause_decision", schema=None) as batch_op:
        batch_op.drop_constraint("fk_pause_decision_supersedes", type_="foreignkey")
        batch_op.drop_column("supersedes_id")
        batch_op.drop_column("countersign_reason")

    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_column("recorded_by")

    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.drop_column("signposting_not_offered")
