"""Building benchmark databases quickly: reference samples plus many concerns, inserted in bulk."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import insert
from sqlmodel import Session

from helpdesk.clock import microseconds_between
from helpdesk.store.demo import import_samples
from helpdesk.store.demo_marker import mark_as_demo
from helpdesk.store.engine import make_engine, writer
from helpdesk.store.models import Concern, Staff
from helpdesk.store.schema import upgrade


def build(url: str, waiting: int, closed: int, racers: int = 0) -> None:
    """Schema, samples, `closed` closed and `waiting` waiting concerns, and `racers` extra seniors
    (racer00, racer01, ...) who are independent of every inspection."""
    engine = make_engine(url, create=True)
    upgrade(engine)
    now = dt.datetime.now(dt.UTC)
    import_samples(engine, now, "bench")
    with engine.connect() as connection:
        urns = [row[0] for row in connection.exec_driver_sql("SELECT urn FROM school")]
    rng = random.Random(1)

    def concern(status: str, minutes_ago: float) -> dict:
        urgent = rng.random() < 0.3
        received = now - dt.timedelta(minutes=minutes_ago)
        values = dict(
            received_at=received,
            logged_by="bench",
            caller_name="Sample Caller",
            caller_role="headteacher",
            caller_phone="+441134960000",
            urn=rng.choice(urns),
            category="wellbeing",
            urgent=urgent,
            priority=0 if urgent else 1,
            summary="Benchmark concern",
            status=status,
            closed_at=received + dt.timedelta(hours=1) if status == "closed" else None,
        )
        return {**values, **handled(received)} if status == "closed" else values

    seniors = ["akhan", "bmorgan", "cobi", "dlewis", "efarah", "gsingh", "hwalsh", "jbrooks", "kmensah"]
    categories = ["wellbeing", "pause_request", "inspector_conduct", "inspection_process", "other"]

    def handled(received: dt.datetime) -> dict:
        """What a closed call keeps for the figures: who held it, its first claim, and for a pause
        request its first decision and the decision in force."""
        category = rng.choices(categories, weights=[3, 3, 2, 2, 1])[0]
        claimed = received + dt.timedelta(seconds=rng.expovariate(1 / 420))
        decided_at = claimed + dt.timedelta(seconds=rng.expovariate(1 / 1800))
        decided = category == "pause_request" and rng.random() < 0.8
        return dict(
            category=category,
            claimed_by=rng.choice(seniors),
            claimed_at=claimed,
            first_claimed_at=claimed,
            claim_wait_us=microseconds_between(received, claimed),
            first_decided_at=decided_at if decided else None,
            decision_wait_us=microseconds_between(received, decided_at) if decided else None,
            decision_in_force=rng.choice(["authorised", "declined"]) if decided else None,
        )

    with Session(writer(engine)) as session, session.begin():
        for start in range(0, closed, 10_000):
            batch = [concern("closed", 60 * 24 + i) for i in range(start, min(start + 10_000, closed))]
            session.execute(insert(Concern), batch)
        for start in range(0, waiting, 10_000):
            batch = [concern("waiting", rng.uniform(0, 60)) for _ in range(start, min(start + 10_000, waiting))]
            session.execute(insert(Concern), batch)
        if racers:
            session.execute(
                insert(Staff),
                [
                    dict(login=f"racer{n:02d}", name=f"Racer {n:02d}", role="senior", region="Bench", active=True)
                    for n in range(racers)
                ],
            )
    if engine.dialect.name == "sqlite":
        mark_as_demo(engine)  # the benchmark's own file: lets it open consoles with --as
    with engine.connect() as connection:
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    engine.dispose()


def empty_postgres(url: str) -> None:
    """Empty the PostgreSQL database a benchmark was given, before it builds a size."""
    from sqlalchemy import text

    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]
