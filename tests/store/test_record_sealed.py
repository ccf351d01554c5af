"""The record itself is bound into the audit trail: every event that creates or changes a row of
the record carries the row's digest as written, and `verify` names every row edited, removed or
slipped in outside the commands (as an insider would, with raw SQL on the database), while every
change made through the commands, the purge and the imports keeps it whole."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import text

from helpdesk.clock import FrozenClock
from helpdesk.domain.audit_chain import REMOVED
from helpdesk.store import commands
from helpdesk.store.admin import importers
from helpdesk.store.db.audit import verify_chain
from helpdesk.store.db.seals import RECORD_TABLES
from support import handled, policy


@pytest.fixture
def record(engine, clock):
    """Calls with whole records: a declined pause closed and reviewed, an authorised one closed,
    a call claimed and handed to another senior with a follow-up, one waiting."""
    declined = handled(engine, clock, pause="declined", days_ago=2)
    commands.review(engine, declined, "lpark", "meets_standard", "Good call", clock.now(), policy())
    authorised = handled(engine, clock, pause="authorised", senior="bmorgan", caller=1, days_ago=1)
    held = commands.log_concern(engine, waiting_concern(), "rdouglas", clock.now())
    commands.claim(engine, held, "gsingh", clock.now())
    commands.set_follow_up(
        engine, held, "gsingh", clock.now(), policy(), what="Ring the trust", owner="gsingh", due="16:30"
    )
    commands.reassign(engine, held, "lpark", "akhan", "Shift ends", clock.now())
    waiting = commands.log_concern(engine, waiting_concern(), "rdouglas", clock.now())
    report = verify_chain(engine)
    assert report.intact, report.record  # the commands keep it whole
    return {"declined": declined, "authorised": authorised, "held": held, "waiting": waiting}


def waiting_concern():
    from helpdesk.domain.intake import validate_concern

    return validate_concern(
        urn="931767",
        caller_name="Tariq Noor",
        caller_role="headteacher",
        phone="0121 496 0555",
        category="wellbeing",
        summary="Head is struggling",
    )


def insider(engine, *statements: str) -> None:
    """Raw SQL as an insider runs it, bypassing every command: plain sqlite3 on the file with its
    foreign keys off; on PostgreSQL the owner's session with its triggers (foreign keys) off."""
    if engine.dialect.name == "sqlite":
        import sqlite3

        connection = sqlite3.connect(engine.url.database, isolation_level=None)
        connection.execute("PRAGMA foreign_keys = OFF")
        connection.execute("BEGIN")
        for statement in statements:
            connection.execute(statement)
        connection.execute("COMMIT")
        connection.close()
        return
    with engine.begin() as connection:
        connection.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for statement in statements:
            connection.execute(text(statement))


def named(engine) -> dict[str, str]:
    """What verify says of the record: row: problem."""
    report = verify_chain(engine)
    assert report.broken is None  # the chain itself is untouched: only the record was edited
    assert not report.intact
    return {problem.row: problem.problem for problem in report.record.problems}


CHANGED = "it differs from the digest its latest event carries: changed outside the commands"
UNACCOUNTED = "no event accounts for it: it was put in outside the commands"
REMOVED_OUTSIDE = "it is gone, but no event removed it: deleted outside the commands"


def first_id(engine, table: str, where: str = "1=1") -> int:
    with engine.connect() as connection:
        return connection.scalar(text(f"SELECT min(id) FROM {table} WHERE {where}"))


def test_advice_rewritten_is_named(engine, record):
    advice = first_id(engine, "advice", f"concern_id = {record['declined']}")
    insider(engine, f"UPDATE advice SET text = 'Told the head to carry on; no support needed' WHERE id = {advice}")
    assert named(engine) == {f"advice:{advice}": CHANGED}


def test_a_declined_pause_made_authorised_is_named(engine, record):
    decision = first_id(engine, "pause_decision", f"concern_id = {record['declined']}")
    insider(
        engine,
        f"UPDATE pause_decision SET decision = 'authorised', working_days = 9, rationale = 'Agreed' WHERE id = {decision}",
    )
    assert named(engine) == {f"pause_decision:{decision}": CHANGED}


