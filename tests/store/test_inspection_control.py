"""The inspection is the unit of control: independence holds through every inspection a call is
about, however it got there (recorded on a call, imported, or in progress at the school)."""

from __future__ import annotations

import datetime as dt

import pytest

from helpdesk.clock import FrozenClock
from helpdesk.domain.inspection import validate_inspection
from helpdesk.domain.refusals import FieldsInvalid, Refused
from helpdesk.store import commands
from helpdesk.store.admin import importers
from helpdesk.store.commands.taking import ClaimRefused
from helpdesk.store.db.audit import verify_chain
from support import held_with_contact, pause_request


def recorded(reference, lead, start="2026-11-18", end="2026-11-19"):
    return validate_inspection(reference=reference, remit="schools", start=start, end=end, lead_inspector=lead)


def inspections(engine) -> set[str]:
    from sqlalchemy import text

    with engine.connect() as connection:
        return set(connection.scalars(text("SELECT reference FROM inspection")))


@pytest.mark.parametrize("lead", ["Aisha Khan", "akhan", "AISHA KHAN"])
def test_a_senior_cannot_record_an_inspection_that_names_herself_as_lead(engine, clock, lead):
    """The walk-around: a call about a school with no inspection on record; its holder records
    one naming herself as lead. Refused, and nothing is recorded."""
    call = pause_request(engine, clock)
    commands.claim(engine, call, "akhan", clock.now())
    before = inspections(engine)
    with pytest.raises(Refused, match="Not linked: you are the lead inspector for this inspection"):
        commands.link_inspection(engine, call, "akhan", clock.now(), entry=recorded("INS-WALK", lead))
    assert inspections(engine) == before


def test_the_next_call_about_a_recorded_inspection_cannot_be_claimed_by_its_lead(engine, clock):
    """Recorded by an independent senior, naming Aisha Khan as lead: the next call about the
    school links to it by itself, and she cannot claim that call."""
    first = pause_request(engine, clock)
    commands.claim(engine, first, "gsingh", clock.now())
    commands.link_inspection(engine, first, "gsingh", clock.now(), entry=recorded("INS-NAMED", "Aisha Khan"))
    second = pause_request(engine, clock)
    with pytest.raises(ClaimRefused, match="You are the lead inspector for this inspection"):
        commands.claim(engine, second, "akhan", clock.now())
    commands.claim(engine, second, "bmorgan", clock.now())
    with pytest.raises(FieldsInvalid) as refused:
        commands.reassign(engine, second, "lpark", "akhan", "Shift change", clock.now())
    assert refused.value.errors["new_holder"] == "Aisha Khan is the lead inspector for this inspection"
    assert verify_chain(engine).intact


def test_a_supervisor_tied_to_an_inspection_cannot_record_it_on_someone_elses_call(engine, clock):
    call = pause_request(engine, clock)
    commands.claim(engine, call, "gsingh", clock.now())
    with pytest.raises(Refused, match="Not linked: you are the lead inspector.*someone independent of it must record"):
        commands.link_inspection(engine, call, "lpark", clock.now(), entry=recorded("INS-SUP", "Lucy Park"))


def test_a_lead_named_outside_the_helpline_is_recorded_as_given(engine, clock):
    call = pause_request(engine, clock)
    commands.claim(engine, call, "akhan", clock.now())
    commands.link_inspection(engine, call, "akhan", clock.now(), entry=recorded("INS-EXT", "Pat Lead"))
    assert "INS-EXT" in inspections(engine)


def test_ties_hold_through_an_inspection_of_the_school_in_progress(engine, clock, tmp_path):
    """A call tied to an old inspection of a school while another is in progress there: the team
    of the one in progress cannot take it (J. Brooks is on INS-932408-2611, 19-20 November)."""
    old = tmp_path / "old.csv"
    old.write_text(
        "reference,urn,remit,start_date,end_date,lead_inspector,team\n"
        "INS-932408-OLD,932408,schools,2026-10-01,2026-10-02,hmi.ebaker,\n"
    )
    importers.import_inspections(engine, old, "wcole", clock.now())
    during = FrozenClock("2026-11-19T10:00:00Z")
    call = pause_request(engine, during, urn="932408", reference="INS-932408-OLD")
    with pytest.raises(ClaimRefused, match="You are on the inspection team for this inspection"):
        commands.claim(engine, call, "jbrooks", during.now())
    with pytest.raises(ClaimRefused, match="You are the lead inspector"):
        commands.claim(engine, call, "hwalsh", during.now())
    after = FrozenClock("2026-11-23T10:00:00Z")  # the inspection is over: no longer in progress
    commands.claim(engine, call, "jbrooks", after.now() + dt.timedelta(minutes=1))


