import os
import stat

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from helpdesk.store.db.engine import DatabaseFileMissing, make_engine, sqlite_url
from helpdesk.store.db.schema import HEAD_REVISION, SchemaNotReady, check_schema, script_head, upgrade


def test_the_console_knows_the_newest_migration():
    assert HEAD_REVISION == script_head()


def test_a_missing_schema_says_which_command_fixes_it(tmp_path):
    engine = make_engine(sqlite_url(tmp_path / "new.sqlite"), create=True)
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


def test_the_database_refuses_to_change_or_delete_audit_events(engine):
    with engine.connect() as connection:
        before = connection.execute(text("SELECT id, actor FROM event ORDER BY id")).all()
    assert before
    for statement in ("UPDATE event SET actor = 'y'", "DELETE FROM event", "DELETE FROM event WHERE id = 1"):
        with pytest.raises(DatabaseError, match="append-only"):
            with engine.begin() as connection:
                connection.execute(text(statement))
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id, actor FROM event ORDER BY id")).all() == before


def test_sqlite_uses_the_partial_index_for_the_open_queue(empty_engine):
    with empty_engine.connect() as connection:
        plan = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT id FROM concern WHERE status IN ('waiting','claimed') ORDER BY priority, received_at"
        ).all()
    assert any("ix_concern_open_queue" in str(row) for row in plan)


