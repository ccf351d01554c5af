"""Many consoles at once, as real OS processes: claim races, mixed writes, and SIGKILL mid-action."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import random
import signal
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from helpdesk.domain.intake import validate_concern
from helpdesk.domain.refusals import Refused
from helpdesk.store import commands
from helpdesk.store.db.audit import verify_chain
from helpdesk.store.db.engine import make_engine
from helpdesk.store.db.models import Advice, Concern, ContactAttempt, Event

RACERS = 30
RACE_SECONDS = 5.0
HOT = 8  # concerns every process goes for


pytestmark = pytest.mark.slow  # thirty separate processes racing


def add_racers(engine, count: int, folder) -> list[str]:
    """Seniors added as an admin adds them: a staff import (so the trail vouches for them)."""
    from helpdesk.store.admin.importers import import_staff

    logins = [f"racer{n:02d}" for n in range(count)]
    listing = folder / "racers.csv"
    listing.write_text(
        "login,name,role,region,active\n" + "".join(f"{login},Racer {login[-2:]},senior,Test,yes\n" for login in logins)
    )
    import_staff(engine, listing, "wcole", dt.datetime.now(dt.UTC))
    return logins


def log_many(engine, count: int) -> list[int]:
    now = dt.datetime.now(dt.UTC)
    concern = validate_concern(
        urn="930037",
        caller_name="Sample Caller",
        caller_role="headteacher",
        phone="0113 496 0001",
        category="wellbeing",
        summary="Race test",
    )
    return [commands.log_concern(engine, concern, "rdouglas", now) for _ in range(count)]


def racer(url: str, login: str, ids: list[int], ready, start, results) -> None:
    """Claim, write on what was won, release it again; report every outcome."""
    engine = make_engine(url)
    rng = random.Random(login)
    tally = Counter()
    errors: list[str] = []
    ready.put(login)
    start.wait()
    stop_at = time.monotonic() + RACE_SECONDS
    while time.monotonic() < stop_at:
        concern_id = rng.choice(ids[:HOT]) if rng.random() < 0.5 else rng.choice(ids)
        now = dt.datetime.now(dt.UTC)
        try:
            commands.claim(engine, concern_id, login, now)
        except Refused:
            tally["refused"] += 1
            continue
        except Exception as error:  # noqa: BLE001 - anything else is a failure of the store
            errors.append(f"claim: {type(error).__name__}: {error}")
            continue
        tally["won"] += 1
        try:
            commands.add_advice(engine, concern_id, login, f"advice from {login}", now)
            tally["advice"] += 1
            commands.log_contact(
                engine,
                concern_id,
                login,
                now,
                party="responsible_body",
                contact_name="",
                phone="0116 496 0001",
                channel="phone",
                outcome="no_answer",
            )
            tally["contact"] += 1
            commands.release(engine, concern_id, login, "race test", now)
            tally["released"] += 1
        except Exception as error:  # noqa: BLE001
            errors.append(f"write: {type(error).__name__}: {error}")
    results.put((login, dict(tally), errors))


def test_thirty_processes_racing_keep_the_record_right(engine, database_url, tmp_path):
    logins = add_racers(engine, RACERS, tmp_path)
    ids = log_many(engine, 40)
    context = multiprocessing.get_context("spawn")
    ready, start, results = context.Queue(), context.Event(), context.Queue()
    processes = []
    for login in logins:
        process = context.Process(target=racer, args=(database_url, login, ids, ready, start, results))
        process.start()
        processes.append(process)
    for _ in processes:  # every process is up before any races
        ready.get(timeout=120)
    start.set()
    reports = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    errors = [error for _, _, errs in reports for error in errs]
    assert errors == [], errors[:5]
    total = sum((Counter(tally) for _, tally, _ in reports), Counter())
    assert total["won"] > 0 and total["refused"] > 0
    with engine.connect() as connection:
        kinds = Counter(
            dict(
                connection.execute(
                    select(Event.kind, func.count()).where(Event.concern_id.in_(ids)).group_by(Event.kind)
                ).all()
            )
        )
        advice = connection.scalar(select(func.count()).select_from(Advice).where(Advice.concern_id.in_(ids)))
        contacts = connection.scalar(
            select(func.count()).select_from(ContactAttempt).where(ContactAttempt.concern_id.in_(ids))
        )
        still_held = connection.execute(
            select(Concern.id, Concern.claimed_by).where(Concern.id.in_(ids), Concern.status == "claimed")
        ).all()
    assert kinds["claimed"] == total["won"]
    assert kinds["released"] == total["released"]
    assert advice == kinds["advice"] == total["advice"]  # no write lost
    assert contacts == kinds["contact"] == total["contact"]
    # every claim won and not yet released is still held, by exactly one person
    assert len(still_held) == total["won"] - total["released"]
    # thirty writers made one chain: no fork, no gap, every event linked to the one before
    report = verify_chain(engine)
    assert report.intact, report.broken
    with engine.connect() as connection:
        assert report.events == connection.scalar(select(func.count()).select_from(Event))
        assert report.head.event_id == connection.scalar(select(func.max(Event.id)))


def churn(url: str, login: str, ids: list[int]) -> None:
    """Claim, write and release as fast as possible, until killed."""
    engine = make_engine(url)
    rng = random.Random(os.getpid())
    while True:
        concern_id = rng.choice(ids)
        now = dt.datetime.now(dt.UTC)
        try:
            commands.claim(engine, concern_id, login, now)
            commands.add_advice(engine, concern_id, login, "churn", now)
            commands.release(engine, concern_id, login, "churn", now)
        except Refused:
            pass


def test_sigkill_mid_action_leaves_the_database_consistent(engine, database_url, tmp_path):
    [login] = add_racers(engine, 1, tmp_path)
    ids = log_many(engine, 5)
    context = multiprocessing.get_context("spawn")
    rng = random.Random(3)
    for _ in range(6):
        process = context.Process(target=churn, args=(database_url, login, ids))
        process.start()
        time.sleep(1.0 + rng.random())  # let it get well into its loop, at a random point
        os.kill(process.pid, signal.SIGKILL)
        process.join(timeout=30)
        assert process.exitcode == -signal.SIGKILL
    # nothing is left locked: this process can still write
    now = dt.datetime.now(dt.UTC)
    if _status(engine, ids[0]) == "claimed":
        commands.release(engine, ids[0], "lpark", "the console holding it was killed", now)
    commands.claim(engine, ids[0], "akhan", now)
    with engine.connect() as connection:
        for concern_id in ids:
            kinds = Counter(
                dict(
                    connection.execute(
                        select(Event.kind, func.count()).where(Event.concern_id == concern_id).group_by(Event.kind)
                    ).all()
                )
            )
            status, holder = connection.execute(
                select(Concern.status, Concern.claimed_by).where(Concern.id == concern_id)
            ).one()
            open_claims = kinds["claimed"] - kinds["released"]
            assert open_claims == (1 if status == "claimed" else 0), (concern_id, kinds, status)
            assert (holder is not None) == (status == "claimed")
            advice = connection.scalar(select(func.count()).select_from(Advice).where(Advice.concern_id == concern_id))
            assert advice == kinds["advice"]  # no event without its change, no change without its event
        if engine.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    assert verify_chain(engine).intact  # a writer killed mid-transaction leaves no half-link


def _status(engine, concern_id):
    with engine.connect() as connection:
        return connection.scalar(select(Concern.status).where(Concern.id == concern_id))