def test_a_countersignature_forged_onto_a_decision_is_named(engine, record):
    decision = first_id(engine, "pause_decision", f"concern_id = {record['authorised']}")
    insider(
        engine,
        f"UPDATE pause_decision SET countersigned_by = 'lpark', countersign_reason = 'ok', "
        f"countersigned_at = decided_at WHERE id = {decision}",
    )
    assert named(engine) == {f"pause_decision:{decision}": CHANGED}


def test_advice_and_notifications_deleted_are_named(engine, record):
    with engine.connect() as connection:
        advice = connection.scalars(text("SELECT id FROM advice")).all()
        notifications = connection.scalars(text("SELECT id FROM notification")).all()
    assert advice and notifications
    insider(engine, "DELETE FROM advice", "DELETE FROM notification")
    said = named(engine)
    assert set(said) == {f"advice:{n}" for n in advice} | {f"notification:{n}" for n in notifications}
    assert all("deleted outside the commands" in problem for problem in said.values())


def test_a_closed_call_reopened_and_rewritten_is_named(engine, record):
    call = record["declined"]
    insider(
        engine,
        f"UPDATE concern SET status = 'claimed', outcome = NULL, summary = 'Nothing much', "
        f"caller_name = 'Someone else', claimed_by = 'akhan' WHERE id = {call}",
    )
    assert named(engine) == {f"concern:{call}": CHANGED}


def test_a_forged_advice_row_with_no_event_is_named(engine, record, clock):
    call = record["held"]
    insider(
        engine,
        "INSERT INTO advice (concern_id, author, at, text) "
        f"VALUES ({call}, 'akhan', '2026-11-18 09:30:00.000000', 'Forged: the head agreed to carry on')",
    )
    forged = first_id(engine, "advice", "text LIKE 'Forged%'")
    assert named(engine) == {f"advice:{forged}": UNACCOUNTED}


def test_a_handler_made_admin_is_named(engine, record):
    insider(engine, "UPDATE staff SET role = 'admin' WHERE login = 'rdouglas'")
    assert named(engine) == {"staff:rdouglas": CHANGED}


def test_a_whole_call_deleted_is_named_row_by_row(engine, record):
    call = record["authorised"]
    with engine.connect() as connection:
        rows = {
            f"{table}:{n}"
            for table in ("advice", "contact_attempt", "pause_decision", "notification", "follow_up")
            for n in connection.scalars(text(f"SELECT id FROM {table} WHERE concern_id = {call}"))
        }
    statements = [
        f"DELETE FROM {table} WHERE concern_id = {call}"
        for table in ("follow_up", "notification", "pause_decision", "contact_attempt", "advice", "handover")
    ]
    insider(engine, *statements, f"DELETE FROM concern WHERE id = {call}")
    said = named(engine)
    assert f"concern:{call}" in said and rows <= set(said)
    assert all("deleted outside the commands" in problem for problem in said.values())


def test_an_escalation_and_a_link_edited_are_named(engine, record, clock):
    from helpdesk.store.commands.links import link_calls

    link_calls(engine, record["waiting"], record["held"], "lpark", "same_matter", clock.now())
    link = first_id(engine, "call_link")
    insider(engine, f"UPDATE call_link SET kind = 'other' WHERE id = {link}")
    assert named(engine) == {f"call_link:{link}": CHANGED}


def test_the_purge_anonymises_without_breaking_the_record(engine, record):
    later = FrozenClock("2033-01-10T09:00:00Z")
    commands.review(engine, record["authorised"], "lpark", "meets_standard", "Fine", later.now(), policy())
    purged = commands.purge(engine, dt.date(2026, 12, 1), "wcole", policy(), later.now())
    assert purged == 2
    assert verify_chain(engine).intact


def test_imports_seal_what_they_change(engine, record, clock, tmp_path):
    from helpdesk.shipped import shipped_file

    staff = tmp_path / "staff.csv"
    lines = shipped_file("staff.csv").read_text().splitlines()
    staff.write_text(
        "\n".join(line.replace(",senior,", ",supervisor,") if "gsingh" in line else line for line in lines)
    )
    importers.import_staff(engine, staff, "wcole", clock.now())
    importers.import_inspections(engine, shipped_file("inspections.csv"), "wcole", clock.now())
    importers.import_conflicts(engine, shipped_file("conflicts.csv"), "wcole", clock.now())
    assert verify_chain(engine).intact


