"""Immediate risk is a state of the call (#33): marked by whoever logs or holds it, the call at the
top of every queue, a protocol recorded step by step, closing refused until it is complete, the
marker lifted only by a supervisor with reasons; every step on the trail and bound to it."""

import datetime as dt

import pytest
from sqlalchemy import select, text, update

from helpdesk.domain.refusals import FieldsInvalid, Refused
from helpdesk.store import commands
from helpdesk.store.db.audit import verify_chain as verify
from helpdesk.store.db.models import Concern, Event, Risk, RiskStep
from helpdesk.store.queries.call import call_detail
from helpdesk.store.queries.queue import open_queue
from helpdesk.store.rows import queue_counts
from support import complete_the_record, grace_ellis, log


@pytest.fixture
def held(engine, clock):
    """A well-being call held by Gurpreet Singh, advised: closing needs only signposting and an outcome."""
    concern_id = log(engine, clock, category="wellbeing")
    commands.claim(engine, concern_id, "gsingh", clock.now())
    commands.add_advice(engine, concern_id, "gsingh", "Advised the head.", clock.now())
    return concern_id


def complete_protocol(engine, clock, concern_id, by="gsingh", supervisor="lpark"):
    commands.record_risk_contact(
        engine, concern_id, by, clock.now(), contact="emergency_services", who="Police, PC Shah", reference="CAD 4471"
    )
    commands.record_risk_safety(engine, concern_id, by, clock.now(), safety="confirmed", note="Partner is with her")
    commands.acknowledge_risk(engine, concern_id, supervisor, clock.now())


def test_a_call_marked_at_risk_goes_before_every_urgent_call(engine, clock):
    first_urgent = commands.log_concern(engine, grace_ellis(urgent=True), "rdouglas", clock.now())
    clock.advance(minutes=1)
    later = log(engine, clock, category="other")
    commands.mark_risk(engine, later, "rdouglas", clock.now(), "Head said she cannot go on")
    rows = open_queue(engine)
    assert [r.id for r in rows][:2] == [later, first_urgent]
    assert rows[0].at_risk and rows[0].risk_unacknowledged and not rows[1].at_risk
    counts = queue_counts(rows)
    assert (counts.at_risk, counts.risk_unacknowledged) == (1, 1)
    commands.acknowledge_risk(engine, later, "lpark", clock.now())
    rows = open_queue(engine)
    assert rows[0].at_risk and not rows[0].risk_unacknowledged


def test_logged_at_risk_by_the_phone_system_or_a_handler(engine, clock):
    concern_id = commands.log_concern(engine, grace_ellis(at_risk=True), "rdouglas", clock.now())
    detail = call_detail(engine, concern_id, "lpark", now=clock.now())
    assert detail.risk is not None and detail.risk.marked_by == "rdouglas" and detail.urgent
    assert "IMMEDIATE RISK" in detail.timeline[0].text
    assert open_queue(engine)[0].at_risk


def test_a_marked_call_cannot_close_until_the_protocol_is_recorded(engine, clock, policy, held):
    commands.mark_risk(engine, held, "gsingh", clock.now(), "The head spoke of ending her life")
    complete_the_record(engine, held, "gsingh", clock.now(), policy)  # everything else a close needs
    with pytest.raises(FieldsInvalid) as refused:
        commands.close(engine, held, "gsingh", "Resolved.", clock.now(), policy=policy)
    reason = refused.value.errors["risk"]
    assert "emergency services or safeguarding" in reason and "safety" in reason and "acknowledgement" in reason
    commands.record_risk_contact(
        engine, held, "gsingh", clock.now(), contact="not_contacted", why_not="She is with her GP now"
    )
    commands.record_risk_safety(engine, held, "gsingh", clock.now(), safety="not_confirmed", note="GP is with her")
    with pytest.raises(FieldsInvalid) as refused:
        commands.close(engine, held, "gsingh", "Resolved.", clock.now(), policy=policy)
    assert refused.value.errors["risk"].endswith("still to record: a supervisor's acknowledgement")
    commands.acknowledge_risk(engine, held, "mokafor", clock.now())
    commands.close(engine, held, "gsingh", "Resolved.", clock.now(), policy=policy)
    assert verify(engine).intact