# --- a pause only while the inspection is on -----------------------------------------------------


def authorise(engine, clock, call, days=1):
    from support import decision, policy

    return commands.record_pause_decision(engine, call, "gsingh", decision(working_days=days), policy(), clock.now())


def test_a_pause_cannot_be_authorised_on_an_inspection_that_has_ended(engine, tmp_path):
    """The inspection ran on 2 and 3 November; the pause is asked for on 7 December."""
    ended = tmp_path / "ended.csv"
    ended.write_text(
        "reference,urn,remit,start_date,end_date,lead_inspector,team\n"
        "INS-930037-NOV,930037,schools,2026-11-02,2026-11-03,hmi.ebaker,\n"
    )
    clock = FrozenClock("2026-12-07T10:00:00Z")
    importers.import_inspections(engine, ended, "wcole", clock.now())
    call = held_with_contact(engine, clock, "930037", "INS-930037-NOV")
    with pytest.raises(FieldsInvalid) as refused:
        authorise(engine, clock, call)
    assert refused.value.errors == {
        "inspection": "The inspection ran from Mon 02 Nov 2026 to Tue 03 Nov 2026 and has ended: "
        "a pause can only be authorised while it is on"
    }
    from support import decision, policy  # declining stays possible: the decision is recorded either way

    commands.record_pause_decision(engine, call, "gsingh", decision(decision="declined"), policy(), clock.now())


def test_a_pause_cannot_be_authorised_before_the_inspection_starts(engine):
    """INS-932408-2611 runs on 19 and 20 November; on the 18th it has not started."""
    clock = FrozenClock("2026-11-18T10:00:00Z")
    call = held_with_contact(engine, clock, "932408", "INS-932408-2611")
    with pytest.raises(FieldsInvalid, match="has not started"):
        authorise(engine, clock, call)
    during = FrozenClock("2026-11-19T10:00:00Z")
    authorise(engine, during, call)  # and on the first day it may be


@pytest.mark.parametrize(
    ("start", "end", "fields", "says"),
    [
        ("2024-11-18", "2024-11-19", {"start", "end"}, "more than a year from today"),
        ("2026-11-18", "2028-11-19", {"end"}, "more than a year from today"),
        ("2026-11-01", "2026-12-31", {"end"}, "An inspection of 61 days"),
    ],
)
def test_a_recorded_inspection_needs_dates_that_make_sense(engine, clock, start, end, fields, says):
    call = pause_request(engine, clock)
    commands.claim(engine, call, "gsingh", clock.now())
    with pytest.raises(FieldsInvalid) as refused:
        commands.link_inspection(engine, call, "gsingh", clock.now(), entry=recorded("INS-ODD", "Pat Lead", start, end))
    assert set(refused.value.errors) == fields and all(says in refused.value.errors[f] for f in fields)
    assert "INS-ODD" not in inspections(engine)


# --- paused days counted per inspection ----------------------------------------------------------


def two_calls_about_one_inspection(engine):
    """Two calls about Lakeside (932408), whose inspection is on 19 and 20 November, each held
    by a different senior with the responsible body contacted."""
    during = FrozenClock("2026-11-19T10:00:00Z")
    first = held_with_contact(engine, during, "932408")
    second = held_with_contact(engine, during, "932408", senior="akhan")
    return during, first, second


