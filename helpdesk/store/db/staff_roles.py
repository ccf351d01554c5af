"""PostgreSQL: each member of staff connects as their own database role (`helpdesk db
grant-staff`, run by the owner). Over the local socket with peer authentication, the OS login
is the role, so nobody reaches the database in another's name with their own credentials.

Two group roles hold the rights: `helpdesk_staff`, every member of staff (the append-only tables
of the record: read and add only; `staff`: read only), and `helpdesk_admins`, admins besides
(staff accounts; the purge's anonymised columns). Each person's login role belongs to one or
both, made and kept in step by `helpdesk_staff_role()`, a function the owner defines and only
admins may run: the staff import calls it for every row (a deactivated member's role can no
longer log in). A trigger refuses any audit event a staff role writes in another person's name,
another any change to a pause decision once a supervisor has ruled on it.
The shared console role (`db grant`) still works; what it gives up is in the README."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from helpdesk.domain.refusals import Refused
from helpdesk.store.db.models import PERSONAL_COLUMNS, table_of

STAFF_GROUP = "helpdesk_staff"
ADMIN_GROUP = "helpdesk_admins"
STAFF_ROLES_SETTING = "staff_roles"  # present once `db grant-staff` ran: imports keep roles in step

# The record's tables a member of staff may only read and add to: what is written stays written.
APPEND_ONLY = ("event", "advice", "contact_attempt", "notification", "review", "policy_version")
# A decision is added whole; a supervisor's ruling on an exceptional one fills in these, once
# (the command refuses a second ruling; `audit verify` names any other change).
RULING_COLUMNS = (
    "countersigned_by",
    "countersigned_at",
    "countersign_reason",
    "refused_by",
    "refused_at",
    "refusal_reason",
)
READ_ONLY = ("staff", "setting", "alembic_version")
DERIVED = {"call_search": "SELECT"}  # the look-up index, written by the owner's triggers

ROLE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION helpdesk_staff_role(login text, staff_role text, active boolean) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE existing pg_roles%ROWTYPE;
BEGIN
  IF login !~ '^[a-z_][a-z0-9_.-]{{0,62}}$' THEN
    RAISE EXCEPTION 'login % cannot be a database role', login;
  END IF;
  SELECT * INTO existing FROM pg_roles WHERE rolname = login;
  IF NOT FOUND THEN
    EXECUTE format('CREATE ROLE %I LOGIN', login);
  ELSIF existing.rolsuper OR existing.rolcreaterole OR existing.rolcreatedb OR existing.rolbypassrls OR existing.rolreplication
        OR login = current_user OR login = session_user THEN
    RAISE EXCEPTION 'the database role % is not a member of staff''s role: it is left alone', login;
  END IF;
  EXECUTE format('ALTER ROLE %I %s', login, CASE WHEN active THEN 'LOGIN' ELSE 'NOLOGIN' END);
  EXECUTE format('GRANT {STAFF_GROUP} TO %I', login);
  IF staff_role = 'admin' THEN
    EXECUTE format('GRANT {ADMIN_GROUP} TO %I', login);
  ELSE
    EXECUTE format('REVOKE {ADMIN_GROUP} FROM %I', login);
  END IF;
END $$
"""

# Whether the session's own login role was made a member of a group (directly, as the function
# above does: a superuser or the owner, members of every role in pg_has_role's eyes, are not).
SESSION_IN_FUNCTION = """
CREATE OR REPLACE FUNCTION helpdesk_session_in(grp text) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT EXISTS (
    SELECT 1 FROM pg_auth_members AS m
      JOIN pg_roles AS g ON g.oid = m.roleid JOIN pg_roles AS u ON u.oid = m.member
     WHERE u.rolname = session_user AND g.rolname = grp)
$$
"""

# (trigger, table, when, its function): what a member of staff's own role may not do
TRIGGERS = (
    # an event written by a member of staff's own role must be in that person's name
    (
        "event_actor_is_the_session",
        "event",
        "BEFORE INSERT",
        f"""
CREATE OR REPLACE FUNCTION helpdesk_event_actor_is_the_session() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.actor IS DISTINCT FROM session_user AND helpdesk_session_in('{STAFF_GROUP}') THEN
    RAISE EXCEPTION 'audit events are in the name of who writes them: % cannot write one as %', session_user, NEW.actor;
  END IF;
  RETURN NEW;
END $$
""",
    ),
    # a supervisor's ruling on a pause decision is filled in once: after it, a member of staff's
    # own role cannot change the decision at all (an admin's purge anonymises its reasons in place)
    (
        "pause_decision_ruling_stands",
        "pause_decision",
        "BEFORE UPDATE",
        f"""
CREATE OR REPLACE FUNCTION helpdesk_pause_decision_ruling_stands() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF (OLD.countersigned_at IS NOT NULL OR OLD.refused_at IS NOT NULL)
     AND helpdesk_session_in('{STAFF_GROUP}') AND NOT helpdesk_session_in('{ADMIN_GROUP}') THEN
    RAISE EXCEPTION 'a ruling on a pause decision stands once made: % cannot change decision %', session_user, OLD.id;
  END IF;
  RETURN NEW;
END $$
""",
    ),
)


class StaffRolesRefused(Refused):
    """Per-person roles cannot be set up, or a member of staff's role cannot be made; str() says
    why (nothing of the change stands)."""