def test_every_table_of_the_record_is_checked(engine, record):
    """Each record table's rows are read by verify: changing any one row of any table is named."""
    with engine.connect() as connection:
        counts = {name: connection.scalar(text(f"SELECT count(*) FROM {name}")) for name in RECORD_TABLES}
    assert verify_chain(engine).record.rows == sum(counts.values())


def test_digests_are_kept_out_of_redacted_exports(engine, record):
    import io

    from helpdesk.store.admin.export import export_audit

    out = io.StringIO()
    export_audit(engine, "lpark", dt.date(2026, 11, 1), dt.date(2026, 12, 31), "json", True, out)
    exported = json.loads(out.getvalue())
    assert exported and not any("rows" in json.loads(event["details"]) for event in exported)


def test_rows_a_command_removes_are_sealed_as_removed(engine, record, clock, tmp_path):
    """An import of conflicts replaces each listed person's rows: when a person now has none of a
    kind, the import's event says the old row was removed, and verify accepts its absence."""
    conflicts = tmp_path / "conflicts.csv"
    conflicts.write_text("login,urn,responsible_body,reason\ncobi,935180,,Governor of this school\n")
    with engine.connect() as connection:
        theirs = set(connection.scalars(text("SELECT id FROM conflict WHERE login = 'cobi'")))
    importers.import_conflicts(engine, conflicts, "wcole", clock.now())
    with engine.connect() as connection:
        details = connection.scalar(text("SELECT details FROM event WHERE kind = 'imported' ORDER BY id DESC LIMIT 1"))
        standing = set(connection.scalars(text("SELECT id FROM conflict")))
    sealed = json.loads(details)["rows"]
    assert {f"conflict:{n}" for n in theirs} <= set(sealed)
    gone = theirs - standing
    assert gone and all(sealed[f"conflict:{n}"] == REMOVED for n in gone)
    assert verify_chain(engine).intact


def test_rows_on_record_before_the_upgrade_are_sealed_by_it(tmp_path):
    """A database made before rows were bound to the trail: the upgrade seals every row as it
    stands ("sealed" events), and from then on an edit is named."""
    from sqlalchemy import insert

    from helpdesk.store.db.engine import make_engine, sqlite_url
    from helpdesk.store.db.models import Staff
    from helpdesk.store.db.schema import upgrade

    engine = make_engine(sqlite_url(tmp_path / "older.sqlite"), create=True)
    upgrade(engine, "0012")
    with engine.begin() as connection:  # as the older helpdesk left it: rows no event vouches for
        connection.execute(
            insert(Staff),
            [
                {"login": "wcole", "name": "William Cole", "role": "admin", "region": "London", "active": True},
                {"login": "akhan", "name": "Aisha Khan", "role": "senior", "region": "London", "active": True},
            ],
        )
    upgrade(engine)
    report = verify_chain(engine)
    assert report.intact and report.record.rows == 2
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM event WHERE kind = 'sealed'")) == 1
    insider(engine, "UPDATE staff SET role = 'admin' WHERE login = 'akhan'")
    assert named(engine) == {"staff:akhan": CHANGED}