def test_the_remits_limit_counts_every_call_about_the_inspection(engine):
    """The double pause: 5 working days on one call, 5 more on another call about the same
    inspection. The second takes the inspection past 5 and is exceptional, whoever asks."""
    from support import decision, policy

    during, first, second = two_calls_about_one_inspection(engine)
    commands.record_pause_decision(engine, first, "gsingh", decision(working_days=5), policy(), during.now())
    later = during.now() + dt.timedelta(days=1)  # Friday 20th, still during the inspection
    with pytest.raises(FieldsInvalid) as refused:
        commands.record_pause_decision(engine, second, "akhan", decision(working_days=5), policy(), later)
    assert refused.value.errors == {
        "justification": "5 working days are already paused on this inspection: with this pause it is paused for "
        "6 of at most 5, which is exceptional: write the justification"
    }
    exceptional = decision(working_days=5, justification="The trust needs another week.")
    commands.record_pause_decision(engine, second, "akhan", exceptional, policy(), later)
    from helpdesk.store.queries.call import call_detail

    shown = call_detail(engine, second, "lpark")
    assert shown.awaiting_decision.exceptional and shown.latest_decision is None  # not in force until countersigned


def test_days_two_pauses_share_are_counted_once(engine):
    """Both calls pause the same days: the inspection is paused for those days once, within the
    limit, and the register says so."""
    from helpdesk.store.queries.pause_register import pause_entries
    from support import decision, policy

    during, first, second = two_calls_about_one_inspection(engine)
    commands.record_pause_decision(engine, first, "gsingh", decision(working_days=3), policy(), during.now())
    commands.record_pause_decision(engine, second, "akhan", decision(working_days=3), policy(), during.now())
    entries = list(pause_entries(engine, dt.date(2026, 11, 19), dt.date(2026, 11, 19), dt.date(2026, 11, 19), policy()))
    assert [(entry.call, entry.inspection_paused_days, entry.past_limit) for entry in entries] == [
        (first, 3, False),
        (second, 3, False),
    ]


def test_a_new_decision_on_the_same_call_replaces_its_own_pause_in_the_count(engine):
    """Extending a call's own pause is counted against what the other calls hold, not itself."""
    from support import decision, policy

    during, first, _ = two_calls_about_one_inspection(engine)
    commands.record_pause_decision(engine, first, "gsingh", decision(working_days=3), policy(), during.now())
    commands.record_pause_decision(engine, first, "gsingh", decision(working_days=5), policy(), during.now())


# --- countersignature is a real decision ---------------------------------------------------------


def awaiting_after_an_ordinary_pause(engine):
    """Lakeside's call: 3 working days authorised and in force, then 8 asked for: exceptional,
    awaiting countersignature."""
    from support import decision, policy

    during = FrozenClock("2026-11-19T10:00:00Z")
    call = held_with_contact(engine, during, "932408")
    first = commands.record_pause_decision(engine, call, "gsingh", decision(working_days=3), policy(), during.now())
    longer = decision(working_days=8, justification="The trust needs the week.")
    second = commands.record_pause_decision(engine, call, "gsingh", longer, policy(), during.now())
    return during, call, first, second


def states(engine, day):
    from helpdesk.store.queries.pause_register import pause_entries
    from support import policy

    return {
        e.decision_id: (e.state, e.inspection_paused_days)
        for e in pause_entries(engine, dt.date(2026, 11, 19), dt.date(2026, 11, 19), day, policy())
    }


def exported_decision(engine, call):
    import csv
    import io

    from helpdesk.store.admin import export

    out = io.StringIO()
    export.export_calls(engine, "lpark", dt.date(2026, 11, 19), dt.date(2026, 11, 19), "csv", True, out)
    [row] = [r for r in csv.DictReader(io.StringIO(out.getvalue())) if r["id"] == str(call)]
    return row["pause_working_days"], row["pause_countersigned"]


def test_an_exceptional_pause_is_not_in_force_until_countersigned(engine):
    """Awaiting: the register, the export and the call keep the 3-day pause in force; nobody
    can be told of the 8 days as authorised, no other decision is recorded and the call cannot close."""
    from helpdesk.store.queries.call import call_detail
    from support import decision, policy

    during, call, first, second = awaiting_after_an_ordinary_pause(engine)
    assert states(engine, dt.date(2026, 11, 19)) == {first: ("in_force", 3), second: ("awaiting", 3)}
    assert exported_decision(engine, call) == ("3", "False")
    shown = call_detail(engine, call, "lpark")
    assert shown.latest_decision.id == first and shown.awaiting_decision.id == second
    with pytest.raises(Refused, match="awaits a supervisor's countersignature"):
        commands.record_notification(engine, call, "gsingh", during.now(), party="school", channel="phone")
    with pytest.raises(Refused, match="awaits a supervisor's countersignature"):
        commands.record_pause_decision(engine, call, "gsingh", decision(working_days=2), policy(), during.now())
    with pytest.raises(FieldsInvalid) as refused:
        commands.close(engine, call, "gsingh", "Done", during.now(), policy=policy())
    assert "countersignature" in refused.value.errors
    assert verify_chain(engine).intact


