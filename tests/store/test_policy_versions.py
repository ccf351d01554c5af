"""The policy in force lives in the database: an admin loads a file as a new version (checked
against every bound, with its event); from that commit every process applies the newest version
whatever policy file it was given; decisions, escalations and purges name the version they
applied; a version changed or removed outside the command is named by `audit verify`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest
from sqlalchemy import select, text

from helpdesk.domain.policy import PolicyInvalid
from helpdesk.domain.refusals import Refused
from helpdesk.shipped import shipped_file
from helpdesk.store import commands
from helpdesk.store.commands.policy import load_policy
from helpdesk.store.db.audit import verify_chain
from helpdesk.store.db.models import Escalation, Event, PauseDecision
from helpdesk.store.queries.policy import policy_in_force
from support import held_call, linked, policy

SHIPPED = shipped_file("policy.toml").read_text(encoding="utf-8")


def tightened(text_: str = SHIPPED, **lines: str) -> str:
    """The shipped policy with whole lines replaced: `schools="schools = 3"`."""
    out = []
    for line in text_.splitlines():
        key = line.split("=")[0].strip()
        out.append(lines.get(key, line))
    return "\n".join(out) + "\n"


def test_an_admin_loads_a_version_and_it_is_in_force_over_the_file_given(engine, clock):
    given = policy()
    assert policy_in_force(engine, given).version is None  # none on record: the file's applies
    version = load_policy(engine, "wcole", tightened(urgent_minutes="urgent_minutes = 3"), clock.now())
    held = policy_in_force(engine, given)
    assert (held.version, held.loaded_by, held.policy.claim_target_urgent_min) == (version, "wcole", 3)
    assert given.claim_target_urgent_min == 5  # the file says 5: it does not apply any more
    with engine.connect() as connection:
        event = connection.execute(
            select(Event.kind, Event.actor, Event.details).order_by(Event.id.desc()).limit(1)
        ).one()
    assert (event.kind, event.actor, json.loads(event.details)["policy_version"]) == ("policy_loaded", "wcole", version)
    assert verify_chain(engine).intact


def test_a_policy_out_of_bounds_is_refused_naming_each_value_and_nothing_is_stored(engine, clock):
    loose = tightened(minimum_years="minimum_years = -100", schools="schools = 10000")
    with pytest.raises(PolicyInvalid) as refused:
        load_policy(engine, "wcole", loose, clock.now())
    assert "retention.minimum_years must be 6 to 100 years, not -100" in str(refused.value)
    assert "pause.max_working_days.schools must be 1 to 5 working days, not 10000" in str(refused.value)
    with pytest.raises(PolicyInvalid, match="not valid TOML"):
        load_policy(engine, "wcole", "[pause\n", clock.now())
    assert policy_in_force(engine, policy()).version is None


def test_only_an_admin_loads_a_policy_and_the_same_text_twice_is_refused(engine, clock):
    with pytest.raises(Refused, match="Only an admin can load a new version of the policy"):
        load_policy(engine, "lpark", SHIPPED, clock.now())
    assert load_policy(engine, "wcole", SHIPPED, clock.now()) == 1
    with pytest.raises(Refused, match="that policy is version 1, already in force"):
        load_policy(engine, "wcole", SHIPPED, clock.now())
    assert load_policy(engine, "yahmed", tightened(schools="schools = 4"), clock.now()) == 2


def test_a_decision_applies_the_version_in_force_and_names_it(engine, clock):
    """The schools' limit tightened to 3 in the database: a 4-day pause is exceptional (it
    waits for a countersignature) though the file the senior's process was given allows 5."""
    load_policy(engine, "wcole", tightened(schools="schools = 3"), clock.now())
    concern_id = held_call(engine, clock)
    linked(engine, clock, concern_id)
    commands.log_contact(
        engine, concern_id, "gsingh", clock.now(), party="responsible_body", contact_name="", phone="0116 496 0001",
        channel="phone", outcome="reached",
    )  # fmt: skip
    from support import decision

    decision_id = commands.record_pause_decision(
        engine, concern_id, "gsingh", decision(working_days=4, justification="Longer."), policy(), clock.now()
    )
    with engine.connect() as connection:
        row = connection.execute(
            select(PauseDecision.exceptional, PauseDecision.policy_version).where(PauseDecision.id == decision_id)
        ).one()
        details = connection.scalar(select(Event.details).where(Event.kind == "decision"))
    assert (row.exceptional, row.policy_version) == (True, 1)
    assert json.loads(details)["policy_version"] == 1
    assert verify_chain(engine).intact