def test_only_a_supervisor_acknowledges_or_lifts_and_lifting_needs_reasons(engine, clock, policy, held):
    commands.mark_risk(engine, held, "gsingh", clock.now(), "Risk to the head")
    with pytest.raises(Refused, match="Only a supervisor can acknowledge"):
        commands.acknowledge_risk(engine, held, "gsingh", clock.now())
    with pytest.raises(Refused, match="Only a supervisor can lift"):
        commands.lift_risk(engine, held, "gsingh", clock.now(), "Not at risk")
    with pytest.raises(FieldsInvalid, match="Why the marker is lifted is required"):
        commands.lift_risk(engine, held, "lpark", clock.now(), "   ")
    commands.acknowledge_risk(engine, held, "lpark", clock.now())
    with pytest.raises(Refused, match="Already acknowledged by Lucy Park"):
        commands.acknowledge_risk(engine, held, "mokafor", clock.now())
    commands.lift_risk(engine, held, "lpark", clock.now(), "Misheard: the caller spoke of a colleague, now safe")
    assert not open_queue(engine)[0].at_risk
    assert open_queue(engine)[0].urgent  # (a call once at risk stays urgent)
    complete_the_record(engine, held, "gsingh", clock.now(), policy)
    commands.close(engine, held, "gsingh", "Resolved.", clock.now(), policy=policy)  # lifted: no protocol owed
    timeline = [e.text for e in call_detail(engine, held, "lpark", now=clock.now()).timeline]
    assert any("Lifted the immediate-risk marker. Reasons: Misheard" in line for line in timeline)


def test_a_call_is_marked_once_at_a_time_and_a_closed_call_not_at_all(engine, clock, policy, held):
    commands.mark_risk(engine, held, "gsingh", clock.now(), "Risk")
    with pytest.raises(Refused, match="already marked at immediate risk \\(marked at 09:00 by Gurpreet Singh\\)"):
        commands.mark_risk(engine, held, "rdouglas", clock.now(), "Risk again")
    commands.lift_risk(engine, held, "lpark", clock.now(), "Passed")
    commands.mark_risk(engine, held, "rdouglas", clock.now(), "Risk again")  # a new marker, after the lift
    commands.lift_risk(engine, held, "lpark", clock.now(), "Passed")
    complete_the_record(engine, held, "gsingh", clock.now(), policy)
    commands.close(engine, held, "gsingh", "Resolved.", clock.now(), policy=policy)
    with pytest.raises(Refused, match="Cannot mark a closed call"):
        commands.mark_risk(engine, held, "gsingh", clock.now(), "Risk")
    with engine.connect() as connection:
        assert connection.execute(select(Risk.id)).all().__len__() == 2


def test_the_database_keeps_one_standing_marker_a_call(engine, clock, held):
    """Two consoles marking at once: the unique partial index refuses the second standing marker."""
    commands.mark_risk(engine, held, "gsingh", clock.now(), "Risk")
    with pytest.raises(Exception), engine.begin() as connection:  # noqa: B017, PT011 - the driver's own error
        connection.execute(
            Risk.__table__.insert().values(  # type: ignore[attr-defined]
                concern_id=held, marked_by="rdouglas", marked_at=clock.now(), what="again", lift_reason=""
            )
        )


