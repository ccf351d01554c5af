"""PostgreSQL's two roles: the owner runs migrations; consoles connect as a role that owns
nothing and may only read and append the audit trail. Connected as that role, every way to
change the record behind the console's back is refused by the server itself."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import uuid

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.exc import DatabaseError

from helpdesk.store import commands
from helpdesk.store.db.audit import verify_chain
from helpdesk.store.db.engine import make_engine
from helpdesk.store.db.schema import GrantRefused, console_role, grant_console_role, upgrade
from support import grace_ellis

POSTGRES_URL = os.environ.get("HELPDESK_TEST_POSTGRES_URL", "")


def postgres_admin(url: str):
    from sqlalchemy import create_engine

    return create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture
def owner_and_console(postgres_template):
    """A database from the template (owned by the superuser the tests run as) and a fresh
    console role granted by `db grant`; yields (owner engine, console engine)."""
    admin = postgres_admin(POSTGRES_URL)
    name, role = f"test_{uuid.uuid4().hex[:12]}", f"hdc_{secrets.token_hex(4)}"
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {postgres_template}"))
        connection.execute(text(f"CREATE ROLE {role} LOGIN"))
    url = make_url(POSTGRES_URL).set(database=name)
    owner = make_engine(url.render_as_string(hide_password=False))
    grant_console_role(owner, role)
    console = make_engine(url.set(username=role, password=None).render_as_string(hide_password=False))
    yield owner, console, role
    console.dispose()
    owner.dispose()
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        connection.execute(text(f"DROP ROLE IF EXISTS {role}"))
    admin.dispose()


def test_the_console_role_runs_the_helpline(owner_and_console):
    _, console, _ = owner_and_console
    now = dt.datetime(2026, 11, 18, 9, tzinfo=dt.UTC)
    concern = grace_ellis()
    concern_id = commands.log_concern(console, concern, "rdouglas", now)
    commands.claim(console, concern_id, "akhan", now)
    commands.add_advice(console, concern_id, "akhan", "Advice", now)
    commands.release(console, concern_id, "akhan", "Handing back", now)
    assert verify_chain(console).intact
    # the look-up index is written by the owner's triggers, read by the console
    from helpdesk.domain.search import look_up
    from helpdesk.store.commands.looking_up import look_up as find

    assert [row.id for row in find(console, "lpark", look_up("grace ellis"), now).rows] == [concern_id]


REFUSED = [
    ("UPDATE event SET actor = 'lpark'", "permission denied"),
    ("DELETE FROM event", "permission denied"),
    ("TRUNCATE event", "permission denied"),
    ("ALTER TABLE event DISABLE TRIGGER ALL", "must be owner"),
    ("DROP TRIGGER event_no_update ON event", "must be owner"),
    ("ALTER TABLE event OWNER TO CURRENT_USER", "must be owner"),
    ("DROP TABLE event", "must be owner"),
    ("CREATE TABLE shadow (id int)", "permission denied"),
    ("INSERT INTO setting (key, value) VALUES ('demo', 'yes')", "permission denied"),
    ("UPDATE alembic_version SET version_num = '0001'", "permission denied"),
    ("DELETE FROM call_search", "permission denied"),  # the look-up index: words kept or hidden
    ("INSERT INTO call_search VALUES (999999, to_tsvector('planted'))", "permission denied"),
    ("UPDATE policy_version SET text = ''", "permission denied"),  # a version loaded is never changed
    ("DELETE FROM policy_version", "permission denied"),
    (
        "CREATE OR REPLACE FUNCTION helpdesk_event_is_append_only() RETURNS trigger AS $$ "
        "BEGIN RETURN OLD; END; $$ LANGUAGE plpgsql",
        "permission denied|must be owner",
    ),
]


@pytest.mark.parametrize(("statement", "reason"), REFUSED)
def test_the_console_role_cannot_touch_the_trail_or_the_schema(owner_and_console, statement, reason):
    owner, console, _ = owner_and_console
    with owner.connect() as connection:
        before = connection.execute(text("SELECT count(*), max(hash) FROM event")).one()
    with pytest.raises(DatabaseError, match=reason):
        with console.begin() as connection:
            connection.execute(text(statement))
    with owner.connect() as connection:
        assert connection.execute(text("SELECT count(*), max(hash) FROM event")).one() == before
    assert verify_chain(owner).intact


def test_even_the_owner_cannot_truncate_the_trail_without_dropping_its_guards(owner_and_console):
    owner, _, _ = owner_and_console
    with pytest.raises(DatabaseError, match="append-only"):
        with owner.begin() as connection:
            connection.execute(text("TRUNCATE event CASCADE"))


def test_the_grant_is_remembered_and_refused_to_the_owner(owner_and_console):
    owner, _, role = owner_and_console
    assert console_role(owner) == role
    upgrade(owner)  # grants again (new tables in later migrations reach the consoles too)
    with owner.connect() as connection:
        owner_name = connection.execute(text("SELECT current_user")).scalar()
        rights = (
            connection.execute(
                text(
                    "SELECT privilege_type FROM information_schema.role_table_grants "
                    "WHERE grantee = :role AND table_name = 'event' ORDER BY 1"
                ),
                {"role": role},
            )
            .scalars()
            .all()
        )
    assert rights == ["INSERT", "SELECT"]
    with pytest.raises(GrantRefused, match="owns the schema"):
        grant_console_role(owner, owner_name)
    with pytest.raises(GrantRefused, match="no PostgreSQL role"):
        grant_console_role(owner, "nobody_at_all")


def test_edits_made_with_the_consoles_own_credentials_are_named_by_verify(owner_and_console):
    """What the consoles' role may still do in SQL (ordinary DML on the record) an insider can do
    with its credentials; `audit verify`, run as that same role, names each row so changed."""
    _, console, _ = owner_and_console
    now = dt.datetime(2026, 11, 18, 9, tzinfo=dt.UTC)
    concern_id = commands.log_concern(console, grace_ellis(), "rdouglas", now)
    commands.claim(console, concern_id, "akhan", now)
    advice = commands.add_advice(console, concern_id, "akhan", "Advised a pause", now)
    assert verify_chain(console).intact
    with console.begin() as connection:
        connection.execute(text(f"UPDATE advice SET text = 'Told the head to carry on' WHERE id = {advice}"))
        connection.execute(text("UPDATE staff SET role = 'admin' WHERE login = 'rdouglas'"))
    report = verify_chain(console)
    assert report.broken is None and report.record.total == 2
    assert {problem.row for problem in report.record.problems} == {f"advice:{advice}", "staff:rdouglas"}
