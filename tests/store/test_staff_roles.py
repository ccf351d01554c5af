"""PostgreSQL with each member of staff connecting as their own role (`helpdesk db grant-staff`):
the helpline runs with each person on their own credentials; with those credentials nobody
writes an event in another's name, changes what the record keeps append-only, or changes a
staff account unless an admin; the staff import keeps each role in step (a deactivated member
can no longer connect)."""

from __future__ import annotations

import datetime as dt
import os
import uuid

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.exc import DatabaseError

from helpdesk.domain.intake import validate_concern
from helpdesk.domain.pause import PauseDecisionInput
from helpdesk.store import commands
from helpdesk.store.admin.importers import import_staff
from helpdesk.store.db.audit import verify_chain
from helpdesk.store.db.engine import make_engine
from helpdesk.store.db.staff_roles import ADMIN_GROUP, STAFF_GROUP, grant_staff_roles
from support import policy

POSTGRES_URL = os.environ.get("HELPDESK_TEST_POSTGRES_URL", "")
STAFF = ["akhan", "bmorgan", "cobi", "dlewis", "efarah", "gsingh", "hwalsh", "jbrooks", "kmensah", "lpark",
         "mokafor", "nreid", "phale", "rdouglas", "sbegum", "tgreen", "vnair", "wcole", "yahmed"]  # fmt: skip
NOW = dt.datetime(2026, 11, 18, 9, tzinfo=dt.UTC)