def test_columns_added_to_the_record_later_leave_the_rows_sealed_before_them_whole(tmp_path):
    """A decision and an escalation sealed by the upgrade that bound the record (0013), then the
    upgrade that added the refusal's and the escalated decision's columns (0014): the rows keep
    their digests while those columns are empty, and filling one in outside the commands is named."""
    from helpdesk.domain.types import EventKind
    from helpdesk.store.db.audit import record_event
    from helpdesk.store.db.engine import make_engine, sqlite_url
    from helpdesk.store.db.schema import upgrade
    from helpdesk.store.db.seals import before_later_columns

    engine = make_engine(sqlite_url(tmp_path / "older.sqlite"), create=True)
    upgrade(engine, "0012")
    with engine.begin() as connection:
        for sql in (
            "INSERT INTO school (urn, name, type, phase, local_authority, postcode) VALUES ('930037', 'Thornhill', '', '', '', '')",
            "INSERT INTO concern (id, received_at, logged_by, caller_name, caller_role, caller_phone, urn, category,"
            " urgent, priority, summary, status) VALUES (1, '2026-11-18 09:00:00+00:00', 'rdouglas', 'Grace Ellis',"
            " 'headteacher', '+442079460123', '930037', 'pause_request', 1, 0, 'Pause?', 'waiting')",
            "INSERT INTO pause_decision (id, concern_id, requested_by, grounds, decision, working_days, exceptional,"
            " justification, rationale, decided_by, decided_at, countersign_reason) VALUES (1, 1, 'headteacher',"
            " 'wellbeing', 'authorised', 8, 1, 'Ill', 'Why', 'gsingh', '2026-11-18 09:10:00+00:00', '')",
            "INSERT INTO escalation (id, key, subject, concern_id, raised_by, raised_at) VALUES (1, 'claim_target:1',"
            " 'claim_target', 1, 'akhan', '2026-11-18 09:20:00+00:00')",
        ):
            connection.execute(text(sql))
        with before_later_columns():  # (written as the code of revision 0012 wrote events)
            record_event(
                connection,
                actor="rdouglas",
                kind=EventKind.LOGGED,
                at=dt.datetime(2026, 11, 18, 9, tzinfo=dt.UTC),
                concern_id=1,
            )
    upgrade(engine, "0013")
    upgrade(engine)
    report = verify_chain(engine)
    assert report.intact and report.record.rows == 3, report.record
    insider(engine, "UPDATE pause_decision SET refused_by = 'mokafor', refusal_reason = 'No'")
    assert named(engine) == {"pause_decision:1": CHANGED}


def test_every_other_command_keeps_the_record_whole(engine, record, clock):
    """Release, an exceptional pause and its countersignature, a call back completed (with the
    contact it logs), a resumption check done, an escalation, linked calls, feedback read: after
    each, every row of the record still matches its latest event."""
    from helpdesk.store.queries.call import call_detail
    from helpdesk.store.queries.follow_ups import call_follow_ups
    from support import decision, link_new_inspection, log

    now = clock.now()
    commands.release(engine, record["held"], "akhan", "Back to the queue", now)
    assert verify_chain(engine).intact
    call = log(engine, clock, urn="930192")  # a school with no inspection on record: one is recorded today
    commands.claim(engine, call, "lpark", now)
    if call_detail(engine, call, "lpark").inspection is None:
        link_new_inspection(engine, clock, call, login="lpark")
    commands.log_contact(
        engine, call, "lpark", now, party="responsible_body", contact_name="", phone="0113 496 0500",
        channel="phone", outcome="reached",
    )  # fmt: skip
    commands.record_pause_decision(
        engine, call, "lpark", decision(working_days=8, justification="Head hospitalised."), policy(), now
    )
    commands.countersign(engine, call, "mokafor", "Head in hospital.", now, policy())
    callback = commands.set_follow_up(
        engine, call, "lpark", now, policy(), what="Ring back", owner="lpark", due="16:30", kind="callback",
        phone="0113 496 0777",
    )  # fmt: skip
    commands.complete_follow_up(engine, callback, "lpark", now, outcome="reached", note="Spoke to the head")
    with engine.connect() as connection:
        checks = [row for row in call_follow_ups(connection, call) if row.kind == "resumption_check"]
    assert checks
    commands.complete_follow_up(engine, checks[0].id, "lpark", now, outcome="support_in_place", note="Cover found")
    commands.link_calls(engine, record["waiting"], call, "lpark", "same_matter", now)
    commands.escalate(engine, "lpark", now + dt.timedelta(hours=2), policy(), concern_ids=[record["waiting"]])
    with engine.connect() as connection:
        reviews = list(connection.scalars(text("SELECT id FROM review")))
    commands.mark_feedback_read(engine, "gsingh", reviews, now)
    report = verify_chain(engine)
    assert report.intact, report.record.problems
    with engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM escalation")) >= 1  # (the escalation was raised)


# --- the state agrees with the story ------------------------------------------------------------


