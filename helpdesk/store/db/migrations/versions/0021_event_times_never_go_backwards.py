"""event times never go backwards

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 22:00:00

Each new audit event records when it was written (`recorded_at`: the clock's time, the
database server's on PostgreSQL), in its hash; NULL on the events already on record, whose
hashes stay as they were. The insert guard now also refuses a new event without that time,
recorded before the event it follows, or more than a minute from the database's own clock (a
time set in the future would make every later event look as if it went backwards).
"""

import sqlalchemy as sa
from alembic import op

from helpdesk.domain.audit_chain import GENESIS

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

REFUSED = "audit events are append-only: a new event must extend the chain"
BACKWARDS = "audit events are recorded in time: a new event cannot be recorded before the one it follows"
CLOCK = "audit events are recorded by the clock of the database: a new event is recorded at a time off that clock"
SLACK = "60 seconds"  # how far a new event's time of recording may be from the database's clock


def upgrade() -> None:
    op.add_column("event", sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION helpdesk_event_extends_chain() RETURNS trigger AS $$ "
            "DECLARE head_id integer; head_hash varchar; head_recorded timestamptz; "
            "BEGIN "
            "SELECT id, hash, recorded_at INTO head_id, head_hash, head_recorded FROM event ORDER BY id DESC LIMIT 1; "
            "IF NEW.id IS DISTINCT FROM coalesce(head_id, 0) + 1 "
            f"OR NEW.prev_hash IS DISTINCT FROM coalesce(head_hash, '{GENESIS}') THEN "
            f"RAISE EXCEPTION '{REFUSED}'; END IF; "
            f"IF NEW.recorded_at IS NULL OR NEW.recorded_at < head_recorded THEN RAISE EXCEPTION '{BACKWARDS}'; END IF; "
            f"IF NEW.recorded_at NOT BETWEEN clock_timestamp() - interval '{SLACK}' "
            f"AND clock_timestamp() + interval '{SLACK}' THEN RAISE EXCEPTION '{CLOCK}'; END IF; "
            "RETURN NEW; END; $$ LANGUAGE plpgsql"
        )
        return
    # one trigger, its checks in order: the chain first, then the time (times as SQLite keeps
    # them, "YYYY-MM-DD HH:MM:SS.ffffff" in UTC, sort as text)
    op.execute("DROP TRIGGER event_extends_chain")
    op.execute(
        "CREATE TRIGGER event_extends_chain BEFORE INSERT ON event BEGIN "
        f"SELECT RAISE(ABORT, '{REFUSED}') WHERE NEW.id IS NOT (SELECT coalesce(max(id), 0) + 1 FROM event) "
        f"OR NEW.prev_hash IS NOT coalesce((SELECT hash FROM event ORDER BY id DESC LIMIT 1), '{GENESIS}'); "
        f"SELECT RAISE(ABORT, '{BACKWARDS}') WHERE NEW.recorded_at IS NULL "
        "OR NEW.recorded_at < (SELECT recorded_at FROM event ORDER BY id DESC LIMIT 1); "
        f"SELECT RAISE(ABORT, '{CLOCK}') WHERE NEW.recorded_at NOT BETWEEN "
        f"strftime('%Y-%m-%d %H:%M:%f', 'now', '-{SLACK}') AND strftime('%Y-%m-%d %H:%M:%f', 'now', '+{SLACK}'); "
        "END"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION helpdesk_event_extends_chain() RETURNS trigger AS $$ "
            "DECLARE head_id integer; head_hash varchar; "
            "BEGIN "
            "SELECT id, hash INTO head_id, head_hash FROM event ORDER BY id DESC LIMIT 1; "
            "IF NEW.id IS DISTINCT FROM coalesce(head_id, 0) + 1 "
            f"OR NEW.prev_hash IS DISTINCT FROM coalesce(head_hash, '{GENESIS}') THEN "
            f"RAISE EXCEPTION '{REFUSED}'; "
            "END IF; RETURN NEW; END; $$ LANGUAGE plpgsql"
        )
    else:
        op.execute("DROP TRIGGER event_extends_chain")
        op.execute(
            "CREATE TRIGGER event_extends_chain BEFORE INSERT ON event "
            "WHEN NEW.id IS NOT (SELECT coalesce(max(id), 0) + 1 FROM event) "
            f"OR NEW.prev_hash IS NOT coalesce((SELECT hash FROM event ORDER BY id DESC LIMIT 1), '{GENESIS}') "
            f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"
        )
    op.execute("ALTER TABLE event DROP COLUMN recorded_at")
