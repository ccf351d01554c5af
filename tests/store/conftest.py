"""Store tests run on SQLite and, when HELPDESK_TEST_POSTGRES_URL is set, on PostgreSQL too."""

import pytest

from helpdesk.store.db.engine import make_engine


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def held(engine, clock):
    """A pause request logged and claimed by Gurpreet Singh."""
    from helpdesk.store import commands
    from support import log

    concern_id = log(engine, clock)
    commands.claim(engine, concern_id, "gsingh", clock.now())
    return concern_id