def grant_staff_roles(engine: Engine) -> int:
    """Run by the owner: the group roles, their rights, the function that keeps each person's
    role in step and the trigger on the trail; then a role for every member of staff on record.
    Remembered, so that `db upgrade` grants new tables and the staff import keeps roles in step.
    How many members of staff have a role."""
    if engine.dialect.name != "postgresql":
        raise StaffRolesRefused("roles are for PostgreSQL: on SQLite, the file's group and mode decide who may write")
    from sqlmodel import SQLModel

    from helpdesk.store.db import models  # noqa: F401  (registers the tables)

    with engine.begin() as connection:
        able = connection.execute(
            text("SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user")
        ).scalar()
        if not able:
            raise StaffRolesRefused("the owner needs CREATEROLE to make each member of staff's role")
        for group in (STAFF_GROUP, ADMIN_GROUP):
            if not connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :g"), {"g": group}).first():
                connection.execute(text(f"CREATE ROLE {group} NOLOGIN"))
        connection.execute(text(f"GRANT {STAFF_GROUP} TO {ADMIN_GROUP}"))
        quote = connection.dialect.identifier_preparer.quote
        schema = quote(str(connection.execute(text("SELECT current_schema()")).scalar()))
        database = quote(str(connection.execute(text("SELECT current_database()")).scalar()))
        connection.execute(text(f"GRANT USAGE ON SCHEMA {schema} TO {STAFF_GROUP}"))
        connection.execute(text(f"GRANT CONNECT, TEMPORARY ON DATABASE {database} TO {STAFF_GROUP}"))
        for table in [*SQLModel.metadata.sorted_tables, None]:
            name = "alembic_version" if table is None else table.name
            for group in (STAFF_GROUP, ADMIN_GROUP):
                connection.execute(text(f"REVOKE ALL ON TABLE {quote(name)} FROM {group}"))
            connection.execute(text(f"GRANT {_staff_privileges(name)} ON TABLE {quote(name)} TO {STAFF_GROUP}"))
        for name, privileges in DERIVED.items():
            if connection.execute(text("SELECT to_regclass(:name)"), {"name": name}).scalar() is not None:
                connection.execute(text(f"REVOKE ALL ON TABLE {quote(name)} FROM {STAFF_GROUP}"))
                connection.execute(text(f"GRANT {privileges} ON TABLE {quote(name)} TO {STAFF_GROUP}"))
        connection.execute(text(f"GRANT INSERT, UPDATE ON TABLE staff TO {ADMIN_GROUP}"))
        for model, columns in PERSONAL_COLUMNS.items():  # the purge, an admin's: anonymised in place
            name = table_of(model).name
            if name in APPEND_ONLY or name == "pause_decision":
                listed = ", ".join(quote(column) for column in columns)
                connection.execute(text(f"GRANT UPDATE ({listed}) ON TABLE {quote(name)} TO {ADMIN_GROUP}"))
        connection.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {STAFF_GROUP}"))
        connection.execute(text(ROLE_FUNCTION))
        connection.execute(text("REVOKE ALL ON FUNCTION helpdesk_staff_role(text, text, boolean) FROM PUBLIC"))
        connection.execute(text(f"GRANT EXECUTE ON FUNCTION helpdesk_staff_role(text, text, boolean) TO {ADMIN_GROUP}"))
        connection.execute(text(SESSION_IN_FUNCTION))
        for trigger, on, when, function in TRIGGERS:
            connection.execute(text(function))
            connection.execute(text(f"DROP TRIGGER IF EXISTS {trigger} ON {on}"))
            connection.execute(
                text(f"CREATE TRIGGER {trigger} {when} ON {on} FOR EACH ROW EXECUTE FUNCTION helpdesk_{trigger}()")
            )
        connection.execute(
            text("INSERT INTO setting (key, value) VALUES (:key, 'yes') ON CONFLICT (key) DO UPDATE SET value = 'yes'"),
            {"key": STAFF_ROLES_SETTING},
        )
        staff = connection.execute(text("SELECT login, role, active FROM staff ORDER BY login")).all()
        for login, role, active in staff:
            keep_role_in_step(connection, login, role, active)
    return len(staff)


def _staff_privileges(table: str) -> str:
    if table in APPEND_ONLY:
        return "SELECT, INSERT"
    if table == "pause_decision":
        return f"SELECT, INSERT, UPDATE ({', '.join(RULING_COLUMNS)})"
    if table in READ_ONLY:
        return "SELECT"
    return "SELECT, INSERT, UPDATE, DELETE"


def staff_roles_in_use(connection: Connection) -> bool:
    if connection.dialect.name != "postgresql":
        return False
    return (
        connection.execute(text("SELECT 1 FROM setting WHERE key = :key"), {"key": STAFF_ROLES_SETTING}).first()
        is not None
    )


def keep_role_in_step(connection: Connection, login: str, role: str, active: bool) -> None:
    """The member of staff's database role made, or changed to match their row (in the caller's
    transaction: if it cannot be, nothing of the change stands)."""
    try:  # (the function decides which logins can be roles, and which roles it leaves alone)
        with connection.begin_nested():  # (the refusal below, not a failed transaction, is what the caller sees)
            connection.execute(
                text("SELECT helpdesk_staff_role(:login, :role, :active)"),
                {"login": login, "role": role, "active": active},
            )
    except DBAPIError as error:
        said = getattr(getattr(error.orig, "diag", None), "message_primary", None) or str(error.orig)
        raise StaffRolesRefused(f"{login}'s database role: {said}; nothing imported") from None
