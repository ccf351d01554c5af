"""Shared fixtures: real SQLite files (and PostgreSQL when HELPDESK_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from pathlib import Path

import pytest

from helpdesk.clock import FrozenClock
from helpdesk.domain.policy import load_policy
from helpdesk.shipped import shipped_file
from helpdesk.store.db.engine import make_engine, sqlite_url
from helpdesk.store.db.schema import upgrade
from support import SAMPLE_NOW, import_samples


@pytest.fixture(autouse=True)
def private_data_home(tmp_path, monkeypatch):
    """Each test's own user data folder (where a demo key lives), never the real one."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data-home"))


@pytest.fixture(scope="session")
def reference_template(tmp_path_factory) -> Path:
    """A database file with the schema and the shipped reference samples, built once."""
    path = tmp_path_factory.mktemp("template") / "reference.sqlite"
    engine = make_engine(sqlite_url(path), create=True)
    upgrade(engine)
    import_samples(engine, FrozenClock(SAMPLE_NOW).now())
    engine.dispose()
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(SAMPLE_NOW)


@pytest.fixture
def policy():
    return load_policy(shipped_file("policy.toml"))


@pytest.fixture
def empty_engine(tmp_path):
    """A migrated database with no data."""
    engine = make_engine(sqlite_url(tmp_path / "empty.sqlite"), create=True)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def db_path(tmp_path, reference_template) -> Path:
    path = tmp_path / "helpdesk.sqlite"
    shutil.copy(reference_template, path)
    return path


@pytest.fixture
def run_cli(db_path, monkeypatch, capsys):
    """Run `helpdesk ARGS` in-process against the test database as a given OS login:
    (exit code, standard output, standard error)."""
    from helpdesk import cli

    monkeypatch.setenv("HELPDESK_DATABASE_URL", sqlite_url(db_path))
    monkeypatch.delenv("HELPDESK_CONFIG", raising=False)

    def run(*args, login="rdouglas"):
        monkeypatch.setattr(cli, "os_login", lambda: login)
        code = cli.main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def engine(db_path):
    """A migrated database holding the reference samples (a fresh copy per test)."""
    engine = make_engine(sqlite_url(db_path))
    yield engine
    engine.dispose()


POSTGRES_URL = os.environ.get("HELPDESK_TEST_POSTGRES_URL")


def postgres_admin(url: str):
    from sqlalchemy import create_engine

    return create_engine(url, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def postgres_template() -> str:
    """A PostgreSQL database with the schema and the samples, copied for each test."""
    if not POSTGRES_URL:
        pytest.skip("HELPDESK_TEST_POSTGRES_URL is not set (.ci/postgres starts a server)")
    from sqlalchemy import make_url, text

    # one template a test process (pytest-xdist's workers each make their own)
    name = f"helpdesk_template_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    admin = postgres_admin(POSTGRES_URL)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        connection.execute(text(f"CREATE DATABASE {name}"))
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    import_samples(engine, FrozenClock(SAMPLE_NOW).now())
    engine.dispose()
    admin.dispose()
    return name


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path, reference_template):
    """The reference samples in a fresh database: a SQLite file, and PostgreSQL when available."""
    if request.param == "sqlite":
        path = tmp_path / "helpdesk.sqlite"
        shutil.copy(reference_template, path)
        yield sqlite_url(path)
        return
    template = request.getfixturevalue("postgres_template")
    from sqlalchemy import make_url, text

    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = postgres_admin(POSTGRES_URL)
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
    admin.dispose()