def database_files(path):
    return [path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")]


@pytest.mark.parametrize(("shared", "mode"), [(True, 0o660), (False, 0o600)])
def test_database_files_are_never_readable_by_others_whatever_the_umask(tmp_path, shared, mode):
    """0660 in a setgid folder shared by the staff group, 0600 in a personal folder; the -wal
    and -shm files SQLite makes beside the database take the same mode."""
    folder = tmp_path / ("shared" if shared else "personal")
    folder.mkdir()
    if shared:
        folder.chmod(0o2770)
    old = os.umask(0o022)
    try:
        engine = make_engine(sqlite_url(folder / "helpdesk.sqlite"), create=True)
        upgrade(engine)
        with engine.connect() as connection:  # a reader too, so that every companion file exists
            connection.exec_driver_sql("SELECT count(*) FROM event").scalar()
            modes = {f.name: stat.S_IMODE(f.stat().st_mode) for f in database_files(folder / "helpdesk.sqlite")}
        engine.dispose()
    finally:
        os.umask(old)
    assert modes == {f.name: mode for f in database_files(folder / "helpdesk.sqlite")}


def test_a_database_left_readable_by_others_is_closed_when_opened(tmp_path):
    path = tmp_path / "old.sqlite"
    make_engine(sqlite_url(path), create=True).dispose()
    path.chmod(0o644)  # as an older console made it
    make_engine(sqlite_url(path)).dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_nothing_but_upgrade_and_the_demo_creates_a_database(tmp_path):
    missing = tmp_path / "nowhere" / "helpdesk.sqlite"
    with pytest.raises(DatabaseFileMissing, match="run `helpdesk db upgrade`"):
        make_engine(sqlite_url(missing))
    assert not missing.exists() and not missing.parent.exists()


def test_the_tables_in_code_match_what_the_migrations_build(engine):
    """The SQLModel tables and the migrations describe one schema: any column, index or
    constraint in one and not the other shows here."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    import helpdesk.store.db.models  # noqa: F401  (registers the tables)

    def in_code(name, kind, parents) -> bool:
        """The look-up index (migration 0019) is the database's own, kept by its triggers: an
        FTS5 table and its shadow tables on SQLite, a tsvector table on PostgreSQL; no model."""
        return not (kind == "table" and name and name.startswith("call_search"))

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_name": in_code})
        differences = compare_metadata(context, SQLModel.metadata)
    if engine.dialect.name != "sqlite":
        assert differences == []
        return
    # SQLite never held a VARCHAR to its length, and rebuilding the event table to say TEXT would
    # drop its append-only triggers: the one column whose declared type differs (migration 0013)
    types = [d for d in differences if isinstance(d, list)]
    assert [(kind, table, column) for (kind, _, table, column, *_) in (d[0] for d in types)] == [
        ("modify_type", "event", "details")
    ]
    differences = [d for d in differences if not isinstance(d, list)]
    # SQLite keeps presence in a file of its own (store/presence.py): the one table missing
    # here, and there it is as the code describes it
    assert [(kind, table.name) for kind, table, *_ in differences] == [
        ("add_table", "presence"),
        ("add_index", "ix_presence_concern_id"),
    ]
    from helpdesk.store.db.presence import presence_engine

    with presence_engine(engine).connect() as connection:
        there = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert not [d for d in there if "presence" in repr(d)]


def test_upgrading_a_record_made_before_decisions_named_each_other(tmp_path):
    """Revision 0005 on a database with history: each later decision on a call supersedes the
    one before it, and each notification reports the decision in force when it was recorded."""
    engine = make_engine(sqlite_url(tmp_path / "old.sqlite"), create=True)
    upgrade(engine, "0004")
    with engine.begin() as connection:
        run = lambda sql, **values: connection.execute(text(sql), values)  # noqa: E731
        run(
            "INSERT INTO school (urn, name, type, phase, local_authority, postcode) VALUES ('930037', 'Thornhill', '', '', '', '')"
        )
        run(
            "INSERT INTO concern (id, received_at, logged_by, caller_name, caller_role, caller_phone, urn, category, urgent,"
            " priority, summary, status) VALUES (1, '2026-11-18 09:00:00+00:00', 'rdouglas', 'Grace Ellis', 'headteacher',"
            " '+442079460123', '930037', 'pause_request', 1, 0, 'Pause?', 'claimed')"
        )
        for decision_id, decision, at in ((1, "declined", "09:10"), (2, "authorised", "09:40")):
            run(
                "INSERT INTO pause_decision (id, concern_id, requested_by, grounds, decision, exceptional, justification,"
                " rationale, decided_by, decided_at) VALUES (:id, 1, 'headteacher', 'wellbeing', :decision, 0, '', 'Why', 'gsingh', :at)",
                id=decision_id,
                decision=decision,
                at=f"2026-11-18 {at}:00+00:00",
            )
        for notification_id, party, at in ((1, "lead_inspector", "09:15"), (2, "school", "09:45")):
            run(
                "INSERT INTO notification (id, concern_id, by, at, party, channel, note) VALUES (:id, 1, 'gsingh', :at, :party, 'phone', '')",
                id=notification_id,
                party=party,
                at=f"2026-11-18 {at}:00+00:00",
            )
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT id, supersedes_id FROM pause_decision ORDER BY id")).all() == [
            (1, None),
            (2, 1),
        ]
        assert connection.execute(text("SELECT id, decision_id FROM notification ORDER BY id")).all() == [
            (1, 1),
            (2, 2),
        ]
    engine.dispose()


def test_upgrading_chains_the_events_already_recorded(tmp_path, clock):
    """Revision 0006 on a trail written before the chain (ids with gaps, as PostgreSQL's sequence
    leaves after rolled-back transactions): every event is chained in id order, and new events
    extend the chain."""
    from helpdesk.store.db.audit import verify_chain
    from support import import_samples

    engine = make_engine(sqlite_url(tmp_path / "old.sqlite"), create=True)
    upgrade(engine, "0005")
    with engine.begin() as connection:
        for event_id, kind in ((3, "imported"), (4, "imported"), (9, "exported")):
            connection.execute(
                text("INSERT INTO event (id, actor, at, kind, details) VALUES (:id, 'wcole', :at, :kind, '{}')"),
                {"id": event_id, "at": f"2026-11-18 09:0{event_id}:00.250000", "kind": kind},
            )
    upgrade(engine)
    report = verify_chain(engine)
    assert report.intact and report.events == 3 and report.head.event_id == 9
    import_samples(engine, clock.now())
    report = verify_chain(engine)
    assert report.intact and report.head.event_id == 9 + 6  # the first admin and five imports
    engine.dispose()
