"""Alembic environment, configured in code by helpdesk.store.schema (no alembic.ini)."""

from alembic import context
from sqlmodel import SQLModel

from helpdesk.store.db import models  # noqa: F401  (registers the tables)

config = context.config
connection = config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=SQLModel.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
