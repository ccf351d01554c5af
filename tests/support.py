"""Helpers shared by the tests (test modules never import one another): the sample data, calls
in each state (logged, held, decided, linked, handled to the end), a fixed queue, and driving
and waiting for the console."""

from __future__ import annotations

import datetime as dt
import random
import time

from sqlalchemy import select

from helpdesk.domain.inspection import validate_inspection
from helpdesk.domain.intake import validate_concern
from helpdesk.domain.pause import PauseDecisionInput
from helpdesk.domain.policy import load_policy
from helpdesk.domain.refusals import Refused
from helpdesk.shipped import shipped_file
from helpdesk.store import commands
from helpdesk.store.admin import demo
from helpdesk.store.admin.demo import simulated_concern
from helpdesk.store.commands.intake import log_concern
from helpdesk.store.db.models import FollowUp
from helpdesk.store.queries.call import call_detail
from helpdesk.store.queries.queue import staff_member
from helpdesk.tui.screens.call import CallScreen

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


def log(engine, clock, urn="930037", category="pause_request"):
    concern = validate_concern(
        urn=urn,
        caller_name="Grace Ellis",
        caller_role="lead_inspector",
        phone="020 7946 0123",
        category=category,
        summary="Head taken ill; lead inspector asks to pause.",
        urgent=True,
    )
    return commands.log_concern(engine, concern, "rdouglas", clock.now())


def decision(**changes):
    base = dict(
        decision="authorised",
        requested_by="lead_inspector",
        grounds="wellbeing",
        rationale="Head unwell.",
        working_days=1,
    )
    return PauseDecisionInput(**{**base, **changes})


def link_new_inspection(engine, clock, concern_id, login="gsingh", remit="schools", reference="INS-TEST-1"):
    entry = validate_inspection(
        reference=reference, remit=remit, start="2026-11-17", end="2026-11-19", lead_inspector="Pat Lead"
    )
    return commands.link_inspection(engine, concern_id, login, clock.now(), entry=entry)


SENIORS = ["akhan", "bmorgan", "cobi", "dlewis", "efarah", "gsingh", "hwalsh", "jbrooks", "kmensah", "lpark"]

URNS = ["930037", "931767", "932543", "933179", "935455", "931196"]

CATEGORIES = ["wellbeing", "pause_request", "inspector_conduct", "inspection_process", "other"]


def random_calls(engine, clock, seed: int) -> None:
    """Calls over three weeks: claimed after random waits or never, some released and claimed
    again (the first claim counts), pause requests declined once or twice (the later one is in
    force), and a few authorised pauses with their whole record."""
    rng = random.Random(seed)
    base = clock.now() - dt.timedelta(days=21)
    for n in range(70):
        at = base + dt.timedelta(minutes=rng.uniform(0, 21 * 24 * 60))
        category = rng.choice(CATEGORIES)
        concern = validate_concern(
            urn=rng.choice(URNS),
            caller_name="Random Caller",
            caller_role="headteacher",
            phone="0113 496 0777",
            category=category,
            summary=f"Random call {n}",
            urgent=rng.random() < 0.4,
        )
        concern_id = commands.log_concern(engine, concern, "rdouglas", at)
        if rng.random() < 0.15:
            continue  # never claimed
        when = at + dt.timedelta(seconds=rng.uniform(20, 40 * 60))
        senior = rng.choice(SENIORS)
        try:
            commands.claim(engine, concern_id, senior, when)
        except Refused:
            continue  # not independent of it
        if rng.random() < 0.3:  # handed back and taken again: the first claim still counts
            commands.release(engine, concern_id, senior, "Back to the queue", when + dt.timedelta(minutes=3))
            try:
                commands.claim(engine, concern_id, "lpark", when + dt.timedelta(minutes=rng.uniform(4, 30)))
                senior = "lpark"
            except Refused:
                continue
        if category == "pause_request" and rng.random() < 0.8:
            decided = when
            for _ in range(rng.choice([1, 1, 2])):  # a later decision is made later: time runs forward
                decided += dt.timedelta(minutes=rng.uniform(5, 90))
                entry = PauseDecisionInput(
                    decision="declined", requested_by="headteacher", grounds="wellbeing", rationale="Supported."
                )
                commands.record_pause_decision(engine, concern_id, senior, entry, POLICY, decided)
    # authorised pauses, each on an inspection of its own school recorded on the day (a pause is
    # authorised only while its inspection is on)
    for days_ago, urn in ((1, "930090"), (4, "930100"), (9, "930134")):
        handled(engine, clock, urn=urn, pause="authorised", senior="bmorgan", caller=1, days_ago=days_ago)


