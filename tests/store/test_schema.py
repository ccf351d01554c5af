import sqlite3

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from helpdesk.store.engine import make_engine, sqlite_url
from helpdesk.store.schema import HEAD_REVISION, SchemaNotReady, check_schema, script_head, upgrade


def test_the_console_knows_the_newest_migration():
    assert HEAD_REVISION == script_head()


def test_a_missing_schema_says_which_command_fixes_it(tmp_path):
    engine = make_engine(sqlite_url(tmp_path / "new.sqlite"))
    with pytest.raises(SchemaNotReady, match="run `helpdesk db upgrade`"):
        check_schema(engine)


def test_an_old_schema_says_which_command_fixes_it(empty_engine):
    with empty_engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    with pytest.raises(SchemaNotReady, match="at revision 0000.*run `helpdesk db upgrade`"):
        check_schema(empty_engine)


def test_upgrade_is_repeatable(empty_engine):
    upgrade(empty_engine)
    check_schema(empty_engine)


def test_sqlite_runs_in_wal_with_full_sync_and_foreign_keys(empty_engine):
    with empty_engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def test_the_database_refuses_to_change_or_delete_audit_events(empty_engine):
    with empty_engine.begin() as connection:
        connection.execute(text("INSERT INTO event (actor, at, kind, details) VALUES ('x', '2026-11-18 09:00:00', 'logged', '{}')"))
    for statement in ("UPDATE event SET actor = 'y'", "DELETE FROM event"):
        with pytest.raises(DatabaseError, match="append-only"):
            with empty_engine.begin() as connection:
                connection.execute(text(statement))
    with empty_engine.connect() as connection:
        assert connection.execute(text("SELECT actor FROM event")).scalars().all() == ["x"]


def test_the_open_queue_query_uses_the_partial_index(engine):
    from sqlalchemy.dialects import sqlite as sqlite_dialect

    from helpdesk.store import queries

    with engine.connect() as connection:
        plan = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM concern WHERE status IN ('waiting','claimed') ORDER BY priority, received_at"
        ).all()
    assert any("ix_concern_open_queue" in str(row) for row in plan)


def test_the_database_file_is_group_writable(tmp_path):
    path = tmp_path / "shared.sqlite"
    engine = make_engine(sqlite_url(path))
    upgrade(engine)
    assert path.stat().st_mode & 0o020