def test_a_refused_countersignature_puts_the_earlier_decision_back_in_force(engine):
    from helpdesk.store.queries.call import call_detail
    from support import follow_ups, policy

    during, call, first, second = awaiting_after_an_ordinary_pause(engine)
    with pytest.raises(FieldsInvalid) as refused:  # reasons are required either way
        commands.countersign(engine, call, "mokafor", " ", during.now(), policy(), "refuse")
    assert refused.value.errors == {"reason": "Write your reasons for refusing: they go on the record with your name"}
    commands.countersign(engine, call, "mokafor", "Three days cover it.", during.now(), policy(), "refuse")
    assert states(engine, dt.date(2026, 11, 19)) == {first: ("in_force", 3), second: ("refused", 3)}
    assert exported_decision(engine, call) == ("3", "False")
    shown = call_detail(engine, call, "gsingh")
    assert shown.latest_decision.id == first and shown.awaiting_decision is None
    assert shown.refused_decision.refusal_reason == "Three days cover it."
    assert "REFUSED to countersign" in shown.timeline[-1].text and "stays in force" in shown.timeline[-1].text
    # the 3-day pause's resumption check still stands; the refused pause never made one
    assert [(f.decision_id, f.done_at) for f in follow_ups(engine, call)] == [(first, None)]
    with pytest.raises(Refused, match="Already refused by Mark Okafor"):
        commands.countersign(engine, call, "nreid", "Agree after all.", during.now(), policy())
    # the earlier decision can be told and the call closed as usual
    commands.record_notification(engine, call, "gsingh", during.now(), party="school", channel="phone")
    assert verify_chain(engine).intact


def test_with_no_earlier_decision_a_refusal_leaves_none_in_force(engine):
    from helpdesk.store.queries.call import call_detail
    from support import decision, policy

    during = FrozenClock("2026-11-19T10:00:00Z")
    call = held_with_contact(engine, during, "932408")
    longer = decision(working_days=8, justification="The trust needs the week.")
    commands.record_pause_decision(engine, call, "gsingh", longer, policy(), during.now())
    from sqlmodel import Session

    from helpdesk.store.db.models import Concern

    with Session(engine) as session:  # what the figures count: no decision in force while it awaits
        assert session.get(Concern, call).decision_in_force is None
    commands.countersign(engine, call, "mokafor", "Not justified.", during.now(), policy(), "refuse")
    shown = call_detail(engine, call, "gsingh")
    assert shown.latest_decision is None and "no pause decision is in force" in shown.timeline[-1].text
    with pytest.raises(FieldsInvalid) as refused:
        commands.close(engine, call, "gsingh", "Done", during.now(), policy=policy())
    assert "decision" in refused.value.errors  # a pause was requested: a decision is still needed
    # a new, shorter decision may now be recorded
    commands.record_pause_decision(engine, call, "gsingh", decision(working_days=2), policy(), during.now())
    assert call_detail(engine, call, "gsingh").latest_decision.working_days == 2


def test_countersigned_the_pause_comes_into_force_and_supersedes_the_earlier(engine):
    from support import follow_ups, policy

    during, call, first, second = awaiting_after_an_ordinary_pause(engine)
    later = during.now() + dt.timedelta(minutes=20)
    commands.countersign(engine, call, "mokafor", "Head in hospital.", later, policy())
    assert states(engine, dt.date(2026, 11, 19)) == {first: ("superseded", 8), second: ("in_force", 8)}
    assert exported_decision(engine, call) == ("8", "True")
    checks = [(f.decision_id, f.outcome, f.set_by) for f in follow_ups(engine, call)]
    assert checks == [(first, "superseded", "gsingh"), (second, None, "mokafor")]
    assert verify_chain(engine).intact


