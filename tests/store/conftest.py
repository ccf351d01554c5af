"""Store tests run on SQLite and, when HELPDESK_TEST_POSTGRES_URL is set, on PostgreSQL too."""

import pytest

from helpdesk.store.engine import make_engine


@pytest.fixture
def engine(database_url):
    engine = make_engine(database_url)
    yield engine
    engine.dispose()
