"""Helpers shared by the tests: the sample data, a fixed queue, waiting for the console."""

from __future__ import annotations

import datetime as dt
import random
import time

from helpdesk.store.admin import demo
from helpdesk.store.admin.demo import simulated_concern
from helpdesk.store.commands.intake import log_concern
from helpdesk.store.queries.queue import staff_member

# Wednesday of the week the shipped sample inspections are set in
SAMPLE_NOW = "2026-11-18T09:00:00Z"


def import_samples(engine, now: dt.datetime) -> None:
    """The shipped samples, imported by their admin after the host's root added them."""
    demo.import_samples(engine, now, "root")


def grace_ellis(**changes):
    """A checked concern from the head of Thornhill (URN 930037), distressed; `changes` override."""
    from helpdesk.domain.intake import validate_concern

    fields = dict(
        urn="930037",
        caller_name="Grace Ellis",
        caller_role="headteacher",
        phone="0113 496 0777",
        category="wellbeing",
        summary="Head is distressed",
    )
    return validate_concern(**{**fields, **changes})


def seed_queue(engine, clock, ages_min=(42, 31, 18, 12, 9, 6, 3, 1), seed: int = 11) -> list[int]:
    """Concerns logged `ages_min` minutes before the clock, from a fixed random seed."""
    rng = random.Random(seed)
    now = clock.now()
    return [
        log_concern(engine, simulated_concern(engine, rng), "phone-system", now - dt.timedelta(minutes=minutes))
        for minutes in ages_min
    ]


async def settle(pilot) -> None:
    """Wait for the database loads in flight and the messages they post (not the change feed,
    which runs for the app's whole life). A load that a newer one replaced (an exclusive
    worker, cancelled by design) is waited past: the newer one is waited for instead."""
    from textual.worker import WorkerCancelled

    for _ in range(2):
        for _ in range(5):
            loads = [worker for worker in pilot.app.workers if worker.group != "change-feed"]
            if not loads:  # (an empty list would mean "every worker")
                break
            try:
                await pilot.app.workers.wait_for_complete(loads)
                break
            except WorkerCancelled:
                continue
        await pilot.pause()


async def wait_until(pilot, condition, seconds=10):
    """Wait for the console to react to the (threaded) change feed."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        await pilot.pause(0.05)
    return condition()


def console(engine, clock, policy, login="akhan", watch_changes=False):
    """The console on fixed data with a frozen clock and no animation, as `login`."""
    from helpdesk.tui.app import HelpdeskApp

    app = HelpdeskApp(
        engine=engine, clock=clock, staff=staff_member(engine, login), policy=policy, watch_changes=watch_changes
    )
    app.animation_level = "none"
    return app


def no_blink(pilot) -> None:
    """Steady cursors, so that a snapshot does not depend on the moment it is taken."""
    for widget in pilot.app.screen.query("Input, TextArea"):
        widget.cursor_blink = False


def keys_of(*parts: str) -> list[str]:
    """Key names for a burst: a part of one character, or a key name such as 'tab' or 'ctrl+s',
    stands for itself; a longer part in brackets, '[text]', is typed character by character."""
    keys: list[str] = []
    for part in parts:
        if len(part) > 2 and part.startswith("[") and part.endswith("]"):
            keys.extend(part[1:-1])
        else:
            keys.append(part)
    return keys


async def burst(pilot, *parts: str) -> None:
    """Send every key at once, as keys arrive over a slow SSH link or from a paste: no waiting
    between them (Pilot's `press` waits after each key, so it cannot see what a burst does).
    Then wait until the console has handled them all, and for the work they started."""
    import unicodedata

    from textual import events
    from textual.keys import REPLACED_KEYS, _character_to_key, _get_unicode_name_from_key

    app = pilot.app
    for key in keys_of(*parts):
        if len(key) == 1 and not key.isalnum():
            key = _character_to_key(key)
        original = REPLACED_KEYS.get(key, key)
        try:
            char = unicodedata.lookup(_get_unicode_name_from_key(original))
        except KeyError:
            char = key if len(key) == 1 else None
        event = events.Key(key, char)
        event.set_sender(app)
        app._driver.send_message(event)
    await pilot.pause()
    if hasattr(app, "keys_handled"):
        await app.keys_handled()
    await settle(pilot)


def complete_the_record(engine, concern_id, login, at, policy) -> None:
    """What closing needs besides an outcome, advice and a decision: everyone the policy names
    informed of the decision in force (if any), and signposting offered (if not yet recorded)."""
    from helpdesk.domain.call import missing_informed
    from helpdesk.store.commands.pause import record_notification
    from helpdesk.store.commands.record import record_signposting
    from helpdesk.store.queries.call import call_detail

    detail = call_detail(engine, concern_id, "lpark")
    decision = detail.latest_decision
    if decision is not None:
        for party in missing_informed(decision.decision, decision.informed, policy):
            record_notification(engine, concern_id, login, at, party=party, channel="phone")
    if detail.signposting_offered_at is None and not detail.signposting_not_offered:
        record_signposting(engine, concern_id, login, at)
