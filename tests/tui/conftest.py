"""Console fixtures: an app on fixed data with a frozen clock and no animation."""

import pytest

from helpdesk.store.queries import staff_member
from helpdesk.tui.app import HelpdeskApp
from support import seed_queue


@pytest.fixture
def make_app(engine, clock, policy):
    def make_app(login="akhan", seed=True, watch_changes=False) -> HelpdeskApp:
        if seed:
            seed_queue(engine, clock)
        app = HelpdeskApp(engine=engine, clock=clock, staff=staff_member(engine, login), policy=policy, watch_changes=watch_changes)
        app.animation_level = "none"
        return app

    return make_app