def test_who_records_the_protocol(engine, clock):
    concern_id = log(engine, clock, category="wellbeing")
    commands.mark_risk(engine, concern_id, "rdouglas", clock.now(), "Risk")
    # waiting: the handler who marked it (on the line) records the steps; another senior must claim first
    commands.record_risk_contact(
        engine, concern_id, "rdouglas", clock.now(), contact="safeguarding", who="LADO duty officer", when="08:55"
    )
    with pytest.raises(Refused, match="Claim the call before you record the person's safety"):
        commands.record_risk_safety(engine, concern_id, "akhan", clock.now(), safety="confirmed")
    commands.claim(engine, concern_id, "gsingh", clock.now())
    with pytest.raises(Refused, match="Only Gurpreet Singh \\(who holds the call\\) or a supervisor"):
        commands.record_risk_safety(engine, concern_id, "rdouglas", clock.now(), safety="confirmed")
    commands.record_risk_safety(engine, concern_id, "lpark", clock.now(), safety="confirmed")
    detail = call_detail(engine, concern_id, "gsingh", now=clock.now())
    contact = detail.risk.latest("contact")
    assert contact.happened_at == dt.datetime(2026, 11, 18, 8, 55, tzinfo=dt.UTC)  # London is on GMT in November
    assert (contact.who, contact.by_name) == ("LADO duty officer", "Rosa Douglas")


def test_a_step_is_checked_and_every_wrong_field_named(engine, clock, held):
    commands.mark_risk(engine, held, "gsingh", clock.now(), "Risk")
    with pytest.raises(FieldsInvalid) as refused:
        commands.record_risk_contact(engine, held, "gsingh", clock.now(), contact="emergency_services", when="25:99")
    assert set(refused.value.errors) == {"who", "when"}
    with pytest.raises(FieldsInvalid, match="later than now"):
        commands.record_risk_contact(
            engine, held, "gsingh", clock.now(), contact="emergency_services", who="Police", when="09:30"
        )
    with pytest.raises(FieldsInvalid, match="Why not is required"):
        commands.record_risk_contact(engine, held, "gsingh", clock.now(), contact="not_contacted")
    with pytest.raises(FieldsInvalid, match="What is known"):
        commands.record_risk_safety(engine, held, "gsingh", clock.now(), safety="not_confirmed")
    with pytest.raises(Refused, match="not marked at immediate risk"):
        other = log(engine, clock)
        commands.record_risk_safety(engine, other, "lpark", clock.now(), safety="confirmed")
    with engine.connect() as connection:
        assert connection.execute(select(RiskStep.id)).all() == []


def test_every_step_is_on_the_trail_without_personal_data(engine, clock, held):
    commands.mark_risk(engine, held, "gsingh", clock.now(), "The head, Grace Ellis, spoke of ending her life")
    complete_protocol(engine, clock, held)
    with engine.connect() as connection:
        events = connection.execute(
            select(Event.kind, Event.details).where(Event.concern_id == held).order_by(Event.id)
        ).all()
    kinds = [kind for kind, _ in events]
    assert kinds[-4:] == ["risk_marked", "risk_contact", "risk_safety", "risk_acknowledged"]
    trail = " ".join(details for _, details in events)
    for personal in ("Grace", "ending", "Shah", "CAD 4471", "Partner"):
        assert personal not in trail
    assert verify(engine).intact


@pytest.mark.parametrize(
    ("table", "column", "value"),
    [
        ("risk", "what", "Nothing of note"),
        ("risk", "acknowledged_by", "mokafor"),
        ("risk_step", "safety", "confirmed"),
        ("risk_step", "reference", "none"),
    ],
)
def test_a_risk_record_rewritten_in_the_database_is_named_by_verify(engine, clock, held, table, column, value):
    commands.mark_risk(engine, held, "gsingh", clock.now(), "Risk to the head")
    commands.record_risk_contact(
        engine, held, "gsingh", clock.now(), contact="emergency_services", who="Police", reference="CAD 1"
    )
    commands.record_risk_safety(engine, held, "gsingh", clock.now(), safety="not_confirmed", note="No answer")
    commands.acknowledge_risk(engine, held, "lpark", clock.now())
    assert verify(engine).intact
    with engine.begin() as connection:
        connection.execute(text(f"UPDATE {table} SET {column} = :value"), {"value": value})
    report = verify(engine)
    assert not report.intact
    assert any(problem.row.startswith(table) for problem in report.record.problems), report.record.problems


