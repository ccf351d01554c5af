"""A redacted export holds no login, name, number or free text anywhere, structured details
included: every such value in the database is looked for in every export, in every format."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from sqlalchemy import text

from helpdesk.domain.phones import national
from helpdesk.store import commands
from helpdesk.store.admin import export
from helpdesk.store.db.audit import CODE_DETAILS, LOGIN_DETAILS, SEAL_DETAILS
from support import handled

# every column that holds a login, a person's name, a number or free text
PERSONAL_SQL = [
    "SELECT login, name FROM staff",
    "SELECT caller_name, caller_phone, summary, outcome, logged_by, claimed_by, signposting_not_offered FROM concern",
    "SELECT text, author FROM advice",
    'SELECT "by", contact_name, phone, note FROM contact_attempt',
    "SELECT rationale, justification, decided_by, countersigned_by, countersign_reason FROM pause_decision",
    'SELECT "by", note FROM notification',
    'SELECT "by", from_login, to_login, reason FROM handover',
    "SELECT senior, reviewer, feedback FROM review",
    "SELECT actor FROM event",
    "SELECT contact_name, phone, email FROM responsible_body",
    "SELECT lead_inspector, recorded_by FROM inspection",
    "SELECT login FROM inspection_member",
    "SELECT login, reason FROM conflict",
    "SELECT what, owner, phone, set_by, done_by, note FROM follow_up",
]


def personal_values(engine) -> set[str]:
    found: set[str] = set()
    with engine.connect() as connection:
        for statement in PERSONAL_SQL:
            for row in connection.execute(text(statement)):
                for value in row:
                    if isinstance(value, str) and len(value.strip()) >= 4:
                        found.add(value.strip())
                        if value.startswith("+44"):  # numbers as people write and read them too
                            found |= {"0" + value[3:], national(value)}
    return found


@pytest.fixture
def a_month(engine, clock, policy):
    """Calls of every kind, a release, a reassignment (whose event names the new holder), a
    review: a month's record with logins inside structured details."""
    handled(engine, clock, pause="declined", caller=0)
    handled(engine, clock, pause="authorised", senior="bmorgan", caller=1, advice="Trust sending interim head")
    handled(engine, clock, category="wellbeing", pause=None, caller=2, days_ago=8)
    from support import seed_queue

    [moving] = seed_queue(engine, clock, ages_min=(5,))
    commands.claim(engine, moving, "akhan", clock.now())
    commands.release(engine, moving, "akhan", "Handing back to the queue", clock.now())
    commands.claim(engine, moving, "akhan", clock.now())
    commands.reassign(engine, moving, "lpark", "kmensah", "Akhan is off sick this afternoon", clock.now())
    from helpdesk.store.commands.follow_ups import complete_follow_up, set_follow_up

    callback = set_follow_up(
        engine, moving, "kmensah", clock.now(), policy, what="Ring Mrs Jolliffe after lunch", owner="cobi",
        due="15:00", kind="callback", phone="0118 496 0321",
    )  # fmt: skip
    complete_follow_up(engine, callback, "cobi", clock.now(), outcome="reached", note="Spoke to Mrs Jolliffe")
    return clock.now().date()


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize("what", ["calls", "audit"])
def test_no_personal_value_survives_redaction(engine, a_month, fmt, what):
    run = export.export_calls if what == "calls" else export.export_audit
    full, redacted = io.StringIO(), io.StringIO()
    run(engine, "lpark", a_month - dt.timedelta(days=30), a_month, fmt, False, full)
    run(engine, "lpark", a_month - dt.timedelta(days=30), a_month, fmt, True, redacted)
    values = personal_values(engine)
    assert "kmensah" in values and "Grace Ellis" in values and "0113 496 0777" in values
    leaked = sorted(value for value in values if value in redacted.getvalue())
    assert leaked == []
    assert "kmensah" in full.getvalue()  # the full export does name the new holder


def test_every_detail_the_commands_write_is_classified(engine, a_month):
    """A new key in an event's details must be declared a code or a login before it reaches an
    export: unknown keys are dropped from redacted exports, and this names them."""
    with engine.connect() as connection:
        keys = {
            key for (details,) in connection.execute(text("SELECT details FROM event")) for key in json.loads(details)
        }
    assert keys - CODE_DETAILS - LOGIN_DETAILS - SEAL_DETAILS == set()
    assert "rows" in keys  # the digests of the record's rows, kept out of redacted exports
    assert {"to", "login", "owner"} <= keys  # the cases that leaked before, and a follow-up's owner