def test_an_unsigned_exceptional_pause_escalates_once_after_the_policys_minutes(engine):
    from helpdesk.domain.escalation import EscalationSubject
    from helpdesk.store.commands.escalations import escalate
    from helpdesk.store.queries.escalations import open_escalations
    from support import policy

    during, call, _, second = awaiting_after_an_ordinary_pause(engine)
    rules = policy()
    assert rules.escalate_countersignature_after_minutes == 30
    soon = during.now() + dt.timedelta(minutes=30)
    assert escalate(engine, "akhan", soon, rules, decision_ids=[second]) == []  # not yet due
    late = during.now() + dt.timedelta(minutes=31)
    [raised] = escalate(engine, "akhan", late, rules, decision_ids=[second])
    assert escalate(engine, "bmorgan", late, rules, decision_ids=[second]) == []  # once
    [standing] = open_escalations(engine)
    assert (standing.id, standing.subject, standing.concern_id, standing.decision_id) == (
        raised,
        EscalationSubject.COUNTERSIGNATURE,
        call,
        second,
    )
    commands.countersign(engine, call, "mokafor", "Head in hospital.", late, rules)
    assert open_escalations(engine) == []  # ruled on: the escalation no longer stands
    assert verify_chain(engine).intact


# --- the information barrier ---------------------------------------------------------------------


def lakeside_call(engine):
    """A call about Lakeside (932408) during its inspection (lead hwalsh, team jbrooks), held by
    an independent senior, with advice and an outcome worth keeping from the inspection's team."""
    during = FrozenClock("2026-11-19T10:00:00Z")
    call = held_with_contact(engine, during, "932408")
    commands.add_advice(engine, call, "gsingh", "The head fears the lead inspector; talked it through.", during.now())
    return during, call


@pytest.mark.parametrize("login", ["hwalsh", "jbrooks"])
def test_staff_on_the_inspection_cannot_open_the_call_and_the_attempt_is_recorded(engine, login):
    from sqlalchemy import text

    from helpdesk.store.acting import NotPermitted, restricted_calls
    from helpdesk.store.queries.call import call_detail
    from support import policy

    during, call = lakeside_call(engine)
    with pytest.raises(NotPermitted, match="^Restricted: you are"):
        commands.record_view(engine, call, login, during.now())
    with pytest.raises(NotPermitted, match="^Restricted: you are"):
        call_detail(engine, call, login, now=during.now())
    with engine.connect() as connection:
        kinds = (
            connection.execute(
                text("SELECT kind FROM event WHERE concern_id = :call AND actor = :login"),
                {"call": call, "login": login},
            )
            .scalars()
            .all()
        )
        assert kinds == ["barred"]
        assert call in restricted_calls(connection, login, during.now().date())
        assert call not in restricted_calls(connection, "akhan", during.now().date())
    # a follow-up for any senior on the call is not in their list of those due
    from helpdesk.store.queries.follow_ups import follow_ups_due

    commands.set_follow_up(
        engine, call, "gsingh", during.now(), policy(), what="Ring the head about the lead inspector", owner=None,
        due="11:00",
    )  # fmt: skip
    until = during.now() + dt.timedelta(days=1)
    assert [f.concern_id for f in follow_ups_due(engine, login, until, during.now().date())] == []
    assert [f.concern_id for f in follow_ups_due(engine, "akhan", until, during.now().date())] == [call]
    # an independent senior opens it as ever, and reads who tried
    commands.record_view(engine, call, "akhan", during.now())
    shown = call_detail(engine, call, "akhan", now=during.now())
    assert any("Tried to open the call: refused" in entry.text for entry in shown.timeline)
    assert verify_chain(engine).intact


