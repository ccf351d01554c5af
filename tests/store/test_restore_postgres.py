"""`helpdesk db restore` on PostgreSQL: the pg_dump backup restored into a new database and
checked there before anything else is touched; then the live database renamed aside and the
restored one renamed into its place; what the restore lost counted and recorded."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, make_url, select, text

from helpdesk.store.admin.backup import back_up
from helpdesk.store.admin.restore import RestoreRefused, restore
from helpdesk.store.db.audit import chain_head, verify_chain
from helpdesk.store.db.engine import make_engine
from helpdesk.store.db.models import Concern, Event
from helpdesk.store.db.presence import beat, leave
from support import handled, log


@pytest.fixture
def database_url(request):
    """PostgreSQL only (the SQLite restore has tests of its own)."""
    return request.getfixturevalue("database_url_postgres")


@pytest.fixture
def database_url_postgres(postgres_template):
    import os
    import uuid

    from sqlalchemy import create_engine, make_url

    server = os.environ["HELPDESK_TEST_POSTGRES_URL"]
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {postgres_template}"))
    yield make_url(server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        for leftover in connection.scalars(
            text("SELECT datname FROM pg_database WHERE datname LIKE :prefix"), {"prefix": f"{name}%"}
        ).all():
            connection.execute(text(f"DROP DATABASE IF EXISTS {leftover} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


def calls(engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Concern)) or 0)


def databases(engine, prefix: str) -> list[str]:
    with engine.connect() as connection:
        return list(
            connection.scalars(text("SELECT datname FROM pg_database WHERE datname LIKE :p"), {"p": f"{prefix}%"})
        )


@pytest.fixture
def backed_up(engine, clock, tmp_path):
    """Two calls, a backup of them, then three more calls the backup does not hold."""
    handled(engine, clock, days_ago=2)
    log(engine, clock)
    made = back_up(engine, tmp_path / "backup.dump", "wcole", clock.now())
    for _ in range(3):
        log(engine, clock)
    return made


def test_a_backup_takes_the_place_of_the_live_database_and_the_loss_is_counted(engine, database_url, clock, backed_up):
    live_head = chain_head(engine)
    name = engine.url.database
    done = restore(database_url, engine, backed_up.path, "wcole", clock.now())
    assert done.lost == live_head.event_id - done.head.event_id > 0
    assert done.replaced == f"{name}_replaced_20261118090000"
    restored = make_engine(database_url)
    try:
        assert calls(restored) == 2
        assert verify_chain(restored).intact
        with restored.connect() as connection:
            kind, actor = connection.execute(select(Event.kind, Event.actor).order_by(Event.id.desc()).limit(1)).one()
        assert (kind, actor) == ("restored", "wcole")
        assert sorted(databases(restored, name)) == [name, f"{name}_replaced_20261118090000"]  # nothing half-made left
    finally:
        restored.dispose()


def test_nothing_is_touched_unless_the_backup_checks(engine, database_url, clock, backed_up, tmp_path):
    before = calls(engine)
    name = engine.url.database
    damaged = tmp_path / "damaged.dump"
    damaged.write_bytes(backed_up.path.read_bytes()[:2000])
    with pytest.raises(RestoreRefused, match="not a backup made by `helpdesk db backup`"):
        restore(database_url, engine, damaged, "wcole", clock.now())
    forged = tmp_path / "forged.dump"
    forged.write_bytes(backed_up.path.read_bytes())
    (tmp_path / "forged.dump.anchor").write_text("1:" + "0" * 64 + "\n")
    with pytest.raises(RestoreRefused, match="does not hold the anchor 1:0000"):
        restore(database_url, engine, forged, "wcole", clock.now())
    assert calls(engine) == before
    assert databases(engine, name) == [name]  # the database restored into was dropped


def test_a_console_open_refuses_the_restore_unless_told_to_stop_it(engine, database_url, clock, backed_up):
    beat(engine, "console-1", "gsingh", None, clock.now())
    with pytest.raises(RestoreRefused, match="1 console\\(s\\) open \\(Gurpreet Singh\\)"):
        restore(database_url, engine, backed_up.path, "wcole", clock.now())
    assert calls(engine) == 5

    # told: the console sees the announcement in the trail and closes (leaves, disconnects)
    def console() -> None:
        probe = make_engine(database_url)
        while True:
            with probe.connect() as connection:
                if connection.scalar(text("SELECT count(*) FROM event WHERE kind = 'restore_announced'")):
                    break
        leave(probe, "console-1")
        probe.dispose()

    closing = threading.Thread(target=console)
    closing.start()
    done = restore(database_url, engine, backed_up.path, "wcole", clock.now(), stop_consoles=True)
    closing.join()
    assert done.lost is not None and done.lost > 3  # the calls, and the announcement
    kept = make_engine(make_url(database_url).set(database=str(done.replaced)).render_as_string(hide_password=False))
    try:
        with kept.connect() as connection:
            assert connection.scalar(text("SELECT actor FROM event WHERE kind = 'restore_announced'")) == "wcole"
    finally:
        kept.dispose()


def test_another_connection_to_the_database_refuses_the_restore(engine, database_url, clock, backed_up):
    other = make_engine(database_url)
    try:
        with other.connect() as held:
            held.execute(text("SELECT 1"))
            with pytest.raises(RestoreRefused, match="other connection\\(s\\)"):
                restore(database_url, engine, backed_up.path, "wcole", clock.now())
    finally:
        other.dispose()
    assert calls(make_engine(database_url)) == 5


def test_the_consoles_role_keeps_what_it_was_granted(engine, database_url, clock, tmp_path):
    """What a database itself grants (TEMPORARY, which `audit verify` needs) is not in a dump:
    the restore grants the consoles' role again."""
    import uuid

    from helpdesk.store.db.schema import grant_console_role

    role = f"console_{uuid.uuid4().hex[:8]}"
    with engine.connect() as connection:
        connection.execute(text(f"CREATE ROLE {role} LOGIN"))
        connection.commit()
    try:
        grant_console_role(engine, role)
        log(engine, clock)
        made = back_up(engine, tmp_path / "granted.dump", "wcole", clock.now())
        restore(database_url, engine, made.path, "wcole", clock.now())
        restored = make_engine(database_url)
        try:
            with restored.connect() as connection:
                name = restored.url.database
                granted = connection.scalar(text(f"SELECT datacl::text FROM pg_database WHERE datname = '{name}'"))
                assert f"{role}=T" in granted  # (granted by the database itself: not in a dump)
                assert connection.scalar(text(f"SELECT has_table_privilege('{role}', 'concern', 'INSERT')"))
                assert not connection.scalar(text(f"SELECT has_table_privilege('{role}', 'event', 'UPDATE')"))
        finally:
            restored.dispose()
    finally:
        with make_engine(
            make_url(database_url).set(database="postgres").render_as_string(hide_password=False)
        ).connect() as c:
            c.execute(text(f"DROP OWNED BY {role}"))
            c.commit()


def test_a_backup_is_checked_by_restoring_it_and_one_that_does_not_verify_is_not_kept(engine, clock, tmp_path):
    from helpdesk.store.admin.backup import BackupRefused

    log(engine, clock)
    made = back_up(engine, tmp_path / "good.dump", "wcole", clock.now())
    assert made.head == chain_head(engine) or made.head.event_id >= 1
    name = engine.url.database
    with engine.begin() as connection:  # an insider's edit: the trail no longer vouches for the row
        connection.execute(text("UPDATE concern SET summary = 'nothing happened'"))
    with pytest.raises(BackupRefused, match="the copy does not verify once restored .* nothing was kept"):
        back_up(engine, tmp_path / "bad.dump", "wcole", clock.now())
    assert not (tmp_path / "bad.dump").exists() and not (tmp_path / "bad.dump.anchor").exists()
    assert databases(engine, name) == [name]  # the database checked in was dropped
