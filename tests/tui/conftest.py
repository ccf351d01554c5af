"""Console fixtures: an app on fixed data with a frozen clock and no animation."""

import pytest

from helpdesk.tui.app import HelpdeskApp
from support import console, seed_queue


@pytest.fixture
def make_app(engine, clock, policy):
    def make_app(login="akhan", seed=True, watch_changes=False) -> HelpdeskApp:
        if seed:
            seed_queue(engine, clock)
        return console(engine, clock, policy, login, watch_changes)

    return make_app