def forged_vouching(engine, concern_id: int, actor: str = "akhan") -> None:
    """An insider's cover: an event appended with a correctly computed hash, in someone's name,
    that vouches for the call's row as it now stands (so the row's digest matches)."""
    from helpdesk.domain.types import EventKind
    from helpdesk.store.db.audit import record_event

    with engine.begin() as connection:
        record_event(
            connection,
            actor=actor,
            kind=EventKind.VIEWED,
            at=dt.datetime.now(dt.UTC),
            concern_id=concern_id,
            rows={"concern": {(concern_id,)}},
        )


def story_problems(engine) -> dict[int, str]:
    report = verify_chain(engine)
    assert report.broken is None and report.record.total == 0  # every digest matches: the cover worked
    assert not report.intact
    return {problem.concern_id: problem.problem for problem in report.story.problems}


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (
            "UPDATE concern SET status = 'claimed', outcome = NULL, closed_at = NULL WHERE id = {call}",
            "its status is claimed, its events leave it closed; it was closed without an outcome",
        ),
        (
            "UPDATE concern SET claimed_by = 'akhan' WHERE id = {call}",
            "its holder is akhan, its events leave it with gsingh",
        ),
        (
            "UPDATE concern SET decision_in_force = 'authorised' WHERE id = {call}",
            "its decision in force is authorised, its events leave declined",
        ),
    ],
)
def test_a_call_row_changed_and_vouched_for_by_a_forged_event_is_named_by_its_story(engine, record, clock, edit, said):
    """The digests alone cannot catch a row changed together with an event that vouches for it:
    replaying the call's events does."""
    call = handled(engine, clock, pause="declined", days_ago=1)
    insider(engine, edit.format(call=call))
    forged_vouching(engine, call)
    assert story_problems(engine) == {call: said}


def test_every_call_agrees_with_its_story_after_the_commands(engine, record, clock):
    report = verify_chain(engine)
    assert report.intact and report.story.calls > 0 and report.story.total == 0


def test_a_row_read_with_its_times_as_stored_has_the_digest_its_values_give(record, engine):
    """On SQLite a time is digested from the text the file keeps (its digits moved into the
    chain's UTC text, not parsed): every row's digest is the one `row_digest` gives the values
    as SQLAlchemy reads them, as digests written before were made."""
    from sqlalchemy import select

    from helpdesk.domain.audit_chain import row_digest
    from helpdesk.store.db.seals import rows_with_digests

    compared = 0
    with engine.connect() as connection:
        for name, table in RECORD_TABLES.items():
            read = {tuple(row[c.name] for c in table.primary_key.columns): row for row in
                    connection.execute(select(table)).mappings()}  # fmt: skip
            for key, digest in rows_with_digests(connection, table):
                values = {k: v for k, v in read[key].items()}
                later = [k for k in ("refused_by", "refused_at", "refusal_reason", "policy_version", "decision_id",
                                     "wellbeing_name", "wellbeing_role", "wellbeing_phone", "email",
                                     "told_judgement_unaffected_at", "told_may_be_accompanied_at")
                         if k in values and values[k] is None]  # fmt: skip
                assert digest in {
                    row_digest(name, values),
                    row_digest(name, {k: v for k, v in values.items() if k not in later}),
                }
                compared += 1
    assert compared > 20


def test_a_time_kept_in_another_form_for_the_same_moment_is_the_same_time(record, engine):
    """A time rewritten with raw SQL into another text for the same moment reads as that moment
    (as SQLAlchemy reads it); moved by a second, it is named."""
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite keeps times as text")
    with engine.begin() as connection:
        stored = connection.scalar(text("SELECT received_at FROM concern WHERE id = :id"), {"id": record["waiting"]})
        assert stored.endswith(".000000")  # (the test's clock keeps whole seconds)
        connection.execute(
            text("UPDATE concern SET received_at = :at WHERE id = :id"), {"at": stored[:19], "id": record["waiting"]}
        )
    assert verify_chain(engine).intact
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE concern SET received_at = :at WHERE id = :id"),
            {"at": stored[:17] + f"{(int(stored[17:19]) + 1) % 60:02d}" + stored[19:], "id": record["waiting"]},
        )
    report = verify_chain(engine)
    assert report.record is not None and [p.row for p in report.record.problems] == [f"concern:{record['waiting']}"]