def test_a_marker_deleted_in_the_database_is_named_and_lets_nobody_close_unseen(engine, clock, policy, held):
    commands.mark_risk(engine, held, "gsingh", clock.now(), "Risk")
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM alert"))  # (its e-mail alert points at it)
        connection.execute(text("DELETE FROM risk"))
        connection.execute(update(Concern).values(priority=0))
    assert not verify(engine).intact


def test_the_figures_count_risk_calls_and_the_time_to_a_supervisors_acknowledgement(engine, clock, policy, held):
    from helpdesk.store.queries.statistics import figures

    other = log(engine, clock, category="wellbeing")
    commands.mark_risk(engine, held, "gsingh", clock.now(), "Risk")
    commands.mark_risk(engine, other, "rdouglas", clock.now(), "Risk")
    clock.advance(minutes=3)
    commands.acknowledge_risk(engine, held, "lpark", clock.now())
    today = clock.now().date()
    found = figures(engine, "lpark", today, today, policy, clock.now())
    assert (found.risk_calls, found.risk_unacknowledged) == (2, 1)
    assert found.risk_acknowledged_median_min == found.risk_acknowledged_longest_min == 3.0
    yesterday = today - dt.timedelta(days=1)
    assert figures(engine, "lpark", yesterday, yesterday, policy, clock.now()).risk_calls == 0


def test_the_register_of_risk_calls_exports_with_the_same_redaction(engine, clock, held):
    import csv
    import io
    import json

    from helpdesk.store.admin.risk_export import PERSONAL_REGISTER_FIELDS, export_risks

    commands.mark_risk(engine, held, "gsingh", clock.now(), "Grace Ellis spoke of ending her life")
    complete_protocol(engine, clock, held)
    today = clock.now().date()
    out = io.StringIO()
    assert export_risks(engine, "lpark", today, today, "csv", False, out, today=today) == 1
    [row] = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert (row["call"], row["contact"], row["contact_who"], row["safety"]) == (
        str(held),
        "emergency_services",
        "Police, PC Shah",
        "confirmed",
    )
    assert (row["acknowledged_by"], row["minutes_to_acknowledgement"]) == ("Lucy Park", "0.0")
    redacted = io.StringIO()
    export_risks(engine, "lpark", today, today, "json", True, redacted, today=today)
    [entry] = json.loads(redacted.getvalue())
    assert not set(entry) & PERSONAL_REGISTER_FIELDS and entry["contact"] == "emergency_services"
    for personal in ("Grace", "ending", "Shah", "CAD 4471", "Partner", "Lucy", "Gurpreet"):
        assert personal not in redacted.getvalue()
    with pytest.raises(Refused, match="Only a supervisor or an admin can export"):
        export_risks(engine, "gsingh", today, today, "csv", True, io.StringIO(), today=today)


def test_a_supervisor_tied_to_the_school_cannot_acknowledge_or_lift_and_another_can(engine, clock, held):
    """Across calls and people: the information barrier holds for the protocol as for opening."""
    from sqlmodel import Session

    from helpdesk.store.db.models import Conflict

    commands.mark_risk(engine, held, "gsingh", clock.now(), "Risk")
    with Session(engine) as session:
        session.add(Conflict(login="mokafor", urn="930037", reason="Governor"))
        session.commit()
    with pytest.raises(Refused):
        commands.acknowledge_risk(engine, held, "mokafor", clock.now())
    with pytest.raises(Refused):
        commands.lift_risk(engine, held, "mokafor", clock.now(), "Not at risk")
    with pytest.raises(Refused):
        commands.record_risk_safety(engine, held, "mokafor", clock.now(), safety="confirmed")
    commands.acknowledge_risk(engine, held, "lpark", clock.now())
    with engine.connect() as connection:
        assert connection.execute(select(Risk.acknowledged_by)).scalar() == "lpark"