def test_a_tied_supervisor_is_barred_from_the_calls_history_export_and_decisions(engine, tmp_path):
    """Mark Okafor declares a conflict with Lakeside: he cannot open the call, sees it in the
    school's history as restricted, its record is withheld from his exports and the register,
    and he cannot countersign, review or hand it on."""
    import csv
    import io

    from helpdesk.store.acting import NotPermitted
    from helpdesk.store.admin import export
    from helpdesk.store.admin.pause_export import export_pauses
    from helpdesk.store.queries.history import school_history
    from helpdesk.store.queries.pause_register import pause_register
    from support import decision, policy

    during, call = lakeside_call(engine)
    longer = decision(working_days=8, justification="The trust needs the week.")
    commands.record_pause_decision(engine, call, "gsingh", longer, policy(), during.now())
    conflicts = tmp_path / "conflicts.csv"
    conflicts.write_text("login,urn,responsible_body,reason\nmokafor,932408,,Governor of this school\n")
    importers.import_conflicts(engine, conflicts, "wcole", during.now())
    today = during.now().date()

    with pytest.raises(NotPermitted, match="conflict of interest with its school"):
        commands.record_view(engine, call, "mokafor", during.now())
    with pytest.raises(NotPermitted, match="conflict of interest with its school"):
        commands.countersign(engine, call, "mokafor", "Agreed.", during.now(), policy())
    with pytest.raises(NotPermitted, match="conflict of interest with its school"):
        commands.reassign(engine, call, "mokafor", "akhan", "Shift change", during.now())
    [entry] = [c for c in school_history(engine, "mokafor", "932408", today).calls if c.id == call]
    assert entry.restricted and entry.what == "restricted" and entry.category == "" and entry.outcome is None
    assert [c.id for c in school_history(engine, "lpark", "932408", today).calls if not c.restricted] == [call]

    def exported(login):
        out = io.StringIO()
        export.export_calls(engine, login, today, today, "csv", False, out, today=today)
        return [row["id"] for row in csv.DictReader(io.StringIO(out.getvalue()))]

    assert str(call) not in exported("mokafor") and str(call) in exported("lpark")
    assert export.withheld_calls(engine, "mokafor", today, today, today) == 1
    assert export.withheld_calls(engine, "lpark", today, today, today) == 0
    assert [e.call for e in pause_register(engine, "mokafor", today, today, today, policy())] == []
    assert [e.call for e in pause_register(engine, "lpark", today, today, today, policy())] == [call]
    out = io.StringIO()
    assert export_pauses(engine, "mokafor", today, today, "csv", False, out, today=today, policy=policy()) == 0
    # another supervisor, independent, countersigns; a review by the tied one is refused too
    commands.countersign(engine, call, "lpark", "Agreed.", during.now(), policy())
    for party in ("lead_inspector", "school", "responsible_body"):
        commands.record_notification(engine, call, "gsingh", during.now(), party=party, channel="phone")
    commands.record_signposting(engine, call, "gsingh", during.now())
    commands.close(engine, call, "gsingh", "Paused.", during.now(), policy=policy())
    with pytest.raises(NotPermitted, match="conflict of interest with its school"):
        commands.review(engine, call, "mokafor", "meets_standard", "", during.now(), policy())
    assert verify_chain(engine).intact


# --- what the policy asks inspectors to collect, and callers to be told ----------------------------


def test_an_inspection_recorded_on_a_call_keeps_its_wellbeing_contact(engine, clock):
    from helpdesk.store.queries.call import call_detail

    call = pause_request(engine, clock)
    commands.claim(engine, call, "gsingh", clock.now())
    with pytest.raises(FieldsInvalid) as refused:
        validate_inspection(
            reference="INS-WB", remit="schools", start="2026-11-18", end="2026-11-19", lead_inspector="Jo Bell",
            wellbeing_name="", wellbeing_role="Chair of governors", wellbeing_phone="0116 496 00",
        )  # fmt: skip
    assert set(refused.value.errors) == {"wellbeing_name", "wellbeing_phone"}
    entry = validate_inspection(
        reference="INS-WB", remit="schools", start="2026-11-18", end="2026-11-19", lead_inspector="Jo Bell",
        wellbeing_name="Ruth Adebayo", wellbeing_role="Chair of governors", wellbeing_phone="0116 496 0123",
    )  # fmt: skip
    commands.link_inspection(engine, call, "gsingh", clock.now(), entry=entry)
    card = call_detail(engine, call, "gsingh", now=clock.now()).inspection
    assert (card.wellbeing_name, card.wellbeing_role, card.wellbeing_phone) == (
        "Ruth Adebayo",
        "Chair of governors",
        "+441164960123",
    )
    assert verify_chain(engine).intact