def test_an_escalation_is_raised_by_the_target_in_force_and_names_its_version(engine, clock):
    """Urgent calls: 5 minutes in the file, 2 in the database. Three minutes after logging, the
    call is past the target in force."""
    from support import log

    load_policy(engine, "wcole", tightened(urgent_minutes="urgent_minutes = 2"), clock.now())
    concern_id = log(engine, clock)  # urgent
    later = clock.now() + dt.timedelta(minutes=3)
    raised = commands.escalate(engine, "lpark", later, policy(), concern_ids=[concern_id])
    assert len(raised) == 1
    with engine.connect() as connection:
        assert connection.scalar(select(Escalation.policy_version).where(Escalation.id == raised[0])) == 1
    assert verify_chain(engine).intact


def test_the_purge_keeps_the_retention_in_force_and_names_its_version(engine, clock):
    from helpdesk.store.commands.purging import purge

    load_policy(engine, "wcole", tightened(minimum_years="minimum_years = 10"), clock.now())
    seven_years_ago = clock.now().date().replace(year=clock.now().year - 7)
    with pytest.raises(Refused, match="inside the minimum retention of 10 years"):
        purge(engine, seven_years_ago, "wcole", policy(), clock.now())  # the file's 6 years would allow it
    eleven_years_ago = clock.now().date().replace(year=clock.now().year - 11)
    assert purge(engine, eleven_years_ago, "wcole", policy(), clock.now()) == 0
    with engine.connect() as connection:
        details = connection.scalar(select(Event.details).where(Event.kind == "purged"))
    assert json.loads(details)["policy_version"] == 1


def test_a_version_rewritten_or_removed_in_the_database_is_named_by_verify(engine, clock):
    load_policy(engine, "wcole", SHIPPED, clock.now())
    load_policy(engine, "wcole", tightened(schools="schools = 4"), clock.now())
    with engine.begin() as connection:
        connection.execute(text("UPDATE policy_version SET text = :t WHERE version = 2"), {"t": SHIPPED + "\n"})
    report = verify_chain(engine)
    assert not report.intact
    assert {p.row: p.problem for p in report.record.problems} == {
        "policy_version:2": "it differs from the digest its latest event carries: changed outside the commands"
    }
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM policy_version WHERE version = 2"))
    assert {p.row: p.problem for p in verify_chain(engine).record.problems} == {
        "policy_version:2": "it is gone, but no event removed it: deleted outside the commands"
    }


def test_a_stored_version_put_out_of_bounds_outside_the_command_decides_nothing(engine, clock):
    load_policy(engine, "wcole", SHIPPED, clock.now())
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE policy_version SET text = :t WHERE version = 1"),
            {"t": tightened(minimum_years="minimum_years = -100")},
        )
    with pytest.raises(PolicyInvalid, match=r"version 1\) was changed outside `helpdesk policy load`"):
        policy_in_force(engine, policy())
    from helpdesk.store.commands.purging import purge

    with pytest.raises(PolicyInvalid):
        purge(engine, clock.now().date(), "wcole", policy(), clock.now())


def test_a_file_policy_still_applies_where_the_database_holds_none(engine, clock):
    """The demo and the tests: the policy given is the one applied, and nothing names a version."""
    given = dataclasses.replace(policy(), claim_target_urgent_min=1)
    from support import log

    concern_id = log(engine, clock)
    raised = commands.escalate(engine, "lpark", clock.now() + dt.timedelta(minutes=2), given, concern_ids=[concern_id])
    with engine.connect() as connection:
        assert connection.scalar(select(Escalation.policy_version).where(Escalation.id == raised[0])) is None
