"""Creating and upgrading the schema (alembic, configured in code) and checking it before use."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from helpdesk.store.db.engine import disk_full, sqlite_file, writer
from helpdesk.store.faults import describe_fault

# The newest migration. A test checks it against alembic's own view of the scripts, so the
# console can check the schema without importing alembic on start-up.
HEAD_REVISION = "0021"


if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Connection


class SchemaNotReady(RuntimeError):
    """The database has no schema, or an older one; str() says which command fixes it."""


def _alembic_config(connection: Connection | None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the schema (run by the database's owner). On PostgreSQL, the consoles' role, if
    one was granted, is granted again, so that tables a migration adds are theirs to use too."""
    from alembic import command

    # the write lock first (on SQLite): a migration reads the schema before it writes, and a read
    # turned write fails at once while a console is writing
    with writer(engine).begin() as connection:
        command.upgrade(_alembic_config(connection), revision)
    if engine.dialect.name == "postgresql" and revision == "head" and (role := console_role(engine)):
        grant_console_role(engine, role)
    if engine.dialect.name == "postgresql" and revision == "head":
        from helpdesk.store.db.staff_roles import grant_staff_roles, staff_roles_in_use

        with engine.connect() as connection:
            in_use = staff_roles_in_use(connection)
        if in_use:  # each member of staff's own role: new tables granted too
            grant_staff_roles(engine)


def downgrade(engine: Engine, revision: str) -> None:
    """Undo the revisions after `revision` (tests of an upgrade from an older record)."""
    from alembic import command

    with writer(engine).begin() as connection:
        command.downgrade(_alembic_config(connection), revision)


def script_head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config(None)).get_current_head() or ""


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def check_schema(engine: Engine) -> None:
    """Raise SchemaNotReady unless the database is at HEAD_REVISION."""
    try:
        found = current_revision(engine)
    except (OperationalError, ProgrammingError) as error:
        path = sqlite_file(str(engine.url))
        if path is not None and disk_full(path):
            raise SchemaNotReady(
                f"cannot open the database: the disk holding {path.parent} is full ({describe_fault(error)}); "
                "free some space and try again"
            ) from None
        raise SchemaNotReady(f"cannot open the database ({describe_fault(error)})") from None
    if found is None:
        raise SchemaNotReady("the database has no helpdesk schema yet: run `helpdesk db upgrade`")
    if found != HEAD_REVISION:
        raise SchemaNotReady(
            f"the database schema is at revision {found}, this helpdesk needs {HEAD_REVISION}: "
            "run `helpdesk db upgrade`"
        )


# --- PostgreSQL: the role consoles connect as ------------------------------------------------

# What the consoles' role may do to each table; every other table: SELECT, INSERT, UPDATE, DELETE.
CONSOLE_PRIVILEGES = {
    "event": "SELECT, INSERT",  # the audit trail: append only (its triggers guard the rest)
    "alembic_version": "SELECT",
    "setting": "SELECT",
    "policy_version": "SELECT, INSERT",  # a version loaded is never changed: a new one is loaded
}
CONSOLE_ROLE_SETTING = "console_role"
# Tables with no model, kept by the database's own triggers: what the consoles' role may do there
DERIVED_TABLES = {"call_search": "SELECT"}  # the look-up index (migration 0019): written by the owner's triggers


class GrantRefused(RuntimeError):
    """The console role cannot be granted; str() says why."""


def grant_console_role(engine: Engine, role: str) -> None:
    """Run by the owner (who ran `db upgrade`): give `role` what consoles need and no more. It
    owns nothing, so it cannot alter tables, drop or disable triggers, or truncate; on the audit
    trail it may only read and append. Remembered, so that `db upgrade` grants new tables too."""
    if engine.dialect.name != "postgresql":
        raise GrantRefused("roles are for PostgreSQL: on SQLite, the file's group and mode decide who may write")
    from sqlmodel import SQLModel

    from helpdesk.store.db import models  # noqa: F401  (registers the tables)

    with engine.begin() as connection:
        quote = connection.dialect.identifier_preparer.quote
        exists = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}).first()
        if exists is None:
            raise GrantRefused(f"there is no PostgreSQL role {role!r}: create it first (deploy/postgres-roles.sh)")
        owner = connection.execute(
            text("SELECT tableowner FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'event'")
        ).scalar()
        if owner == role:
            raise GrantRefused(f"{role!r} owns the schema: consoles must connect as a role that owns nothing")
        who, schema = quote(role), quote(str(connection.execute(text("SELECT current_schema()")).scalar()))
        connection.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {who}"))
        for table in [*SQLModel.metadata.sorted_tables, None]:
            name = "alembic_version" if table is None else table.name
            connection.execute(text(f"REVOKE ALL ON TABLE {quote(name)} FROM {who}"))
            privileges = CONSOLE_PRIVILEGES.get(name, "SELECT, INSERT, UPDATE, DELETE")
            connection.execute(text(f"GRANT {privileges} ON TABLE {quote(name)} TO {who}"))
        for name, privileges in DERIVED_TABLES.items():  # tables the database keeps itself (no model)
            if connection.execute(text("SELECT to_regclass(:name)"), {"name": name}).scalar() is not None:
                connection.execute(text(f"REVOKE ALL ON TABLE {quote(name)} FROM {who}"))
                connection.execute(text(f"GRANT {privileges} ON TABLE {quote(name)} TO {who}"))
        connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {who}"))
        # `audit verify` compares the record with the trail in temporary tables of its own session
        database = quote(str(connection.execute(text("SELECT current_database()")).scalar()))
        connection.execute(text(f"GRANT TEMPORARY ON DATABASE {database} TO {who}"))
        connection.execute(
            text(
                "INSERT INTO setting (key, value) VALUES (:key, :role) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            ),
            {"key": CONSOLE_ROLE_SETTING, "role": role},
        )


def console_role(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT value FROM setting WHERE key = :key"), {"key": CONSOLE_ROLE_SETTING}
        ).scalar()