def test_inspections_import_the_wellbeing_contact(engine, clock, tmp_path):
    from sqlalchemy import text

    sample = tmp_path / "inspections.csv"
    sample.write_text(
        "reference,urn,remit,start_date,end_date,lead_inspector,team,wellbeing_name,wellbeing_role,wellbeing_phone\n"
        "INS-A,930037,schools,2026-11-18,2026-11-19,oi.x,,Sam O'Neill,Deputy headteacher,0113 496 0500\n"
        "INS-B,930090,schools,2026-11-18,2026-11-19,oi.y,,,,\n"
        "INS-C,930100,schools,2026-11-18,2026-11-19,oi.z,,Mei Lin,,not a number\n"
    )
    report = importers.import_inspections(engine, sample, "wcole", clock.now(), skip_invalid=True)
    assert report.added == 2 and [p.line for p in report.skipped] == [4]
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT reference, wellbeing_name, wellbeing_role, wellbeing_phone FROM inspection WHERE reference IN ('INS-A', 'INS-B') ORDER BY reference"
            )
        ).all()
    assert [tuple(r) for r in rows] == [
        ("INS-A", "Sam O'Neill", "Deputy headteacher", "+441134960500"),
        ("INS-B", None, None, None),
    ]
    assert verify_chain(engine).intact


def test_advice_records_once_what_the_caller_was_told(engine, clock):
    from helpdesk.store.queries.call import call_detail

    call = pause_request(engine, clock)
    commands.claim(engine, call, "gsingh", clock.now())
    with pytest.raises(FieldsInvalid):
        commands.add_advice(engine, call, "gsingh", "Talked it through.", clock.now(), told=["anything"])
    commands.add_advice(engine, call, "gsingh", "Talked it through.", clock.now(), told=["judgement_unaffected"])
    first = clock.now()
    clock.advance(minutes=5)
    commands.add_advice(
        engine, call, "gsingh", "Rang back.", clock.now(), told=["judgement_unaffected", "may_be_accompanied"]
    )
    shown = call_detail(engine, call, "gsingh", now=clock.now())
    assert shown.told == {"judgement_unaffected", "may_be_accompanied"}
    assert "Told the caller: Raising a concern does not affect the inspection's judgement." in shown.timeline[-2].text
    assert "Told the caller: Leaders may be accompanied" in shown.timeline[-1].text  # only what was new
    from sqlmodel import Session

    from helpdesk.store.db.models import Concern

    with Session(engine) as session:
        row = session.get(Concern, call)
        told = (row.told_judgement_unaffected_at, row.told_may_be_accompanied_at)
    from helpdesk.clock import as_utc

    assert (as_utc(told[0]), as_utc(told[1])) == (first, clock.now())  # the first time each was recorded
    assert verify_chain(engine).intact


def test_a_member_of_the_inspection_team_can_be_the_caller(engine, clock):
    from helpdesk.domain.intake import validate_concern
    from helpdesk.domain.types import CallerRole

    assert CallerRole("inspection_team").label == "Member of the inspection team"
    concern = validate_concern(
        urn="930037", caller_name="Jo Bell", caller_role="inspection_team", phone="020 7946 0123",
        category="wellbeing", summary="Worried about the head.", urgent=True,
    )  # fmt: skip
    assert concern.caller_role == "inspection_team"
    commands.log_concern(engine, concern, "rdouglas", clock.now())


def test_the_limit_in_force_from_the_database_counts_across_calls_too(engine):
    """The policy loaded into the database holds schools to 3 working days; the file each senior's
    process was given says 5. Two days on one call, then three from the next day on another about
    the same inspection (four days in all, the shared one counted once): the second is
    exceptional under the version in force, though alone it is within it and the file allows it."""
    from helpdesk.shipped import shipped_file
    from helpdesk.store.commands.policy import load_policy
    from support import decision, policy

    during, first, second = two_calls_about_one_inspection(engine)
    text = shipped_file("policy.toml").read_text(encoding="utf-8")
    load_policy(engine, "wcole", text.replace("schools = 5 ", "schools = 3 "), during.now())
    commands.record_pause_decision(engine, first, "gsingh", decision(working_days=2), policy(), during.now())
    later = during.now() + dt.timedelta(days=1)  # Friday 20th, still during the inspection
    with pytest.raises(FieldsInvalid) as refused:
        commands.record_pause_decision(engine, second, "akhan", decision(working_days=3), policy(), later)
    assert "paused for 4 of at most 3, which is exceptional" in refused.value.errors["justification"]
