"""audit hash chain

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 07:00:00

Each audit event carries the previous event's hash and its own (helpdesk.domain.audit_chain);
existing events are chained in id order. The database refuses, besides UPDATE and DELETE:
TRUNCATE (PostgreSQL), and any insert that does not extend the chain (an id other than the
next one, or a previous hash other than the newest event's), which also refuses SQLite's
INSERT OR REPLACE, REPLACE and upserts over an existing event.
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from helpdesk.domain.audit_chain import GENESIS, event_hash

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

GUARDED = ("update", "delete")


def upgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default="")
        )
    drop_guards()
    chain_existing_events()
    create_guards()


def downgrade() -> None:
    drop_guards()
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS event_no_truncate ON event")
        op.execute("DROP TRIGGER IF EXISTS event_extends_chain ON event")
        op.execute("DROP FUNCTION IF EXISTS helpdesk_event_extends_chain()")
    else:
        op.execute("DROP TRIGGER IF EXISTS event_extends_chain")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
    create_update_and_delete_guards()


def chain_existing_events() -> None:
    bind = op.get_bind()
    event = sa.table(
        "event",
        sa.column("id", sa.Integer()),
        sa.column("at", sa.DateTime(timezone=True)),  # typed, so that SQLite's text comes back as a time
        sa.column("actor", sa.String()),
        sa.column("kind", sa.String()),
        sa.column("concern_id", sa.Integer()),
        sa.column("details", sa.String()),
    )
    previous = GENESIS
    for row in bind.execute(sa.select(event).order_by(event.c.id)).all():
        digest = event_hash(
            id=row.id,
            at=row.at,
            actor=row.actor,
            kind=row.kind,
            concern_id=row.concern_id,
            details=row.details,
            prev_hash=previous,
        )
        bind.execute(
            sa.text("UPDATE event SET prev_hash = :prev, hash = :hash WHERE id = :id"),
            {"prev": previous, "hash": digest, "id": row.id},
        )
        previous = digest


def drop_guards() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for verb in GUARDED:
        op.execute(f"DROP TRIGGER IF EXISTS event_no_{verb}" + (" ON event" if postgresql else ""))


def create_update_and_delete_guards() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for verb in GUARDED:
            op.execute(
                f"CREATE TRIGGER event_no_{verb} BEFORE {verb.upper()} ON event "
                "FOR EACH ROW EXECUTE FUNCTION helpdesk_event_is_append_only()"
            )
    else:
        for verb in GUARDED:
            op.execute(
                f"CREATE TRIGGER event_no_{verb} BEFORE {verb.upper()} ON event "
                "BEGIN SELECT RAISE(ABORT, 'audit events are append-only'); END"
            )


def create_guards() -> None:
    create_update_and_delete_guards()
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER event_no_truncate BEFORE TRUNCATE ON event "
            "FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_event_is_append_only()"
        )
        op.execute(
            "CREATE FUNCTION helpdesk_event_extends_chain() RETURNS trigger AS $$ "
            "DECLARE head_id integer; head_hash varchar; "
            "BEGIN "
            "SELECT id, hash INTO head_id, head_hash FROM event ORDER BY id DESC LIMIT 1; "
            f"IF NEW.id IS DISTINCT FROM coalesce(head_id, 0) + 1 "
            f"OR NEW.prev_hash IS DISTINCT FROM coalesce(head_hash, '{GENESIS}') THEN "
            "RAISE EXCEPTION 'audit events are append-only: a new event must extend the chain'; "
            "END IF; RETURN NEW; END; $$ LANGUAGE plpgsql"
        )
        op.execute(
            "CREATE TRIGGER event_extends_chain BEFORE INSERT ON event "
            "FOR EACH ROW EXECUTE FUNCTION helpdesk_event_extends_chain()"
        )
    else:
        op.execute(
            "CREATE TRIGGER event_extends_chain BEFORE INSERT ON event "
            "WHEN NEW.id IS NOT (SELECT coalesce(max(id), 0) + 1 FROM event) "
            f"OR NEW.prev_hash IS NOT coalesce((SELECT hash FROM event ORDER BY id DESC LIMIT 1), '{GENESIS}') "
            "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: a new event must extend the chain'); END"
        )