POLICY = load_policy(shipped_file("policy.toml"))


CALLERS = [("Grace Ellis", "0113 496 0777"), ("Tariq Noor", "0121 496 0555"), ("Leanne Marsh", "0161 496 0444")]


def inspection_of_the_day(engine, concern_id, senior, day: dt.datetime, at: dt.datetime) -> None:
    """An inspection of the call's school on `day` only, recorded on the call by its holder."""
    today = day.date().isoformat()
    entry = validate_inspection(
        reference=f"INS-{concern_id}", remit="schools", start=today, end=today, lead_inspector="Pat Lead"
    )
    commands.link_inspection(engine, concern_id, senior, at, entry=entry)


def handled(
    engine,
    clock,
    *,
    urn="930037",
    category="pause_request",
    senior="gsingh",
    pause="declined",
    caller=0,
    advice="Advised a pause",
    days_ago=0,
):
    """A call taken from intake to closed, `days_ago` days before the clock."""
    at = clock.now() - dt.timedelta(days=days_ago)
    name, phone = CALLERS[caller]
    concern = validate_concern(
        urn=urn,
        caller_name=name,
        caller_role="headteacher",
        phone=phone,
        category=category,
        summary=f"Summary about {name}",
        urgent=True,
    )
    concern_id = commands.log_concern(engine, concern, "rdouglas", at)
    commands.claim(engine, concern_id, senior, at + dt.timedelta(minutes=3))
    commands.log_contact(
        engine,
        concern_id,
        senior,
        at + dt.timedelta(minutes=5),
        party="responsible_body",
        contact_name=f"Contact for {name}",
        phone="0116 496 0001",
        channel="phone",
        outcome="reached",
        note=f"Spoke about {name}",
    )
    if pause == "authorised" and call_detail(engine, concern_id, "lpark").inspection is None:
        inspection_of_the_day(engine, concern_id, senior, at, at + dt.timedelta(minutes=6))
    if pause:
        commands.record_pause_decision(
            engine,
            concern_id,
            senior,
            PauseDecisionInput(
                decision=pause,
                requested_by="headteacher",
                grounds="wellbeing",
                rationale=f"Rationale for {name}",
                working_days=1,
            ),
            policy(),
            at + dt.timedelta(minutes=9),
        )
    commands.add_advice(engine, concern_id, senior, f"{advice} for {name}", at + dt.timedelta(minutes=10))
    complete_the_record(engine, concern_id, senior, at + dt.timedelta(minutes=11), policy())
    commands.close(engine, concern_id, senior, f"Outcome for {name}", at + dt.timedelta(minutes=12), policy=policy())
    return concern_id


def policy():
    from helpdesk.domain.policy import load_policy
    from helpdesk.shipped import shipped_file

    return load_policy(shipped_file("policy.toml"))


def follow_ups(engine, concern_id):
    with engine.connect() as connection:
        return connection.execute(select(FollowUp).where(FollowUp.concern_id == concern_id).order_by(FollowUp.id)).all()


def pause_request(engine, clock, urn="930037", reference=""):
    """An urgent pause request logged now about `urn` (and the inspection `reference`, if given)."""
    concern = validate_concern(
        urn=urn,
        caller_name="Grace Ellis",
        caller_role="lead_inspector",
        phone="020 7946 0123",
        category="pause_request",
        summary="Head taken ill this morning; lead inspector asks to pause.",
        urgent=True,
        inspection_ref=reference,
    )
    return commands.log_concern(engine, concern, "rdouglas", clock.now())


