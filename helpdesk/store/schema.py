"""Creating and upgrading the schema (alembic, configured in code) and checking it before use."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from helpdesk.store.faults import describe_fault

# The newest migration. A test checks it against alembic's own view of the scripts, so the
# console can check the schema without importing alembic on start-up.
HEAD_REVISION = "0006"


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
    from alembic import command

    with engine.begin() as connection:
        command.upgrade(_alembic_config(connection), revision)


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
        raise SchemaNotReady(f"cannot open the database ({describe_fault(error)})") from None
    if found is None:
        raise SchemaNotReady("the database has no helpdesk schema yet: run `helpdesk db upgrade`")
    if found != HEAD_REVISION:
        raise SchemaNotReady(
            f"the database schema is at revision {found}, this helpdesk needs {HEAD_REVISION}: "
            "run `helpdesk db upgrade`"
        )