@pytest.fixture
def per_person(postgres_template):
    """A database from the template, `db grant-staff` run by its owner; yields (owner engine,
    `as_(login)`: an engine connected as that member of staff's own role). Roles belong to the
    whole server: one such test at a time (a lock), and every role dropped after it."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    lock = admin.connect()
    lock.execute(text("SELECT pg_advisory_lock(4712)"))
    name = f"test_{uuid.uuid4().hex[:12]}"
    lock.execute(text(f"CREATE DATABASE {name} TEMPLATE {postgres_template}"))
    url = make_url(POSTGRES_URL).set(database=name)
    owner = make_engine(url.render_as_string(hide_password=False))
    engines = {}

    def as_(login):
        if login not in engines:
            engines[login] = make_engine(url.set(username=login, password=None).render_as_string(hide_password=False))
        return engines[login]

    with owner.connect() as connection:
        staff = connection.execute(text("SELECT login FROM staff")).scalars().all()
    try:
        assert grant_staff_roles(owner) == len(staff) and set(STAFF) <= set(staff)
        yield owner, as_
    finally:
        for engine in [*engines.values(), owner]:
            engine.dispose()
        lock.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        for role in [*staff, ADMIN_GROUP, STAFF_GROUP]:
            lock.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        lock.execute(text("SELECT pg_advisory_unlock(4712)"))
        lock.close()
        admin.dispose()


def whole_call(as_) -> int:
    """A pause call from logging to review, each step by its own person on their own role: an
    exceptional pause (7 working days) countersigned by a supervisor, everyone told, signposted,
    closed, reviewed."""
    concern = validate_concern(
        urn="930037", caller_name="Grace Ellis", caller_role="headteacher", phone="0113 496 0777",
        category="pause_request", summary="Head asks for a pause", urgent=True,
    )  # fmt: skip
    call = commands.log_concern(as_("rdouglas"), concern, "rdouglas", NOW)
    senior = as_("gsingh")
    commands.claim(senior, call, "gsingh", NOW)
    commands.add_advice(senior, call, "gsingh", "Talked it through", NOW)
    commands.log_contact(
        senior, call, "gsingh", NOW, party="responsible_body", contact_name="", phone="0116 496 0001",
        channel="phone", outcome="reached",
    )  # fmt: skip
    from support import link_new_inspection

    class Clock:
        def now(self):
            return NOW

    link_new_inspection(senior, Clock(), call)
    commands.record_pause_decision(
        senior, call, "gsingh",
        PauseDecisionInput(decision="authorised", requested_by="headteacher", grounds="wellbeing",
                           rationale="Head unwell", working_days=7, justification="Surgery"),
        policy(), NOW,
    )  # fmt: skip
    commands.countersign(as_("mokafor"), call, "mokafor", "Checked with the trust", NOW, policy())  # a ruling: UPDATE
    for party in ("lead_inspector", "school", "responsible_body"):
        commands.record_notification(senior, call, "gsingh", NOW, party=party, channel="phone", note="")
    commands.record_signposting(senior, call, "gsingh", NOW, offered=True, reason="")
    commands.close(senior, call, "gsingh", "Pause authorised; support in place.", NOW, policy=policy())
    commands.review(
        as_("lpark"), call, "lpark", "meets_standard", "Clear record", NOW + dt.timedelta(hours=1), policy()
    )
    return call


def test_each_member_of_staff_works_the_helpline_on_their_own_role(per_person):
    _, as_ = per_person
    whole_call(as_)
    with as_("lpark").connect() as connection:
        assert connection.execute(text("SELECT session_user")).scalar() == "lpark"
        actors = connection.execute(text("SELECT DISTINCT actor FROM event WHERE actor <> 'importer'")).scalars().all()
    assert {"rdouglas", "gsingh", "lpark"} <= set(actors)
    assert verify_chain(as_("lpark")).intact


def test_nobody_writes_an_event_in_another_persons_name(per_person):
    _, as_ = per_person
    call = whole_call(as_)
    with pytest.raises(DatabaseError, match="gsingh cannot write one as lpark"):
        commands.set_follow_up(
            as_("gsingh"), call, "lpark", NOW, policy(), what="Ring the trust", owner="lpark", due="16:30"
        )
    assert verify_chain(as_("lpark")).intact


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE advice SET text = 'Told the head to carry on; no support needed'",
        "DELETE FROM advice",
        "UPDATE pause_decision SET decision = 'declined', working_days = 9",
        "DELETE FROM notification",
        "UPDATE review SET outcome = 'meets_standard'",
        "UPDATE contact_attempt SET outcome = 'no_answer'",
        "UPDATE staff SET role = 'admin' WHERE login = 'gsingh'",
        "INSERT INTO staff (login, name, role, region, active) VALUES ('ghost', 'Ghost', 'admin', '', true)",
        "DELETE FROM event",
        "UPDATE policy_version SET text = ''",
        "SELECT helpdesk_staff_role('gsingh', 'admin', true)",
        "ALTER ROLE gsingh SUPERUSER",
        "DROP TRIGGER event_actor_is_the_session ON event",
    ],
)
def test_a_member_of_staff_cannot_change_the_record_with_their_own_credentials(per_person, statement):
    _, as_ = per_person
    whole_call(as_)
    with pytest.raises(DatabaseError, match="permission denied|must be owner|must be superuser|must have"):
        with as_("gsingh").begin() as connection:
            connection.execute(text(statement))
    assert verify_chain(as_("lpark")).intact


def test_a_ruling_stands_once_made_even_for_a_supervisors_own_role(per_person):
    _, as_ = per_person
    whole_call(as_)  # countersigned by mokafor
    for login in ("mokafor", "lpark"):
        with pytest.raises(DatabaseError, match="a ruling on a pause decision stands once made"):
            with as_(login).begin() as connection:
                connection.execute(text("UPDATE pause_decision SET countersign_reason = 'Never checked'"))


def test_what_a_member_of_staff_may_still_change_with_their_own_role_is_named_by_verify(per_person):
    """The rows of the record staff change through the commands (a call's status, holder,
    outcome) and the rows they add can still be written with their own credentials outside the
    commands: `audit verify` names each (its digest, its story)."""
    _, as_ = per_person
    call = whole_call(as_)
    with as_("gsingh").begin() as connection:
        connection.execute(
            text("UPDATE concern SET status = 'claimed', outcome = NULL, summary = 'Rewritten' WHERE id = :c"),
            {"c": call},
        )
        connection.execute(
            text("INSERT INTO advice (concern_id, author, at, text) VALUES (:c, 'gsingh', now(), 'Forged')"),
            {"c": call},
        )
    report = verify_chain(as_("lpark"))
    named = {problem.row: problem.problem for problem in report.record.problems}
    assert named[f"concern:{call}"].startswith("it differs from the digest its latest event carries")
    assert any(row.startswith("advice:") and "no event accounts for it" in said for row, said in named.items())
    assert not report.intact


def test_the_staff_import_keeps_each_role_in_step_and_a_deactivated_member_cannot_connect(per_person, tmp_path):
    owner, as_ = per_person
    with as_("gsingh").connect() as connection:
        assert connection.execute(text("SELECT 1")).scalar() == 1
    staff = tmp_path / "staff.csv"
    staff.write_text("login,name,role,region,active\ngsingh,Gurpreet Singh,senior,East Midlands,no\n"
                     "zuser,Zara User,supervisor,London,yes\n")  # fmt: skip
    as_("gsingh").dispose()
    import_staff(as_("wcole"), staff, "wcole", NOW)  # an admin, on her own role
    with pytest.raises(DatabaseError, match="not permitted to log in"):
        with as_("gsingh").connect() as connection:
            connection.execute(text("SELECT 1"))
    try:
        with as_("zuser").connect() as connection:
            member = connection.execute(
                text("SELECT pg_has_role('zuser', :g, 'MEMBER'), pg_has_role('zuser', :a, 'MEMBER')"),
                {"g": STAFF_GROUP, "a": ADMIN_GROUP},
            ).one()
        assert tuple(member) == (True, False)
    finally:
        as_("zuser").dispose()
        with owner.begin() as connection:
            connection.execute(text("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM zuser"))
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("DROP ROLE IF EXISTS zuser"))
        admin.dispose()


def test_an_admin_purges_on_her_own_role(per_person):
    from helpdesk.store.commands.purging import purge

    _, as_ = per_person
    call = whole_call(as_)
    later = NOW + dt.timedelta(days=365 * 7)
    assert purge(as_("wcole"), dt.date(2026, 11, 19), "wcole", policy(), later) == 1
    with as_("wcole").connect() as connection:
        text_ = connection.execute(text("SELECT text FROM advice WHERE concern_id = :c"), {"c": call}).scalar()
    assert text_ == "[purged]"
    assert verify_chain(as_("lpark")).intact


def test_an_import_naming_a_role_that_is_no_member_of_staffs_is_refused_whole(per_person, tmp_path):
    """A staff file with the server's superuser's name (or an upper-case login): one line, and
    nothing of the file imported."""
    from helpdesk.domain.refusals import Refused

    _, as_ = per_person
    for login in ("postgres", "GSingh2"):
        staff = tmp_path / "staff.csv"
        staff.write_text(
            f"login,name,role,region,active\nnewbie,New Bie,senior,London,yes\n{login},X Y,admin,London,yes\n"
        )
        with pytest.raises(Refused) as refused:
            import_staff(as_("wcole"), staff, "wcole", NOW)
        assert f"{login}'s database role" in str(refused.value) or "cannot be a database role" in str(refused.value)
        assert "\n" not in str(refused.value)
        with as_("wcole").connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM staff WHERE login = 'newbie'")).scalar() == 0


def test_the_role_function_leaves_the_owner_and_superusers_alone(per_person):
    owner, _ = per_person
    with pytest.raises(DatabaseError, match="is left alone"):
        with owner.begin() as connection:
            connection.execute(text("SELECT helpdesk_staff_role('postgres', 'admin', true)"))