def held_with_contact(engine, clock, urn, reference="", senior="gsingh"):
    """A pause request claimed by `senior`, the responsible body already reached."""
    call = pause_request(engine, clock, urn=urn, reference=reference)
    commands.claim(engine, call, senior, clock.now())
    commands.log_contact(
        engine, call, senior, clock.now(), party="responsible_body", contact_name="", phone="0113 496 0500",
        channel="phone", outcome="reached",
    )  # fmt: skip
    return call


async def open_call(pilot, concern_id):
    pilot.app.push_screen(CallScreen(concern_id))
    await settle(pilot)
    return pilot.app.screen


def linked(engine, clock, concern_id, login="gsingh"):
    """The call linked to an inspection (of the schools remit) recorded on it."""
    today = clock.now().date().isoformat()
    entry = validate_inspection(
        reference=f"INS-{concern_id}", remit="schools", start=today, end=today, lead_inspector="Pat Lead"
    )
    commands.link_inspection(engine, concern_id, login, clock.now(), entry=entry)


def plain_row(table, key):
    return [str(cell) for cell in table.get_row(key)]


def held_call(engine, clock, senior="gsingh"):
    concern_id = pause_request(engine, clock)
    commands.claim(engine, concern_id, senior, clock.now())
    return concern_id


def authorised_pause(engine, clock, policy, senior="gsingh"):
    concern_id = held_call(engine, clock, senior)
    linked(engine, clock, concern_id, login=senior)
    commands.log_contact(
        engine, concern_id, senior, clock.now(), party="responsible_body", contact_name="", phone="0116 496 0001",
        channel="phone", outcome="reached",
    )  # fmt: skip
    commands.record_pause_decision(
        engine, concern_id, senior,
        PauseDecisionInput(decision="authorised", requested_by="lead_inspector", grounds="wellbeing",
                           rationale="Head unwell.", working_days=3),
        policy, clock.now(),
    )  # fmt: skip
    return concern_id


def closed_call(engine, clock, policy, *, decision="declined", senior="gsingh", days_ago=2, caller="Grace Ellis"):
    at = clock.now() - dt.timedelta(days=days_ago)
    concern = validate_concern(
        urn="930037",
        caller_name=caller,
        caller_role="headteacher",
        phone="0113 496 0777",
        category="pause_request",
        summary="Head asks for a pause after day one.",
        urgent=True,
    )
    concern_id = commands.log_concern(engine, concern, "rdouglas", at)
    commands.claim(engine, concern_id, senior, at + dt.timedelta(minutes=4))
    commands.log_contact(
        engine,
        concern_id,
        senior,
        at + dt.timedelta(minutes=6),
        party="responsible_body",
        contact_name="",
        phone="0116 496 0001",
        channel="phone",
        outcome="reached",
    )
    if decision == "authorised":
        inspection_of_the_day(engine, concern_id, senior, at, at + dt.timedelta(minutes=8))
    commands.record_pause_decision(
        engine,
        concern_id,
        senior,
        PauseDecisionInput(
            decision=decision,
            requested_by="headteacher",
            grounds="wellbeing",
            rationale="Leader supported by the chair.",
            working_days=1,
        ),
        policy,
        at + dt.timedelta(minutes=15),
    )
    commands.add_advice(
        engine,
        concern_id,
        senior,
        "Explained how to raise concerns with the lead inspector.",
        at + dt.timedelta(minutes=20),
    )
    complete_the_record(engine, concern_id, senior, at + dt.timedelta(minutes=22), policy)
    commands.close(
        engine, concern_id, senior, "Pause declined; support in place.", at + dt.timedelta(minutes=25), policy=policy
    )
    return concern_id


def rows(engine, model, **where):
    """The rows of a table, as the console's database holds them, with the given column values, by id."""
    from sqlmodel import Session

    with Session(engine) as session:
        statement = select(model)
        for name, value in where.items():
            statement = statement.where(getattr(model, name) == value)
        return list(session.scalars(statement.order_by(model.id)))
