"""The demo: a database seeded from the shipped samples, and a simulator of incoming calls."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import random
import threading
from pathlib import Path

from sqlalchemy import Engine, func, select
from sqlmodel import col

from helpdesk.clock import Clock, as_utc, london
from helpdesk.domain.intake import NewConcern
from helpdesk.domain.phones import parse_gb_phone
from helpdesk.domain.types import CallerRole, Category, ConcernStatus, ContactOutcome, ReviewOutcome
from helpdesk.shipped import shipped_file
from helpdesk.store.admin import importers
from helpdesk.store.commands.intake import log_concern
from helpdesk.store.commands.taking import ClaimRefused, claim
from helpdesk.store.db.engine import make_engine, sqlite_file, sqlite_url
from helpdesk.store.db.models import Concern, Inspection, School
from helpdesk.store.db.schema import upgrade

DEMO_SENIOR = "akhan"
SIMULATOR = "phone-system"
SAMPLE_WEEK = dt.date(2026, 11, 16)  # the Monday of the week the sample inspections are set in
GIAS_SAMPLE = "edubasealldata20261101.csv"

FIRST_NAMES = [
    "Amelia",
    "Bilal",
    "Catherine",
    "Dominic",
    "Esther",
    "Farid",
    "Grace",
    "Harpreet",
    "Ian",
    "Jasmine",
    "Kieran",
    "Leanne",
    "Marcus",
    "Nadia",
    "Oliver",
    "Parveen",
    "Rebecca",
    "Simon",
    "Tariq",
    "Ursula",
]
LAST_NAMES = [
    "Ashworth",
    "Bennett",
    "Carr",
    "Doyle",
    "Ellis",
    "Finch",
    "Gill",
    "Hartley",
    "Ingram",
    "Jackson",
    "Kaur",
    "Lowe",
    "Marsh",
    "Noor",
    "Osei",
    "Pearson",
    "Riley",
    "Sutton",
    "Turner",
    "Wood",
]
CALLER_PHONES = ["020 7946 0{:03d}", "0113 496 0{:03d}", "0121 496 0{:03d}", "0161 496 0{:03d}", "0117 496 0{:03d}"]
SUMMARIES = {
    Category.WELLBEING: [
        "Headteacher tearful and says she cannot continue today; deputy asked us to call.",
        "Leader reports not sleeping since the notification call and feels overwhelmed.",
        "Chair of governors worried about the head's state after the day-one feedback.",
    ],
    Category.INSPECTOR_CONDUCT: [
        "Caller says an inspector spoke sharply to a teacher in front of pupils.",
        "Leader feels the lead inspector is not listening to the school's context.",
    ],
    Category.INSPECTION_PROCESS: [
        "School unsure whether the safeguarding evidence request has to be met today.",
        "Question about sharing provisional outcomes with the governing board.",
    ],
    Category.PAUSE_REQUEST: [
        "Lead inspector asks to pause: the headteacher has been taken ill this morning.",
        "Trust requests a pause: serious incident on site is taking all senior leaders.",
        "Headteacher asks for a pause after a family bereavement overnight.",
    ],
    Category.OTHER: ["Caller wants to know how to make a formal complaint after the inspection."],
}


def demo_database_ready(engine: Engine) -> bool:
    from helpdesk.store.admin.demo_marker import is_demo_database
    from helpdesk.store.db.schema import current_revision

    return current_revision(engine) is not None and is_demo_database(engine)


SAMPLE_ADMIN = ("wcole", "William Cole", "London")  # the first admin in the shipped staff sample


def import_samples(engine: Engine, now: dt.datetime, first_admin_by: str, shift_days: int = 0) -> None:
    """The shipped samples, as a new deployment gets its data: the first admin is added (by
    `first_admin_by`, the host's account), who then imports staff and reference data."""
    from helpdesk.store.admin.staff_accounts import add_first_admin

    admin = SAMPLE_ADMIN[0]
    add_first_admin(engine, *SAMPLE_ADMIN, actor=first_admin_by, now=now)
    importers.import_staff(engine, shipped_file("staff.csv"), admin, now)
    importers.import_schools(engine, shipped_file(GIAS_SAMPLE), admin, now)
    importers.import_bodies(engine, shipped_file("bodies.csv"), admin, now)
    importers.import_inspections(engine, shipped_file("inspections.csv"), admin, now, shift_days=shift_days)
    importers.import_conflicts(engine, shipped_file("conflicts.csv"), admin, now)


def seed_demo(engine: Engine, clock: Clock, final_path: Path, rng: random.Random | None = None) -> None:
    """Create the schema, sign the database as this user's demo (to be moved to `final_path`),
    import the samples and put a morning's calls in the queue."""
    from helpdesk.store.admin.demo_marker import mark_as_demo

    rng = rng or random.Random(7)
    now = clock.now()
    upgrade(engine)
    mark_as_demo(engine, final_path)
    this_monday = now.date() - dt.timedelta(days=now.date().weekday())
    import_samples(engine, now, "demo", shift_days=(this_monday - SAMPLE_WEEK).days)
    seed_history(engine, clock, rng)
    for minutes_ago in (42, 31, 18, 12, 9, 6, 3, 1):
        log_concern(engine, simulated_concern(engine, rng), SIMULATOR, now - dt.timedelta(minutes=minutes_ago))
    with engine.connect() as connection:
        first = connection.scalar(select(func.min(col(Concern.id))).where(col(Concern.status) == ConcernStatus.WAITING))
    for senior in ("bmorgan", "hwalsh", "jbrooks", "gsingh"):  # the first who is independent of it
        if first is None:
            break
        try:
            claim(engine, first, senior, now - dt.timedelta(minutes=35))
            break
        except ClaimRefused:
            continue
    seed_pauses(engine, clock, rng)
    seed_follow_ups(engine, clock)
    seed_linked_call(engine, clock, rng)
    seed_handover(engine, clock)


def seed_handover(engine: Engine, clock: Clock) -> None:
    """A call a supervisor has just handed to the demo's senior: NEW on their queue, and their
    console says who handed it over and why when it opens."""
    from helpdesk.domain.refusals import Refused
    from helpdesk.store import commands

    now = clock.now()
    with engine.connect() as connection:
        waiting = connection.execute(
            select(col(Concern.id), col(Concern.received_at))
            .where(col(Concern.status) == ConcernStatus.WAITING, col(Concern.urgent).is_(False))
            .order_by(col(Concern.received_at))
        ).all()
    for concern_id, received_at in waiting:
        # claimed a while ago, but never before the call was logged
        claimed_at = max(now - dt.timedelta(minutes=20), as_utc(received_at) + dt.timedelta(minutes=1))
        if concern_id is None or claimed_at >= now - dt.timedelta(minutes=2):
            continue
        if not _claimed(engine, concern_id, "hwalsh", claimed_at):
            continue
        try:
            commands.reassign(
                engine, concern_id, "lpark", DEMO_SENIOR, "Helen has been called into a meeting",
                now - dt.timedelta(minutes=2),
            )  # fmt: skip
        except Refused:
            commands.release(engine, concern_id, "hwalsh", "Not independent of the inspection", now)
            continue
        return


def seed_linked_call(engine: Engine, clock: Clock, rng: random.Random) -> None:
    """A second call about the school of the call being worked, linked to it by its holder: the
    queue shows them together, each call lists the other."""
    from helpdesk.store.commands.links import link_calls

    now = clock.now()
    with engine.connect() as connection:
        held = connection.execute(
            select(col(Concern.id), col(Concern.urn), col(Concern.claimed_by)).where(
                col(Concern.status) == ConcernStatus.CLAIMED
            )
        ).first()
    if held is None or held.claimed_by is None:
        return
    concern = dataclasses.replace(
        simulated_concern(engine, rng),
        urn=held.urn,
        caller_role=CallerRole.RESPONSIBLE_BODY,
        category=Category.INSPECTION_PROCESS,
        summary="The trust asks how the helpline is supporting its head during this inspection.",
        urgent=False,
    )
    second = log_concern(engine, concern, SIMULATOR, now - dt.timedelta(minutes=4))
    link_calls(engine, held.id, second, held.claimed_by, "same_inspection", now - dt.timedelta(minutes=2))


def seed_pauses(engine: Engine, clock: Clock, rng: random.Random) -> None:
    """The pause register as a morning finds it: a pause authorised this morning and in force,
    its resumption check due before the inspection resumes; and one whose check found support
    NOT in place, so that a second, exceptional decision (countersigned) took the inspection's
    pauses past the remit's limit."""
    from helpdesk.domain.call import missing_informed
    from helpdesk.domain.follow_up import ResumptionOutcome
    from helpdesk.domain.pause import PauseDecisionInput
    from helpdesk.domain.policy import load_policy
    from helpdesk.store import commands
    from helpdesk.store.commands.follow_ups import complete_follow_up
    from helpdesk.store.queries.call import call_detail

    policy = load_policy(shipped_file("policy.toml"))
    now = clock.now()
    for hours_ago, days, extended in ((2, 2, False), (4, 4, True)):
        start = pause_morning(now, hours_ago)

        def at(minutes: float, start: dt.datetime = start) -> dt.datetime:
            return start + dt.timedelta(minutes=minutes)

        if not (schools := _inspected_today(engine, london(at(0)).date())):
            return  # a pause is authorised only while its inspection is on: none is today
        concern = simulated_concern(engine, rng)
        concern = dataclasses.replace(concern, urn=rng.choice(schools), category=Category.PAUSE_REQUEST, urgent=True)
        concern_id = log_concern(engine, concern, SIMULATOR, at(0))
        senior = next((s for s in HISTORY_SENIORS if _claimed(engine, concern_id, s, at(4))), None)
        if senior is None:
            continue
        commands.log_contact(
            engine, concern_id, senior, at(8), party="responsible_body", contact_name="", phone="0113 496 0999",
            channel="phone", outcome=ContactOutcome.REACHED,
        )  # fmt: skip
        commands.record_pause_decision(
            engine, concern_id, senior,
            PauseDecisionInput(decision="authorised", requested_by="headteacher", grounds="wellbeing",
                               working_days=days, rationale="Head signed off sick; the trust is arranging cover."),
            policy, at(12),
        )  # fmt: skip
        if extended:
            check = next(f for f in call_detail(engine, concern_id, senior).follow_ups if f.open)  # type: ignore[union-attr]
            complete_follow_up(
                engine, check.id, senior, at(90), outcome=ResumptionOutcome.SUPPORT_NOT_IN_PLACE,
                note="The trust has no interim head before next week.",
            )  # fmt: skip
            commands.record_pause_decision(
                engine, concern_id, senior,
                PauseDecisionInput(decision="authorised", requested_by="responsible_body", grounds="wellbeing",
                                   working_days=8, rationale="Support not in place: the trust needs the week.",
                                   justification="No interim head can be in post before next Wednesday."),
                policy, at(100),
            )  # fmt: skip
            commands.countersign(engine, concern_id, "mokafor", "Checked with the trust's CEO.", at(110), policy)
        decided = call_detail(engine, concern_id, senior).latest_decision  # type: ignore[union-attr]
        for party in missing_informed(decided.decision, decided.informed, policy) if decided else []:
            commands.record_notification(engine, concern_id, senior, at(115), party=party, channel="phone")
        commands.record_signposting(engine, concern_id, senior, at(116))
        commands.add_advice(engine, concern_id, senior, "Talked the head through the pause and the support.", at(117))
        commands.close(engine, concern_id, senior, OUTCOMES[0], at(120), policy=policy)


PAUSE_WORK = dt.timedelta(hours=2)  # from a pause request logged to the call closed


def pause_morning(now: dt.datetime, hours_ago: float) -> dt.datetime:
    """When a seeded pause request was logged: `hours_ago` before now, unless its two hours of
    work would cross midnight (London), when a pause could be authorised on an inspection that
    ended the day before: then as long before midnight, all of it on the day before."""
    start = now - dt.timedelta(hours=hours_ago)
    if london(start).date() == london(start + PAUSE_WORK).date():
        return start
    midnight = london(now).floor("day").datetime
    return as_utc(midnight - dt.timedelta(hours=hours_ago) - PAUSE_WORK)


def _inspected_today(engine: Engine, today: dt.date) -> list[str]:
    """The schools with an inspection on today (the inspection a call about them links to)."""
    with engine.connect() as connection:
        return sorted(
            connection.scalars(
                select(col(Inspection.urn)).where(
                    col(Inspection.start_date) <= today, col(Inspection.end_date) >= today
                )
            )
        )


def _claimed(engine: Engine, concern_id: int, senior: str, at: dt.datetime) -> bool:
    try:
        claim(engine, concern_id, senior, at)
    except ClaimRefused:
        return False
    return True


def check_support(engine: Engine, concern_id: int, senior: str, now: dt.datetime, rng: random.Random) -> None:
    """The senior's resumption check on an authorised pause, done when it fell due (if it has)."""
    from helpdesk.domain.follow_up import FollowUpKind, ResumptionOutcome
    from helpdesk.store.commands.follow_ups import complete_follow_up
    from helpdesk.store.queries.follow_ups import call_follow_ups

    with engine.connect() as connection:
        checks = [
            f for f in call_follow_ups(connection, concern_id) if f.kind == FollowUpKind.RESUMPTION_CHECK and f.open
        ]
    for check in checks:
        done_at = check.due_at + dt.timedelta(minutes=rng.uniform(10, 90))
        if done_at < now:
            complete_follow_up(
                engine, check.id, senior, done_at, outcome=ResumptionOutcome.SUPPORT_IN_PLACE,
                note="Trust confirmed the deputy head is covering and the head has support.",
            )  # fmt: skip


def seed_follow_ups(engine: Engine, clock: Clock) -> None:
    """Work left behind by the past weeks' calls, as a morning finds it: a follow-up for any
    senior already overdue, one for the demo's senior later today, one due on Friday, and a call
    back on the call being worked. (Resumption checks come with the history's pauses.)"""
    from helpdesk.domain.follow_up import FollowUpKind
    from helpdesk.domain.policy import load_policy
    from helpdesk.store.commands.follow_ups import set_follow_up

    policy = load_policy(shipped_file("policy.toml"))
    now = clock.now()
    with engine.connect() as connection:
        newest_closed = (
            select(col(Concern.id))
            .where(col(Concern.status) == ConcernStatus.CLOSED)
            .order_by(col(Concern.closed_at).desc())
            .limit(3)
        )
        closed = [int(concern_id) for concern_id in connection.scalars(newest_closed) if concern_id is not None]
        held = connection.execute(
            select(col(Concern.id), col(Concern.claimed_by), col(Concern.caller_phone)).where(
                col(Concern.status) == ConcernStatus.CLAIMED
            )
        ).first()
    plans = [
        ("Ring the head to ask how the second day went", None, -40),
        ("Send the head the Education Support leaflet as promised", DEMO_SENIOR, 6 * 60),
        ("Confirm the trust's interim head is in post", DEMO_SENIOR, 2 * 24 * 60),
    ]
    for concern_id, (what, owner, in_minutes) in zip(closed, plans, strict=False):
        set_at = clock_at(now, -120)
        set_follow_up(
            engine, concern_id, "lpark", set_at, policy, what=what, owner=owner,
            due=clock_text(clock_at(now, in_minutes)),
        )  # fmt: skip
    if held is not None:
        set_follow_up(
            engine, held.id, held.claimed_by, now - dt.timedelta(minutes=30), policy,
            what="Caller asked to be rung back after the lead inspector's feedback meeting", owner=held.claimed_by,
            due=clock_text(clock_at(now, 25)), kind=FollowUpKind.CALLBACK, phone=held.caller_phone,
        )  # fmt: skip


def clock_at(now: dt.datetime, minutes: float) -> dt.datetime:
    return now + dt.timedelta(minutes=minutes)


def clock_text(moment: dt.datetime) -> str:
    """A time as staff type it (London)."""
    from helpdesk.clock import london

    return london(moment).format("YYYY-MM-DD HH:mm")


MEETS = ReviewOutcome.MEETS_STANDARD
HISTORY_SENIORS = ("bmorgan", "cobi", "gsingh", "hwalsh", "jbrooks", "kmensah", "efarah", "dlewis")
OUTCOMES = [
    "Pause authorised to the next working day; trust deputy CEO on site by noon.",
    "Pause declined: leader supported by the chair of governors; inspection continued.",
    "Advice given on raising concerns; no pause requested.",
]


def seed_history(engine: Engine, clock: Clock, rng: random.Random, calls: int = 30) -> None:
    """Closed calls over the past four weeks, handled end to end through the commands, some
    of them reviewed: the review list and the statistics have something to show."""
    from helpdesk.domain.call import missing_informed
    from helpdesk.domain.inspection import InspectionEntry
    from helpdesk.domain.pause import PauseDecisionInput
    from helpdesk.domain.policy import load_policy
    from helpdesk.store import commands
    from helpdesk.store.queries.call import call_detail

    policy = load_policy(shipped_file("policy.toml"))
    now = clock.now()
    for n in range(calls):
        day = now - dt.timedelta(days=rng.randint(1, 27))
        at = day.replace(hour=rng.randint(8, 15), minute=rng.randint(0, 59))  # UTC, in the working day
        concern = simulated_concern(engine, rng)
        concern_id = log_concern(engine, concern, SIMULATOR, at)

        def minute(m: float, start: dt.datetime = at) -> dt.datetime:
            return start + dt.timedelta(minutes=m)

        senior = None
        for candidate in rng.sample(HISTORY_SENIORS, len(HISTORY_SENIORS)):
            try:
                claim(engine, concern_id, candidate, minute(rng.uniform(1, 18)))
                senior = candidate
                break
            except ClaimRefused:
                continue
        if senior is None:
            continue
        commands.log_contact(
            engine,
            concern_id,
            senior,
            minute(20),
            party="responsible_body",
            contact_name="",
            phone="0113 496 0999",
            channel="phone",
            outcome=rng.choice([ContactOutcome.REACHED, ContactOutcome.REACHED, ContactOutcome.VOICEMAIL]),
        )
        if concern.category.value == "pause_request":
            decision = rng.choice(["authorised", "authorised", "declined"])
            detail = call_detail(engine, concern_id, senior)
            on = detail.inspection if detail else None
            if decision == "authorised" and on is not None and not on.start_date <= day.date() <= on.end_date:
                decision = "declined"  # its inspection was not on that day: no pause could be authorised
            if decision == "authorised" and on is None:
                # no inspection on record for the school: the senior records it before deciding
                commands.link_inspection(
                    engine,
                    concern_id,
                    senior,
                    minute(22),
                    entry=InspectionEntry(
                        reference=f"DEMO-{concern_id:05d}",
                        remit="schools",
                        start_date=day.date(),
                        end_date=day.date() + dt.timedelta(days=1),
                        lead_inspector="Lead inspector (recorded on the call)",
                    ),
                )
            commands.record_pause_decision(
                engine,
                concern_id,
                senior,
                PauseDecisionInput(
                    decision=decision,
                    requested_by=rng.choice(["lead_inspector", "headteacher", "responsible_body"]),
                    grounds=rng.choice(["wellbeing", "incident"]),
                    working_days=1,
                    rationale="Leader unwell; responsible body arranging cover."
                    if decision == "authorised"
                    else "Leader well supported; evidence gathering can continue.",
                ),
                policy,
                minute(rng.uniform(25, 60)),
            )
            check_support(engine, concern_id, senior, now, rng)
        commands.add_advice(
            engine,
            concern_id,
            senior,
            "Talked the leader through the pause policy and the support available.",
            minute(62),
        )
        if (closing := call_detail(engine, concern_id, senior)) and (decided := closing.latest_decision) is not None:
            for party in missing_informed(decided.decision, decided.informed, policy):
                commands.record_notification(engine, concern_id, senior, minute(64), party=party, channel="phone")
        commands.record_signposting(engine, concern_id, senior, minute(63))
        # the outcome says what the record shows: the decision in force, or that none was asked for
        in_force = decided.decision if closing and decided is not None else None
        outcome = {"authorised": OUTCOMES[0], "declined": OUTCOMES[1]}.get(in_force or "", OUTCOMES[2])
        commands.close(engine, concern_id, senior, outcome, minute(70), policy=policy)
        if n % 3 == 0:
            outcome = rng.choice([MEETS, MEETS, ReviewOutcome.NEEDS_FOLLOW_UP, ReviewOutcome.LEARNING_REVIEW])
            feedback = {
                MEETS: "Clear record; good contact with the trust.",
                ReviewOutcome.NEEDS_FOLLOW_UP: "Ring the responsible body back to confirm support reached the head.",
                ReviewOutcome.LEARNING_REVIEW: "The pause decision came late: use for the monthly learning review.",
            }[outcome]
            commands.review(
                engine,
                concern_id,
                rng.choice(["lpark", "mokafor"]),
                outcome,
                feedback,
                min(minute(60 * 24), now - dt.timedelta(minutes=5)),  # the next day, or before now
                policy,
            )


def create_demo_database(url: str, clock: Clock) -> None:
    """Seed a new demo database. A SQLite file is built aside and moved into place when
    complete, so an interrupted seeding never leaves a half-made demo behind."""
    path = sqlite_file(url)
    if path is None:
        raise ValueError("the demo runs on a SQLite file")
    partial = path.with_name(path.name + ".seeding")
    for leftover in (partial, partial.with_name(partial.name + "-wal"), partial.with_name(partial.name + "-shm")):
        leftover.unlink(missing_ok=True)
    engine = make_engine(sqlite_url(partial), create=True)
    seed_demo(engine, clock, path)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    os.replace(partial, path)


def simulated_concern(engine: Engine, rng: random.Random) -> NewConcern:
    """A realistic call about a school with an inspection this week (or any school)."""
    with engine.connect() as connection:
        scheduled = (
            select(col(Inspection.urn)).where(col(Inspection.recorded_by).is_(None)).order_by(col(Inspection.urn))
        )  # not ones recorded on calls
        urns = list(connection.scalars(scheduled)) or list(
            connection.scalars(select(col(School.urn)).order_by(col(School.urn)))
        )
    category = rng.choices(list(SUMMARIES), weights=[3, 2, 2, 3, 1])[0]
    role = rng.choices(
        [CallerRole.HEADTEACHER, CallerRole.OTHER_LEADER, CallerRole.RESPONSIBLE_BODY, CallerRole.LEAD_INSPECTOR],
        weights=[4, 2, 2, 2 if category is Category.PAUSE_REQUEST else 0.5],
    )[0]

    return NewConcern(
        urn=rng.choice(urns),
        caller_name=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        caller_role=role,
        caller_phone=parse_gb_phone(rng.choice(CALLER_PHONES).format(rng.randrange(1000))),
        category=category,
        summary=rng.choice(SUMMARIES[category]),
        urgent=category in (Category.WELLBEING, Category.PAUSE_REQUEST) and rng.random() < 0.6,
    )


class CallSimulator(threading.Thread):
    """Logs a new concern every `interval` seconds while the queue holds fewer than `ceiling` waiting."""

    def __init__(self, engine: Engine, clock: Clock, interval: float = 8.0, ceiling: int = 40) -> None:
        super().__init__(name="call-simulator", daemon=True)
        self.engine, self.clock, self.interval, self.ceiling = engine, clock, interval, ceiling
        self.stopped = threading.Event()
        self.rng = random.Random()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                with self.engine.connect() as connection:
                    waiting = (
                        connection.scalar(select(func.count()).where(col(Concern.status) == ConcernStatus.WAITING)) or 0
                    )
                if waiting < self.ceiling:
                    log_concern(self.engine, simulated_concern(self.engine, self.rng), SIMULATOR, self.clock.now())
            except Exception:  # noqa: BLE001 - a busy or missing database skips one simulated call
                continue

    def stop(self) -> None:
        self.stopped.set()
