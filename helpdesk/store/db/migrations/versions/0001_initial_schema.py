"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-22 09:01:41.579360

Every table, the open-queue partial index, and triggers that make the audit
table append-only in the database itself.
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "responsible_body",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("contact_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("contact_role", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "setting",
        sa.Column("key", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "staff",
        sa.Column("login", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("region", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("login"),
    )
    op.create_table(
        "school",
        sa.Column("urn", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("phase", sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
        sa.Column("local_authority", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("postcode", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("responsible_body_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["responsible_body_id"],
            ["responsible_body.id"],
        ),
        sa.PrimaryKeyConstraint("urn"),
    )
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_school_responsible_body_id"), ["responsible_body_id"], unique=False)

    op.create_table(
        "conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("urn", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
        sa.Column("responsible_body_id", sa.Integer(), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["login"],
            ["staff.login"],
        ),
        sa.ForeignKeyConstraint(
            ["responsible_body_id"],
            ["responsible_body.id"],
        ),
        sa.ForeignKeyConstraint(
            ["urn"],
            ["school.urn"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("conflict", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conflict_login"), ["login"], unique=False)

    op.create_table(
        "inspection",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("urn", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("remit", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("lead_inspector", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["urn"],
            ["school.urn"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inspection_urn"), ["urn"], unique=False)

    op.create_table(
        "concern",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("logged_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("caller_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("caller_role", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("caller_phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("urn", sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("claimed_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
        sa.Column("signposting_offered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
        ),
        sa.ForeignKeyConstraint(
            ["urn"],
            ["school.urn"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.create_index(
            "ix_concern_open_queue",
            ["priority", "received_at"],
            unique=False,
            sqlite_where=sa.text("status IN ('waiting','claimed')"),
            postgresql_where=sa.text("status IN ('waiting','claimed')"),
        )
        batch_op.create_index(batch_op.f("ix_concern_urn"), ["urn"], unique=False)

    op.create_table(
        "inspection_member",
        sa.Column("inspection_id", sa.Integer(), nullable=False),
        sa.Column("login", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("part", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["inspection_id"],
            ["inspection.id"],
        ),
        sa.PrimaryKeyConstraint("inspection_id", "login"),
    )
    op.create_table(
        "advice",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("author", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=False),
        sa.Column("corrects_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["concern_id"],
            ["concern.id"],
        ),
        sa.ForeignKeyConstraint(
            ["corrects_id"],
            ["advice.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("advice", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_advice_concern_id"), ["concern_id"], unique=False)

    op.create_table(
        "contact_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("party", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("contact_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
        sa.Column("phone", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["concern_id"],
            ["concern.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("contact_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_attempt_concern_id"), ["concern_id"], unique=False)

    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=True),
        sa.Column("actor", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("details", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.ForeignKeyConstraint(
            ["concern_id"],
            ["concern.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_concern_id"), ["concern_id"], unique=False)

    op.create_table(
        "notification",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("party", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.ForeignKeyConstraint(
            ["concern_id"],
            ["concern.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notification_concern_id"), ["concern_id"], unique=False)

    op.create_table(
        "pause_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("grounds", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("decision", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("working_days", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("resumes_on", sa.Date(), nullable=True),
        sa.Column("exceptional", sa.Boolean(), nullable=False),
        sa.Column("justification", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("rationale", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("decided_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("countersigned_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("countersigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["concern_id"],
            ["concern.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("pause_decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pause_decision_concern_id"), ["concern_id"], unique=False)

    op.create_table(
        "review",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("concern_id", sa.Integer(), nullable=False),
        sa.Column("reviewer", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("feedback", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.ForeignKeyConstraint(
            ["concern_id"],
            ["concern.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_review_concern_id"), ["concern_id"], unique=False)

    create_audit_guards()


def downgrade() -> None:
    drop_audit_guards()
    with op.batch_alter_table("review", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_review_concern_id"))

    op.drop_table("review")
    with op.batch_alter_table("pause_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pause_decision_concern_id"))

    op.drop_table("pause_decision")
    with op.batch_alter_table("notification", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notification_concern_id"))

    op.drop_table("notification")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_concern_id"))

    op.drop_table("event")
    with op.batch_alter_table("contact_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_attempt_concern_id"))

    op.drop_table("contact_attempt")
    with op.batch_alter_table("advice", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_advice_concern_id"))

    op.drop_table("advice")
    op.drop_table("inspection_member")
    with op.batch_alter_table("concern", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_concern_urn"))
        batch_op.drop_index(
            "ix_concern_open_queue",
            sqlite_where=sa.text("status IN ('waiting','claimed')"),
            postgresql_where=sa.text("status IN ('waiting','claimed')"),
        )

    op.drop_table("concern")
    with op.batch_alter_table("inspection", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inspection_urn"))

    op.drop_table("inspection")
    with op.batch_alter_table("conflict", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conflict_login"))

    op.drop_table("conflict")
    with op.batch_alter_table("school", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_school_responsible_body_id"))

    op.drop_table("school")
    op.drop_table("staff")
    op.drop_table("setting")
    op.drop_table("responsible_body")


def create_audit_guards() -> None:
    """The database itself refuses to change or remove an audit event."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION helpdesk_event_is_append_only() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit events are append-only'; END; $$ LANGUAGE plpgsql"
        )
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER event_no_{verb.lower()} BEFORE {verb} ON event "
                "FOR EACH ROW EXECUTE FUNCTION helpdesk_event_is_append_only()"
            )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER event_no_{verb.lower()} BEFORE {verb} ON event "
                "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
            )


def drop_audit_guards() -> None:
    for verb in ("update", "delete"):
        op.execute(
            f"DROP TRIGGER IF EXISTS event_no_{verb}"
            + (" ON event" if op.get_bind().dialect.name == "postgresql" else "")
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS helpdesk_event_is_append_only()")
