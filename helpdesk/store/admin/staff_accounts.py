"""Staff accounts: the first admin of a new database, and who owns the database itself."""

from __future__ import annotations

import datetime as dt
import os

from sqlalchemy import Engine, select, text
from sqlmodel import Session, col

from helpdesk.domain import limits
from helpdesk.domain.refusals import Refused
from helpdesk.domain.types import EventKind, StaffRole
from helpdesk.store.db.audit import record_event
from helpdesk.store.db.engine import sqlite_file, writer
from helpdesk.store.db.models import Staff
from helpdesk.store.db.staff_roles import keep_role_in_step, staff_roles_in_use


def is_database_owner(engine: Engine) -> bool:
    """Whether this process acts as the database's owner: on SQLite, the file's owner; on
    PostgreSQL, the role that owns the audit table (the one that runs `helpdesk db upgrade`)."""
    path = sqlite_file(str(engine.url))
    if path is not None:
        return path.exists() and path.stat().st_uid == os.getuid()
    if engine.dialect.name != "postgresql":
        return False
    with engine.connect() as connection:
        return bool(
            connection.scalar(
                text(
                    "SELECT pg_has_role(current_user, tableowner, 'USAGE') FROM pg_tables "
                    "WHERE schemaname = current_schema() AND tablename = 'event'"
                )
            )
        )


def add_first_admin(engine: Engine, login: str, name: str, region: str, actor: str, now: dt.datetime) -> None:
    """Give a new database its first admin. Allowed only while no active admin exists: after
    that, admins add staff (`helpdesk import staff`). The caller has checked that `actor` runs
    as the host's root or the database's owner."""
    login, name = login.strip(), " ".join(name.split())
    if not login or not login.replace("-", "").replace("_", "").replace(".", "").isalnum():
        raise Refused(f"{login!r} is not an account name")
    if len(login) > limits.LOGIN or not name or len(name) > limits.PERSON_NAME:
        raise Refused("give the admin's login and full name (--name)")
    with Session(writer(engine)) as session, session.begin():
        admin = session.scalar(
            select(col(Staff.login)).where(col(Staff.role) == StaffRole.ADMIN, col(Staff.active).is_(True))
        )
        if admin is not None:
            raise Refused(f"an admin already exists ({admin}): admins add staff with `helpdesk import staff`")
        member = session.get(Staff, login)
        if member is None:
            session.add(Staff(login=login, name=name, role=StaffRole.ADMIN, region=region, active=True))
        else:
            member.name, member.role, member.region, member.active = name, StaffRole.ADMIN, region, True
        session.flush()
        if staff_roles_in_use(session.connection()):  # their own database role, as an admin's
            keep_role_in_step(session.connection(), login, StaffRole.ADMIN, True)
        record_event(session, actor=actor, kind=EventKind.FIRST_ADMIN_ADDED, at=now, login=login)
